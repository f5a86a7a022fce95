"""Compute and ingestion in each real stack: the blueprint's arrows, exposure and sizing."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest

from infra.blueprint import QUEUES, ROUTES, SERVICES, Service
from offline.engine import Inventory, Registration, stack_file


def _cfg(stack: str, key: str) -> Any:
    return stack_file(stack)["config"][f"aevon:{key}"]


def _statements(policy: Registration) -> list[dict[str, Any]]:
    return json.loads(policy.input("policy"))["Statement"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_task_roles_follow_the_blueprint_arrows(inventory: Inventory) -> None:
    queue_arns = inventory.outputs["queueArns"]
    for service, shape in SERVICES.items():
        policies = [
            r
            for r in inventory.of_type("aws:iam/rolePolicy:RolePolicy")
            if r.name == f"app-{service.value}-task-policy"
        ]
        statements = {s["Sid"]: s for p in policies for s in _statements(p)}
        consumed = statements.get("ConsumeQueues", {}).get("Resource", [])
        produced = statements.get("ProduceToQueues", {}).get("Resource", [])
        assert sorted(consumed) == sorted(queue_arns[r.value] for r in shape.consumes), service
        assert sorted(produced) == sorted(queue_arns[r.value] for r in shape.produces), service


def test_core_and_delivery_workers_match_the_diagram(inventory: Inventory) -> None:
    arns = {v: k for k, v in inventory.outputs["queueArns"].items()}

    def queues(service: str, sid: str) -> set[str]:
        policy = inventory.by_name(f"app-{service}-task-policy")
        statement = next(s for s in _statements(policy) if s["Sid"] == sid)
        return {arns[a] for a in statement["Resource"]}

    assert queues("core-worker", "ConsumeQueues") == {"inbound-gateway", "source-replica"}
    assert queues("core-worker", "ProduceToQueues") == {
        "source-replica",
        "normalised",
        "fetch-request",
    }
    assert queues("delivery-worker", "ConsumeQueues") == {"normalised", "outbound"}
    assert queues("delivery-worker", "ProduceToQueues") == {"outbound", "fetch-request"}


def test_no_iam_policy_allows_wildcard_actions(inventory: Inventory) -> None:
    """Workload policies name exact actions; only the CI deploy role has service:*, and only on
    the stack's resources (never on "*")."""
    for r in inventory.registrations:
        document = r.input("policy") if r.type == "aws:iam/rolePolicy:RolePolicy" else None
        if not isinstance(document, str):
            continue
        for statement in json.loads(document)["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            for action in _as_list(statement["Action"]):
                if "*" in action:
                    assert r.name == "ci-deploy-policy", f"{r.urn} allows {action}"
                    resources = _as_list(statement["Resource"])
                    assert "*" not in resources, f"{r.urn} allows {action} on *"
                    region = stack_file(inventory.stack)["config"]["aws:region"]
                    # the stack's region, or none for global types (RDS global clusters)
                    assert all(arn.split(":")[3] in (region, "") for arn in resources), resources


def test_only_the_load_balancer_admits_the_internet_on_80_and_443(inventory: Inventory) -> None:
    alb_sg = inventory.by_name("public-sg").id
    vpc = ipaddress.ip_network(inventory.outputs["vpcCidr"])
    for rule in inventory.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
        assert rule.input("description"), f"{rule.urn} has no description"
        if rule.input("cidrIpv6") or (
            rule.input("cidrIpv4")
            and not ipaddress.ip_network(rule.input("cidrIpv4")).subnet_of(vpc)  # type: ignore[arg-type]
        ):
            assert rule.input("securityGroupId") == alb_sg, rule.urn
            assert rule.input("fromPort") in (80, 443), rule.urn
    for rule in inventory.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"):
        assert rule.input("description"), f"{rule.urn} has no description"


def test_tasks_admit_only_the_load_balancer(inventory: Inventory) -> None:
    alb_sg = inventory.by_name("public-sg").id
    task_sgs = {inventory.by_name(f"workloads-{s.value}").id: s for s in Service}
    for rule in inventory.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
        if rule.input("securityGroupId") in task_sgs:
            assert rule.input("referencedSecurityGroupId") == alb_sg, rule.urn


def test_services_run_in_private_subnets_without_public_ips(inventory: Inventory) -> None:
    private = set(inventory.outputs["privateSubnetIds"])
    for service in inventory.of_type("aws:ecs/service:Service"):
        network = service.input("networkConfiguration")
        assert network["assignPublicIp"] is False
        assert set(network["subnets"]) == private
        assert len(network["subnets"]) >= 2, "tasks spread over AZs"


def test_plain_http_only_where_the_stack_opts_in(inventory: Inventory) -> None:
    compute = _cfg(inventory.stack, "compute")
    ports = {r.input("port"): r for r in inventory.of_type("aws:lb/listener:Listener")}
    if compute.get("allowPlainHttp"):
        assert set(ports) == {80}
        assert ports[80].input("defaultActions")[0]["type"] == "forward"
    else:
        assert ports[443].input("protocol") == "HTTPS"
        assert ports[80].input("defaultActions")[0]["type"] == "redirect"
        assert inventory.outputs["publicUrl"] == f"https://{compute['tls']['hostName']}"


def test_dev_runs_one_small_spot_task_per_service(inventories: dict[str, Inventory]) -> None:
    dev = inventories["dev"]
    for service in dev.of_type("aws:ecs/service:Service"):
        assert service.input("capacityProviderStrategies") == [
            {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}
        ]
        assert service.input("desiredCount") == 1
    for task in dev.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        assert (task.input("cpu"), task.input("memory")) == ("256", "512")
    (cluster,) = dev.of_type("aws:ecs/cluster:Cluster")
    assert cluster.input("settings") == [{"name": "containerInsights", "value": "disabled"}]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_staging_and_prod_keep_on_demand_tasks_across_azs_with_insights(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inv = inventories[stack]
    base = _cfg(stack, "compute")["onDemandBase"]
    for service in inv.of_type("aws:ecs/service:Service"):
        on_demand = next(
            s
            for s in service.input("capacityProviderStrategies")
            if s["capacityProvider"] == "FARGATE"
        )
        assert on_demand["base"] == base >= 1
        assert service.input("waitForSteadyState") is True
    for target in inv.of_type("aws:appautoscaling/target:Target"):
        assert target.input("minCapacity") >= 2, target.urn
    (cluster,) = inv.of_type("aws:ecs/cluster:Cluster")
    assert cluster.input("settings") == [{"name": "containerInsights", "value": "enabled"}]
    below_min = [
        a
        for a in inv.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.name.endswith("-tasks-below-min")
    ]
    assert len(below_min) == len(Service)


def test_sizes_and_scaling_bounds_come_from_the_stack_file(inventory: Inventory) -> None:
    services = _cfg(inventory.stack, "compute")["services"]
    for service in Service:
        size = services[service.value]
        task = inventory.by_name(f"app-{service.value}-task")
        assert (int(task.input("cpu")), int(task.input("memory"))) == (size["cpu"], size["memory"])
        target = inventory.by_name(f"app-{service.value}-scaling")
        assert (target.input("minCapacity"), target.input("maxCapacity")) == (
            size["min"],
            size["max"],
        )


def test_images_run_the_released_tag(inventory: Inventory) -> None:
    for task in inventory.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        (container,) = json.loads(task.input("containerDefinitions"))
        repository, tag = container["image"].rsplit(":", 1)
        assert repository in inventory.outputs["repositoryUrls"].values()
        assert tag == "0f3c2a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a", "the SHA in the release parameter"
    assert inventory.outputs["imageTagParameter"] == f"/aevon-{inventory.stack}/release/image-tag"


def test_database_and_cache_credentials_only_reach_their_clients(inventory: Inventory) -> None:
    db_clients = set(_cfg(inventory.stack, "database")["clients"])
    cache_clients = set(_cfg(inventory.stack, "cache")["clients"])
    for service in Service:
        (container,) = json.loads(
            inventory.by_name(f"app-{service.value}-task").input("containerDefinitions")
        )
        secrets = {s["name"] for s in container["secrets"]}
        env = {e["name"] for e in container["environment"]}
        assert ("DB_PASSWORD" in secrets) is (service.value in db_clients)
        assert ("REDIS_AUTH" in secrets) is (service.value in cache_clients)
        assert not env & {"DB_PASSWORD", "DB_USERNAME", "REDIS_AUTH"}


def test_ingestion_uses_the_stack_settings(inventory: Inventory) -> None:
    ingestion = _cfg(inventory.stack, "ingestion")
    fn = inventory.by_name("ingest-fn")
    assert fn.input("reservedConcurrentExecutions") == ingestion["reservedConcurrency"]
    (route,) = inventory.of_type("aws:apigatewayv2/route:Route")
    assert (
        route.input("authorizationType")
        == {"iam": "AWS_IAM", "jwt": "JWT"}[ingestion["authorization"]]
    )
    (mapping,) = inventory.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
    assert mapping.input("eventSourceArn") == inventory.outputs["queueArns"]["fetch-request"]
    assert inventory.outputs["ingestionEndpoint"].startswith("https://")


def test_alarms_cover_the_alb_services_and_notify_the_topic(inventory: Inventory) -> None:
    topic = inventory.outputs["alarmTopicArn"]
    alarms = {a.name: a for a in inventory.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    for name in (
        "public-response-time",
        *(f"app-{s.value}-cpu-high" for s in Service),
    ):
        assert alarms[name].input("alarmActions") == [topic], name
    # A 5xx rate pages (issue 15): the paging topic, routed per stack.
    assert alarms["public-5xx"].input("alarmActions") == [inventory.outputs["pagingAlarmTopicArn"]]


def test_load_balancer_and_containers_use_the_blueprint_routes(inventory: Inventory) -> None:
    for service, route in ROUTES.items():
        group = inventory.by_name(f"public-{service.value}-tg")
        assert group.input("port") == route.port, group.urn
        assert group.input("healthCheck")["path"] == route.health_check_path
        (container,) = json.loads(
            inventory.by_name(f"app-{service.value}-task").input("containerDefinitions")
        )
        assert container["portMappings"] == [{"containerPort": route.port, "protocol": "tcp"}]
        opening = inventory.by_name(f"public-{service.value}-from-load-balancer")
        assert (opening.input("fromPort"), opening.input("toPort")) == (route.port, route.port)
    rules = inventory.of_type("aws:lb/listenerRule:ListenerRule")
    assert sorted(
        tuple(r.input("conditions")[0]["pathPattern"]["values"]) for r in rules
    ) == sorted(r.path_patterns for r in ROUTES.values() if r.path_patterns)


def test_exports_keyed_by_the_blueprint_hold_plain_text_keys(inventory: Inventory) -> None:
    """The root exports the blueprint's enum-keyed maps as they are; the engine (and the
    offline runner, like it) stores their keys as text."""
    for key in ("queueUrls", "queueArns", "ecsServiceNames"):
        assert all(type(k) is str for k in inventory.outputs[key]), key
    assert sorted(inventory.outputs["ecsServiceNames"]) == sorted(s.value for s in Service)
    assert sorted(inventory.outputs["queueArns"]) == sorted(r.value for r in QUEUES)
