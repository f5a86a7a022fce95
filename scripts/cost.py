"""Idle monthly cost of each stack at us-east-1 list prices, computed from its inventory.

Runs the real program under the mock engine (like the tests), then prices what
it registered: the resources that cost money while nothing happens (NAT
gateways or the NAT instance and its volume, public IPv4 addresses, database
capacity at its minimum, cache nodes, keys, secrets, alarms, the dashboard and the
budget, the ALB, the minimum tasks, Container Insights metrics, the GKE cluster fee,
the WAF web ACL and its rules, AWS Backup's copy of the database and the registry's
Cloud KMS key). Each stack's budget (its limit and first alert) is the table's last
row: idle cost must stay below the first alert (`tests/test_cost.py`).
Traffic-driven charges (data processed, requests, storage growth, log ingestion,
the access-log bucket's objects, the rotation function's invocations) are left
out: they are zero at idle and scale with use.

    uv run python scripts/cost.py                  # print the table
    uv run python scripts/cost.py --write-readme   # and refresh README.md's copy
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra.config import ConfigError  # noqa: E402
from offline.delivery import DeliveryOrderError, stacks_in_delivery_order  # noqa: E402
from offline.engine import Inventory, Registration, run_stack  # noqa: E402
from offline.inputs import ArgumentParser, BadInputError, fail, stack_document  # noqa: E402

HOURS_PER_MONTH = 730

# us-east-1 on-demand list prices (USD), checked 2026-11.
NAT_GATEWAY_HOUR = 0.045
PUBLIC_IPV4_HOUR = 0.005
AURORA_ACU_HOUR = 0.12  # Aurora Serverless v2, Aurora Standard
AURORA_STORAGE_GB_MONTH = 0.10
AURORA_ASSUMED_STORAGE_GB = 10  # a small platform database; storage is billed by use
KMS_KEY_MONTH = 1.00
SECRET_MONTH = 0.40
ALARM_MONTH = 0.10  # standard-resolution metric alarm
# ElastiCache node-hours for Redis OSS; Valkey is billed 20% lower.
CACHE_NODE_HOUR = {
    "cache.t4g.micro": 0.016,
    "cache.t4g.small": 0.032,
    "cache.t4g.medium": 0.065,
    "cache.m7g.large": 0.158,
    "cache.r7g.large": 0.219,
}
VALKEY_DISCOUNT = 0.80
ALB_HOUR = 0.0225  # plus LCUs, which are traffic
FARGATE_VCPU_HOUR = 0.04048  # Linux/x86
FARGATE_GB_HOUR = 0.004445
# Fargate Spot prices float; these are us-east-1's at the time of writing (~69% off).
FARGATE_SPOT_VCPU_HOUR = 0.01246
FARGATE_SPOT_GB_HOUR = 0.00137
# Container Insights bills each metric it emits: about 8 per cluster and 9 per service.
INSIGHTS_METRIC_MONTH = 0.30
INSIGHTS_METRICS_PER_CLUSTER = 8
INSIGHTS_METRICS_PER_SERVICE = 9
# EC2 on-demand Linux instance-hours (the NAT instance's Graviton types) and gp3 storage.
EC2_INSTANCE_HOUR = {
    "t4g.nano": 0.0042,
    "t4g.micro": 0.0084,
    "t4g.small": 0.0168,
    "t4g.medium": 0.0336,
}
EBS_GP3_GB_MONTH = 0.08
# CloudWatch: $3 per dashboard per month (the account's first 3 are free, not subtracted).
DASHBOARD_MONTH = 3.00
# AWS Budgets: $0.02 per budget per day (the account's first 2 are free, not subtracted).
# https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html
BUDGET_DAY = 0.02
# GKE charges a management fee per cluster (Autopilot and Standard alike); Autopilot bills
# pods by request, so an empty cluster costs the fee alone. The free-tier credit
# ($74.40/month per billing account) is not subtracted.
GKE_CLUSTER_HOUR = 0.10
# AWS WAF: per web ACL and per rule in it (a managed rule group is one rule), prorated
# hourly; requests ($0.60 per million) are traffic. https://aws.amazon.com/waf/pricing/
WAF_WEB_ACL_MONTH = 5.00
WAF_RULE_MONTH = 1.00
# AWS Backup warm storage of an Aurora snapshot; the backed-up size is the database's
# (assumed, as for Aurora storage); later recovery points add only what changed.
# https://aws.amazon.com/backup/pricing/
BACKUP_AURORA_GB_MONTH = 0.021
# Cloud KMS: per active software key version a month (rotation adds versions over time).
# https://cloud.google.com/kms/pricing
CLOUD_KMS_KEY_VERSION_MONTH = 0.06


@dataclass(frozen=True)
class Line:
    driver: str  # the same across stacks, e.g. "cache nodes"
    quantity: float
    unit: str  # what the quantity counts, e.g. "valkey cache.t4g.micro node"
    monthly: float


def _cache_lines(r: Registration) -> Iterable[Line]:
    node_type, nodes = r.input("nodeType"), int(r.input("numCacheClusters"))
    if node_type not in CACHE_NODE_HOUR:
        raise KeyError(f"no list price for {node_type}; add it to CACHE_NODE_HOUR")
    hourly = CACHE_NODE_HOUR[node_type] * (VALKEY_DISCOUNT if r.input("engine") == "valkey" else 1)
    unit = f"x {r.input('engine')} {node_type}"
    yield Line("cache nodes", nodes, unit, nodes * hourly * HOURS_PER_MONTH)


def _aurora_lines(inv: Inventory) -> Iterable[Line]:
    for cluster in inv.of_type("aws:rds/cluster:Cluster"):
        min_acu = float(cluster.input("serverlessv2ScalingConfiguration")["minCapacity"])
        instances = [
            i
            for i in inv.of_type("aws:rds/clusterInstance:ClusterInstance")
            if i.input("clusterIdentifier") == cluster.id
        ]
        acus = min_acu * len(instances)
        unit = f"ACU ({len(instances)} instance(s) x {min_acu:g} ACU minimum)"
        yield Line(
            "Aurora capacity at minimum", acus, unit, acus * AURORA_ACU_HOUR * HOURS_PER_MONTH
        )
        yield Line(
            "Aurora storage",
            AURORA_ASSUMED_STORAGE_GB,
            "GB (assumed)",
            AURORA_ASSUMED_STORAGE_GB * AURORA_STORAGE_GB_MONTH,
        )
        if cluster.input("manageMasterUserPassword"):
            yield Line("Secrets Manager secrets", 1, "x", SECRET_MONTH)


def split_tasks(count: int, strategy: list[dict[str, Any]]) -> tuple[float, float]:
    """(on-demand, spot) tasks that ECS runs for `count` under a capacity provider strategy."""
    weights = {str(e["capacityProvider"]): int(e.get("weight") or 0) for e in strategy}
    base = sum(int(e.get("base") or 0) for e in strategy if e["capacityProvider"] == "FARGATE")
    on_demand = min(count, base)
    rest = count - on_demand
    total_weight = weights.get("FARGATE", 0) + weights.get("FARGATE_SPOT", 0)
    on_demand += rest * weights.get("FARGATE", 0) / total_weight
    return on_demand, count - on_demand


def _fargate_lines(inv: Inventory) -> Iterable[Line]:
    task_sizes = {
        t.outputs["arn"]: (int(t.input("cpu")) / 1024, int(t.input("memory")) / 1024)
        for t in inv.of_type("aws:ecs/taskDefinition:TaskDefinition")
    }
    minimums = {
        str(t.input("resourceId")).rsplit("/", 1)[-1]: int(t.input("minCapacity"))
        for t in inv.of_type("aws:appautoscaling/target:Target")
    }
    for service in inv.of_type("aws:ecs/service:Service"):
        vcpu, gb = task_sizes[service.input("taskDefinition")]
        tasks = minimums[service.input("name")]
        on_demand, spot = split_tasks(tasks, service.input("capacityProviderStrategies"))
        hourly = on_demand * (vcpu * FARGATE_VCPU_HOUR + gb * FARGATE_GB_HOUR) + spot * (
            vcpu * FARGATE_SPOT_VCPU_HOUR + gb * FARGATE_SPOT_GB_HOUR
        )
        yield Line("Fargate tasks at minimum", tasks, "task(s)", hourly * HOURS_PER_MONTH)
    for cluster in inv.of_type("aws:ecs/cluster:Cluster"):
        if any(x.get("value") == "enabled" for x in cluster.input("settings") or []):
            metrics = INSIGHTS_METRICS_PER_CLUSTER + INSIGHTS_METRICS_PER_SERVICE * len(
                inv.of_type("aws:ecs/service:Service")
            )
            yield Line(
                "Container Insights metrics", metrics, "metric(s)", metrics * INSIGHTS_METRIC_MONTH
            )


def _group_lines(inv: Inventory) -> Iterable[Line]:
    """Auto Scaling groups (the NAT instance's) at their desired capacity: per instance the
    launch template's type, its root volume and, with a public address, one public IPv4."""
    templates = {t.id: t for t in inv.of_type("aws:ec2/launchTemplate:LaunchTemplate")}
    for group in inv.of_type("aws:autoscaling/group:Group"):
        template = templates[group.input("launchTemplate")["id"]]
        count = int(group.input("desiredCapacity") or group.input("minSize"))
        instance_type = template.input("instanceType")
        if instance_type not in EC2_INSTANCE_HOUR:
            raise KeyError(f"no list price for {instance_type}; add it to EC2_INSTANCE_HOUR")
        yield Line(
            "EC2 instances",
            count,
            f"x {instance_type}",
            count * EC2_INSTANCE_HOUR[instance_type] * HOURS_PER_MONTH,
        )
        gib = count * sum(
            int(d["ebs"].get("volumeSize") or 0)
            for d in template.input("blockDeviceMappings") or []
            if d.get("ebs")
        )
        yield Line("EBS volumes", gib, "GB gp3", gib * EBS_GP3_GB_MONTH)
        public = count * sum(
            1
            for i in template.input("networkInterfaces") or []
            if str(i.get("associatePublicIpAddress")).lower() == "true"
        )
        yield Line(
            "public IPv4 addresses", public, "x", public * PUBLIC_IPV4_HOUR * HOURS_PER_MONTH
        )


def _alb_lines(r: Registration) -> Iterable[Line]:
    yield Line("load balancer", 1, "ALB", ALB_HOUR * HOURS_PER_MONTH)
    # An internet-facing ALB holds a public IPv4 address in each of its subnets.
    addresses = len(r.input("subnets") or [])
    yield Line(
        "public IPv4 addresses", addresses, "x", addresses * PUBLIC_IPV4_HOUR * HOURS_PER_MONTH
    )


def _waf_lines(r: Registration) -> Iterable[Line]:
    rules = len(r.input("rules") or [])
    yield Line(
        "WAF web ACL and rules",
        1,
        f"ACL + {rules} rules",
        WAF_WEB_ACL_MONTH + rules * WAF_RULE_MONTH,
    )


PER_RESOURCE: dict[str, Callable[[Registration], Iterable[Line]]] = {
    "aws:wafv2/webAcl:WebAcl": _waf_lines,
    "aws:backup/selection:Selection": lambda r: [
        Line(
            "AWS Backup of the database",
            AURORA_ASSUMED_STORAGE_GB,
            "GB (assumed)",
            AURORA_ASSUMED_STORAGE_GB * BACKUP_AURORA_GB_MONTH,
        )
    ],
    "gcp:kms/cryptoKey:CryptoKey": lambda r: [
        Line("Cloud KMS key versions", 1, "x", CLOUD_KMS_KEY_VERSION_MONTH)
    ],
    "aws:lb/loadBalancer:LoadBalancer": _alb_lines,
    "gcp:container/cluster:Cluster": lambda r: [
        Line("GKE cluster management fee", 1, "cluster", GKE_CLUSTER_HOUR * HOURS_PER_MONTH)
    ],
    "aws:ec2/natGateway:NatGateway": lambda r: [
        Line("NAT gateways", 1, "x", NAT_GATEWAY_HOUR * HOURS_PER_MONTH)
    ],
    "aws:ec2/eip:Eip": lambda r: [
        Line("public IPv4 addresses", 1, "x", PUBLIC_IPV4_HOUR * HOURS_PER_MONTH)
    ],
    "aws:elasticache/replicationGroup:ReplicationGroup": _cache_lines,
    "aws:kms/key:Key": lambda r: [Line("KMS keys", 1, "x", KMS_KEY_MONTH)],
    "aws:secretsmanager/secret:Secret": lambda r: [
        Line("Secrets Manager secrets", 1, "x", SECRET_MONTH)
    ],
    "aws:cloudwatch/metricAlarm:MetricAlarm": lambda r: [
        Line("CloudWatch alarms", 1, "x", ALARM_MONTH)
    ],
    "aws:cloudwatch/dashboard:Dashboard": lambda r: [
        Line("CloudWatch dashboards", 1, "x", DASHBOARD_MONTH)
    ],
    "aws:budgets/budget:Budget": lambda r: [
        Line("AWS Budgets", 1, "budget", BUDGET_DAY * HOURS_PER_MONTH / 24)
    ],
}


@dataclass(frozen=True)
class Budget:
    """The stack's budget as registered: its monthly limit and the percentages that alert."""

    limit: float
    percents: tuple[float, ...]

    @property
    def lowest_alert(self) -> float:
        """The smallest monthly cost (USD) at which the budget notifies."""
        return self.limit * min(self.percents) / 100


def budget(inv: Inventory) -> Budget:
    """The stack's one `aws:budgets/budget:Budget` (limit in USD, alert percentages)."""
    (registered,) = inv.of_type("aws:budgets/budget:Budget")
    if registered.input("limitUnit") != "USD":
        raise ValueError(f"{registered.urn}: a cost budget in USD is expected")
    percents = tuple(
        float(n["threshold"])
        for n in registered.input("notifications") or []
        if n.get("thresholdType") == "PERCENTAGE"
    )
    return Budget(float(registered.input("limitAmount")), percents)


def idle_cost(inv: Inventory) -> list[Line]:
    """Cost lines of one stack, identical drivers summed."""
    raw: list[Line] = [*_aurora_lines(inv), *_fargate_lines(inv), *_group_lines(inv)]
    for r in inv.registrations:
        raw.extend(PER_RESOURCE.get(r.type, lambda _r: [])(r))
    merged: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for line in raw:
        merged[(line.driver, line.unit)][0] += line.quantity
        merged[(line.driver, line.unit)][1] += line.monthly
    return [
        Line(d, q, u, round(m, 2))
        for (d, u), (q, m) in sorted(merged.items(), key=lambda kv: -kv[1][1])
    ]


def total(lines: Iterable[Line]) -> float:
    return round(sum(line.monthly for line in lines), 2)


def markdown(costs: dict[str, list[Line]], budgets: dict[str, Budget] | None = None) -> str:
    """One table: a row per cost driver, a column per stack, quantity and $/month per cell;
    with `budgets`, a last row of each stack's budget limit and its first alert."""
    stacks = list(costs)
    drivers: list[str] = []
    for lines in costs.values():
        drivers.extend(line.driver for line in lines if line.driver not in drivers)
    rows = [
        "| driver | " + " | ".join(stacks) + " |",
        "| --- |" + " --- |" * len(stacks),
    ]
    for driver in drivers:
        cells = []
        for stack in stacks:
            line = next((x for x in costs[stack] if x.driver == driver), None)
            cells.append(f"{line.quantity:g} {line.unit}: ${line.monthly:,.2f}" if line else "—")
        rows.append(f"| {driver} | " + " | ".join(cells) + " |")
    rows.append(
        "| **idle total per month** | "
        + " | ".join(f"**${total(costs[s]):,.2f}**" for s in stacks)
        + " |"
    )
    if budgets:
        rows.append(
            "| budget (`aevon:budget`): limit, first alert | "
            + " | ".join(
                f"${budgets[s].limit:,.2f}, at ${budgets[s].lowest_alert:,.2f} "
                f"({min(budgets[s].percents):g} %)"
                for s in stacks
            )
            + " |"
        )
    return "\n".join(rows)


README_START = "<!-- cost:start"
README_END = "<!-- cost:end -->"


def write_readme(table: str) -> None:
    """Replace the README's generated cost table (between the cost markers)."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    start = text.index("\n", text.index(README_START)) + 1
    end = text.index(README_END)
    readme.write_text(text[:start] + table + "\n" + text[end:])


def stacks() -> list[str]:
    """Every stack with a stack file, in delivery order (the table's columns), each checked.

    Raises BadInputError, ConfigError or DeliveryOrderError for a stack file that cannot
    be read, does not validate, or names no stack in `promotesFrom`.
    """
    ordered = stacks_in_delivery_order(ROOT)
    for stack in ordered:
        stack_document(stack, ROOT)
    return ordered


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="scripts/cost.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--write-readme",
        action="store_true",
        help="also replace README.md's table (between its cost markers) with this one",
    )
    args = parser.parse_args(argv)
    try:
        inventories = {stack: run_stack(stack) for stack in stacks()}
    except (BadInputError, ConfigError, DeliveryOrderError) as exc:
        return fail("scripts/cost.py", exc)
    table = markdown(
        {stack: idle_cost(inv) for stack, inv in inventories.items()},
        {stack: budget(inv) for stack, inv in inventories.items()},
    )
    print(table)
    if args.write_readme:
        write_readme(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
