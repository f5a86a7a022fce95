"""`StackDashboard`: one CloudWatch dashboard per stack, generated from the stack's resources.

Its widgets name the same metrics and dimension values the alarms use, taken from the
same outputs (the load balancer's ARN suffix, the cluster and service names, queue and
dead-letter queue names, the Aurora cluster identifier, the cache's node ids, the
function name), so a widget can only show a resource of this stack:

- load balancer: requests, 5xx (load balancer and targets), p95 target response time;
- ECS: CPU and memory per service, running tasks per service (a Container Insights
  metric: where `compute.containerInsights` is off the widget says so);
- queues: depth and age of the oldest message per queue, depth per dead-letter queue;
- Aurora: capacity (ACU), connections, replica lag (where there is a reader);
- cache: engine CPU, memory used and evictions per node;
- Lambda: errors and throttles per function.

`dashboard_body` is pure (plain strings in, the JSON document out), so tests read the
widgets directly. Body structure: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.blueprint import QueueRole, Service

WIDTH, HEIGHT = 12, 6  # two widgets per row of the 24-unit grid
PERIOD = 60


@dataclass(frozen=True, kw_only=True)
class DashboardSources:
    """The names the dashboard's widgets point at (each an `Input`, plain in `dashboard_body`).

    - `region`: the AWS region code; `load_balancer`: the ALB's ARN suffix
      (`app/<name>/<id>`, the `LoadBalancer` dimension).
    - `cluster`: the ECS cluster name; `services`: service -> ECS service name;
      `container_insights`: whether running-task counts exist.
    - `queues`: queue -> SQS queue name; `dead_letter_queues`: the queue (or the
      function) it catches for -> DLQ name.
    - `database`: the Aurora cluster identifier; `database_instances`: writer + readers.
    - `cache_nodes`: the cache's node ids (`CacheClusterId`).
    - `functions`: label -> Lambda function name.
    """

    region: str
    load_balancer: pulumi.Input[str]
    cluster: pulumi.Input[str]
    services: Mapping[Service, pulumi.Input[str]]
    container_insights: bool
    queues: Mapping[QueueRole, pulumi.Input[str]]
    dead_letter_queues: Mapping[QueueRole | str, pulumi.Input[str]]
    database: pulumi.Input[str]
    database_instances: int
    cache_nodes: Sequence[pulumi.Input[str]]
    functions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


def _metric(
    namespace: str, metric: str, dimensions: Mapping[str, str], **options: Any
) -> list[Any]:
    line: list[Any] = [namespace, metric]
    for key, value in dimensions.items():
        line += [key, value]
    return [*line, options] if options else line


def _graph(title: str, region: str, metrics: list[list[Any]], stat: str) -> dict[str, Any]:
    return {
        "type": "metric",
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "period": PERIOD,
            "stat": stat,
            "metrics": metrics,
        },
    }


def _note(title: str, text: str) -> dict[str, Any]:
    return {"type": "text", "properties": {"markdown": f"### {title}\n{text}"}}


def dashboard_body(sources: DashboardSources) -> dict[str, Any]:
    """The dashboard's JSON document for `sources` whose values are plain strings."""
    region = sources.region
    lb = {"LoadBalancer": str(sources.load_balancer)}
    alb = "AWS/ApplicationELB"
    widgets: list[dict[str, Any]] = [
        _graph("Load balancer: requests", region,
               [_metric(alb, "RequestCount", lb, label="requests")], "Sum"),
        _graph("Load balancer: 5xx responses", region, [
            _metric(alb, "HTTPCode_ELB_5XX_Count", lb, label="load balancer 5xx"),
            _metric(alb, "HTTPCode_Target_5XX_Count", lb, label="target 5xx"),
        ], "Sum"),
        _graph("Load balancer: p95 target response time (s)", region,
               [_metric(alb, "TargetResponseTime", lb, label="p95")], "p95"),
    ]  # fmt: skip
    services = {
        label: {"ClusterName": str(sources.cluster), "ServiceName": str(name)}
        for label, name in sources.services.items()
    }
    for title, metric in (("CPU %", "CPUUtilization"), ("memory %", "MemoryUtilization")):
        widgets.append(
            _graph(
                f"ECS: {title} per service",
                region,
                [_metric("AWS/ECS", metric, dims, label=label) for label, dims in services.items()],
                "Average",
            )
        )
    if sources.container_insights:
        widgets.append(
            _graph(
                "ECS: running tasks per service",
                region,
                [
                    _metric("ECS/ContainerInsights", "RunningTaskCount", dims, label=label)
                    for label, dims in services.items()
                ],
                "Minimum",
            )
        )
    else:
        widgets.append(
            _note(
                "ECS: running tasks per service",
                "Container Insights is off in this stack (`compute.containerInsights`): ECS "
                "publishes no running-task count without it. `aws ecs describe-services` "
                "shows `runningCount`.",
            )
        )
    sqs = "AWS/SQS"
    widgets += [
        _graph("Queues: visible messages", region, [
            _metric(sqs, "ApproximateNumberOfMessagesVisible", {"QueueName": str(q)}, label=label)
            for label, q in sources.queues.items()
        ], "Maximum"),
        _graph("Queues: age of the oldest message (s)", region, [
            _metric(sqs, "ApproximateAgeOfOldestMessage", {"QueueName": str(q)}, label=label)
            for label, q in sources.queues.items()
        ], "Maximum"),
        _graph("Dead-letter queues: messages", region, [
            _metric(sqs, "ApproximateNumberOfMessagesVisible", {"QueueName": str(q)}, label=label)
            for label, q in sources.dead_letter_queues.items()
        ], "Maximum"),
    ]  # fmt: skip
    db = {"DBClusterIdentifier": str(sources.database)}
    widgets += [
        _graph("Aurora: capacity (ACU)", region,
               [_metric("AWS/RDS", "ServerlessDatabaseCapacity", db, label="ACU")], "Average"),
        _graph("Aurora: connections", region,
               [_metric("AWS/RDS", "DatabaseConnections", db, label="connections")], "Maximum"),
    ]  # fmt: skip
    if sources.database_instances > 1:
        widgets.append(
            _graph(
                "Aurora: replica lag (ms)",
                region,
                [_metric("AWS/RDS", "AuroraReplicaLagMaximum", db, label="max lag")],
                "Maximum",
            )
        )
    else:
        widgets.append(
            _note("Aurora: replica lag", "This stack's cluster has no reader: nothing lags.")
        )
    cache = "AWS/ElastiCache"
    for title, metric, stat in (
        ("Cache: engine CPU %", "EngineCPUUtilization", "Average"),
        ("Cache: memory used %", "DatabaseMemoryUsagePercentage", "Maximum"),
        ("Cache: evictions", "Evictions", "Sum"),
    ):
        widgets.append(
            _graph(
                title,
                region,
                [
                    _metric(cache, metric, {"CacheClusterId": str(node)}, label=str(node))
                    for node in sources.cache_nodes
                ],
                stat,
            )
        )
    widgets.append(
        _graph(
            "Lambda: errors and throttles",
            region,
            [
                _metric("AWS/Lambda", metric, {"FunctionName": str(fn)}, label=f"{label} {word}")
                for label, fn in sources.functions.items()
                for metric, word in (("Errors", "errors"), ("Throttles", "throttles"))
            ],
            "Sum",
        )
    )
    for index, widget in enumerate(widgets):
        widget.update(x=(index % 2) * WIDTH, y=(index // 2) * HEIGHT, width=WIDTH, height=HEIGHT)
    return {"widgets": widgets}


@dataclass(frozen=True, kw_only=True)
class StackDashboardArgs:
    """`sources`: the names every widget points at (see `DashboardSources`)."""

    sources: DashboardSources


class StackDashboard(pulumi.ComponentResource):
    dashboard_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: StackDashboardArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:operations:StackDashboard", name, None, opts)
        src = args.sources
        resolved = pulumi.Output.all(
            load_balancer=src.load_balancer,
            cluster=src.cluster,
            services=pulumi.Output.all(**{str(k): v for k, v in src.services.items()}),
            queues=pulumi.Output.all(**{str(k): v for k, v in src.queues.items()}),
            dead_letter_queues=pulumi.Output.all(
                **{str(k): v for k, v in src.dead_letter_queues.items()}
            ),
            database=src.database,
            cache_nodes=pulumi.Output.all(*src.cache_nodes),
            functions=pulumi.Output.all(**dict(src.functions)),
        )
        body = resolved.apply(
            lambda v: json.dumps(
                dashboard_body(
                    DashboardSources(
                        region=src.region,
                        container_insights=src.container_insights,
                        database_instances=src.database_instances,
                        load_balancer=v["load_balancer"],
                        cluster=v["cluster"],
                        services=v["services"],
                        queues=v["queues"],
                        dead_letter_queues=v["dead_letter_queues"],
                        database=v["database"],
                        cache_nodes=list(v["cache_nodes"]),
                        functions=v["functions"],
                    )
                ),
                sort_keys=True,
            )
        )
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=naming.physical_name(name, max_length=255),
            dashboard_body=body,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.dashboard_name = dashboard.dashboard_name
        self.register_outputs({"dashboardName": self.dashboard_name})
