"""Compute components built alone: FargateService, the load balancer, the cluster, ingestion."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pytest

from infra.aws.alarms import AlarmTopics
from infra.aws.ecs_cluster import EcsCluster, EcsClusterArgs, capacity_provider_strategy
from infra.aws.fargate_service import (
    QUEUE_CONSUMER_ACTIONS,
    QUEUE_PRODUCER_ACTIONS,
    FargateService,
    FargateServiceArgs,
    LoadBalancing,
    QueueScaling,
)
from infra.aws.ingestion import IngestionApi, IngestionApiArgs
from infra.aws.load_balancer import PublicLoadBalancer, PublicLoadBalancerArgs
from infra.blueprint import ROUTES, Service
from infra.config import ComputeConfig, IngestionConfig, LogsConfig, ServiceConfig, TlsConfig
from offline.engine import RecordingMonitor, Registration, build

TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms"
PAGING = "arn:aws:sns:us-east-1:123456789012:alarms-paging"
TOPICS = AlarmTopics(paging=PAGING, notify=TOPIC)
KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
Q = "arn:aws:sqs:us-east-1:123456789012:"
DB_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc-AbCdEf"
VPC_ID = "vpc-0a1b2c3d"
PUBLIC_SUBNETS = ["subnet-pub-a", "subnet-pub-b"]


SIZE: dict[str, Any] = {"cpu": 256, "memory": 512, "desired": 2, "min": 2, "max": 6}


def _compute(**changes: Any) -> ComputeConfig:
    """A `compute` section: every service sized as SIZE, on-demand base 2 then 1:1 Spot."""
    values: dict[str, Any] = {
        "container_insights": True,
        "spot_weight": 1,
        "on_demand_weight": 1,
        "on_demand_base": 2,
        "wait_for_steady_state": True,
        "image_tag_source": "ssm",
        "allow_plain_http": True,
        "services": {s.value: SIZE for s in Service},
    }
    values.update(changes)
    return ComputeConfig.model_validate(values)


def _service_args(settings: Mapping[str, Any] | None = None, **wiring: Any) -> FargateServiceArgs:
    """The core worker's args: `_compute(**settings)` plus plain wiring."""
    values: dict[str, Any] = {
        "settings": _compute(**(settings or {})),
        "service": Service.CORE_WORKER,
        "logs": LogsConfig(retention_days=30),
        "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/c",
        "cluster_name": "c",
        "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/aevon-test/worker:abc1234",
        "repository_arn": "arn:aws:ecr:us-east-1:123456789012:repository/aevon-test/worker",
        "subnet_ids": ["subnet-a", "subnet-b"],
        "security_group_id": "sg-worker",
        "alarm_topics": TOPICS,
        "environment": {"DB_HOST": "db.internal", "AEVON_SERVICE": "worker"},
        "secrets": {
            "DB_PASSWORD": f"{DB_SECRET}:password::",
            "REDIS_AUTH": "arn:aws:secretsmanager:us-east-1:123456789012:secret:redis-XyZ",
        },
        "consumes": {"normalised": f"{Q}normalised", "outbound": f"{Q}outbound.fifo"},
        "produces": {"outbound": f"{Q}outbound.fifo", "fetch-request": f"{Q}fetch-request"},
        "kms_key_arn": KEY,
        "queue_scaling": QueueScaling(queue_names=["normalised", "outbound.fifo"]),
    }
    values.update(wiring)
    return FargateServiceArgs(**values)


def _build_service(**wiring: Any) -> RecordingMonitor:
    return build(lambda: FargateService("svc", _service_args(**wiring)).service_name)


@pytest.fixture(scope="module")
def worker() -> RecordingMonitor:
    return _build_service()


def _container(rec: RecordingMonitor) -> dict[str, Any]:
    (task,) = rec.of_type("aws:ecs/taskDefinition:TaskDefinition")
    (container,) = json.loads(task.input("containerDefinitions"))
    return container


def _statements(policy: Registration) -> list[dict[str, Any]]:
    return json.loads(policy.input("policy"))["Statement"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_container_is_read_only_non_root_unprivileged_with_a_tmp_volume(
    worker: RecordingMonitor,
) -> None:
    container = _container(worker)
    assert container["readonlyRootFilesystem"] is True
    assert container["privileged"] is False
    assert container["user"] == "10001:10001"
    assert container["linuxParameters"]["capabilities"]["drop"] == ["ALL"]
    assert container["mountPoints"] == [
        {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}
    ]
    (task,) = worker.of_type("aws:ecs/taskDefinition:TaskDefinition")
    assert task.input("volumes") == [{"name": "tmp"}]
    assert (task.input("cpu"), task.input("memory")) == ("256", "512")
    assert task.input("executionRoleArn") != task.input("taskRoleArn")


def test_secrets_only_as_value_from_and_none_in_environment(worker: RecordingMonitor) -> None:
    container = _container(worker)
    assert {s["name"]: s["valueFrom"] for s in container["secrets"]} == {
        "DB_PASSWORD": f"{DB_SECRET}:password::",
        "REDIS_AUTH": "arn:aws:secretsmanager:us-east-1:123456789012:secret:redis-XyZ",
    }
    names = {e["name"] for e in container["environment"]}
    assert names == {"DB_HOST", "AEVON_SERVICE"}
    for name in names:
        assert not any(w in name for w in ("PASSWORD", "SECRET", "TOKEN", "KEY", "AUTH")), name


def test_logs_go_through_awslogs_into_a_group_with_retention(worker: RecordingMonitor) -> None:
    (group,) = worker.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert group.input("retentionInDays") == 30
    assert group.input("kmsKeyId") == KEY
    log = _container(worker)["logConfiguration"]
    assert log["logDriver"] == "awslogs"
    assert log["options"]["awslogs-group"] == group.input("name")


def test_execution_role_reads_exactly_its_secrets_and_pulls_only_its_repository(
    worker: RecordingMonitor,
) -> None:
    policy = worker.named("svc-execution-policy")
    by_action = {tuple(_as_list(s["Action"])): s for s in _statements(policy)}
    assert by_action[("secretsmanager:GetSecretValue",)]["Resource"] == [
        DB_SECRET,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:redis-XyZ",
    ]
    assert by_action[("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")]["Resource"] == [
        "arn:aws:ecr:us-east-1:123456789012:repository/aevon-test/worker"
    ]


def test_task_role_gets_exactly_the_queues_it_consumes_and_produces(
    worker: RecordingMonitor,
) -> None:
    statements = {s["Sid"]: s for s in _statements(worker.named("svc-task-policy"))}
    assert statements["ConsumeQueues"]["Action"] == QUEUE_CONSUMER_ACTIONS
    assert statements["ConsumeQueues"]["Resource"] == [f"{Q}normalised", f"{Q}outbound.fifo"]
    assert statements["ProduceToQueues"]["Action"] == QUEUE_PRODUCER_ACTIONS
    assert statements["ProduceToQueues"]["Resource"] == [f"{Q}fetch-request", f"{Q}outbound.fifo"]
    assert statements["UseQueueKey"]["Resource"] == [KEY]
    assert set(statements) == {"ConsumeQueues", "ProduceToQueues", "UseQueueKey"}


def test_no_policy_allows_a_wildcard_action(worker: RecordingMonitor) -> None:
    for policy in worker.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in _statements(policy):
            for action in _as_list(statement["Action"]):
                assert "*" not in action, f"{policy.urn}: {action}"
            if statement["Resource"] == "*":
                assert statement["Action"] == ["ecr:GetAuthorizationToken"], statement


def test_service_is_private_with_circuit_breaker_and_rolling_updates(
    worker: RecordingMonitor,
) -> None:
    (service,) = worker.of_type("aws:ecs/service:Service")
    assert service.input("deploymentCircuitBreaker") == {"enable": True, "rollback": True}
    assert service.input("deploymentMinimumHealthyPercent") == 100
    assert service.input("deploymentMaximumPercent") == 200
    assert service.input("waitForSteadyState") is True
    network = service.input("networkConfiguration")
    assert network["assignPublicIp"] is False
    assert network["subnets"] == ["subnet-a", "subnet-b"]
    assert network["securityGroups"] == ["sg-worker"]
    assert "desiredCount" in service.ignore_changes, "autoscaling owns the running count"
    assert service.input("capacityProviderStrategies") == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 2},
        {"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0},
    ]


def test_workers_scale_on_queue_backlog(worker: RecordingMonitor) -> None:
    (target,) = worker.of_type("aws:appautoscaling/target:Target")
    assert (target.input("minCapacity"), target.input("maxCapacity")) == (2, 6)
    policies = worker.of_type("aws:appautoscaling/policy:Policy")
    assert sorted(p.input("policyType") for p in policies) == ["StepScaling", "StepScaling"]
    backlog = worker.named("svc-backlog-out")
    queries = {q["id"]: q for q in backlog.input("metricQueries")}
    assert queries["backlog"]["expression"] == "q0 + q1"
    assert {queries[f"q{i}"]["metric"]["dimensions"]["QueueName"] for i in (0, 1)} == {
        "normalised",
        "outbound.fifo",
    }


def test_web_services_track_cpu_and_memory() -> None:
    rec = _build_service(
        queue_scaling=None,
        consumes={},
        produces={},
        load_balancing=LoadBalancing(target_group_arn="arn:tg", container_port=8080),
    )
    policies = rec.of_type("aws:appautoscaling/policy:Policy")
    metrics = sorted(
        p.input("targetTrackingScalingPolicyConfiguration")["predefinedMetricSpecification"][
            "predefinedMetricType"
        ]
        for p in policies
    )
    assert metrics == ["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"]
    (service,) = rec.of_type("aws:ecs/service:Service")
    assert service.input("healthCheckGracePeriodSeconds") == 60
    assert service.input("loadBalancers")[0]["containerPort"] == 8080
    assert rec.of_type("aws:iam/rolePolicy:RolePolicy") == [rec.named("svc-execution-policy")]


def test_alarms_on_cpu_and_running_tasks_below_minimum(worker: RecordingMonitor) -> None:
    below = worker.named("svc-tasks-below-min")
    assert below.input("metricName") == "RunningTaskCount"
    assert below.input("threshold") == 2
    assert below.input("comparisonOperator") == "LessThanThreshold"
    assert worker.named("svc-cpu-high").input("alarmActions") == [TOPIC]


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ({"cpu": 256, "memory": 4096}, "does not offer cpu 256 with memory 4096"),
        ({"min": 3, "desired": 2}, "need min <= desired <= max"),
    ],
)
def test_bad_service_sizes_are_refused_by_the_settings(size: dict[str, Any], message: str) -> None:
    """A service's size is its `compute.services` entry: the model refuses what Fargate would."""
    with pytest.raises(ValueError, match=message):
        ServiceConfig.model_validate({**SIZE, **size})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"environment": {"DB_PASSWORD": "x"}}, r"must not carry secrets \(DB_PASSWORD\)"),
        ({"environment": {"STRIPE_API_KEY": "x"}}, "must not carry secrets"),
        (
            {"load_balancing": LoadBalancing(target_group_arn="tg", container_port=1)},
            "only one of load_balancing",
        ),
    ],
)
def test_bad_service_args_fail_before_registration(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _service_args(**changes)


# ------------------------------------------------------------------ load balancer
def _alb(tls: TlsConfig | None) -> RecordingMonitor:
    def program() -> object:
        alb = PublicLoadBalancer(
            "public",
            PublicLoadBalancerArgs(
                vpc_id=VPC_ID,
                subnet_ids=PUBLIC_SUBNETS,
                routes=ROUTES,
                target_security_group_ids={Service.API: "sg-api", Service.WEB: "sg-web"},
                tls=tls,
                access_logs_bucket="aevon-test-public-logs-123456789012",
                alarm_topics=TOPICS,
            ),
        )
        return alb.url

    return build(program)


def _world_ingress(rec: RecordingMonitor) -> list[Registration]:
    return [
        r
        for r in rec.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.input("cidrIpv4") == "0.0.0.0/0" or r.input("cidrIpv6") == "::/0"
    ]


def test_https_listener_and_http_redirect_with_a_certificate() -> None:
    rec = _alb(TlsConfig(certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/abc"))
    listeners = {r.input("port"): r for r in rec.of_type("aws:lb/listener:Listener")}
    assert listeners[443].input("protocol") == "HTTPS"
    assert listeners[443].input("sslPolicy").startswith("ELBSecurityPolicy-TLS13")
    redirect = listeners[80].input("defaultActions")[0]
    assert redirect["type"] == "redirect"
    assert redirect["redirect"]["protocol"] == "HTTPS"
    assert sorted({r.input("fromPort") for r in _world_ingress(rec)}) == [80, 443]


def test_plain_http_forwards_and_opens_only_80() -> None:
    rec = _alb(None)
    (listener,) = rec.of_type("aws:lb/listener:Listener")
    assert (listener.input("port"), listener.input("protocol")) == (80, "HTTP")
    assert listener.input("defaultActions")[0]["type"] == "forward"
    assert {r.input("fromPort") for r in _world_ingress(rec)} == {80}


def test_issued_certificate_is_dns_validated_in_the_zone() -> None:
    rec = _alb(TlsConfig(zone_name="aevon.dev", host_name="app.aevon.dev"))
    (certificate,) = rec.of_type("aws:acm/certificate:Certificate")
    assert certificate.input("domainName") == "app.aevon.dev"
    assert certificate.input("validationMethod") == "DNS"
    (validation,) = rec.of_type("aws:acm/certificateValidation:CertificateValidation")
    https = next(r for r in rec.of_type("aws:lb/listener:Listener") if r.input("port") == 443)
    assert https.input("certificateArn") == validation.outputs["certificateArn"]
    alias = rec.named("public-alias")
    assert alias.input("name") == "app.aevon.dev"


def test_targets_admit_only_the_load_balancer_on_their_port() -> None:
    rec = _alb(None)
    (alb_sg,) = [
        s for s in rec.of_type("aws:ec2/securityGroup:SecurityGroup") if s.name == "public-sg"
    ]
    to_targets = [
        r
        for r in rec.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.input("securityGroupId") in ("sg-api", "sg-web")
    ]
    assert {(r.input("securityGroupId"), r.input("fromPort")) for r in to_targets} == {
        ("sg-api", 8080),
        ("sg-web", 3000),
    }
    for rule in to_targets:
        assert rule.input("referencedSecurityGroupId") == alb_sg.id
    for group in rec.of_type("aws:lb/targetGroup:TargetGroup"):
        assert group.input("healthCheck")["path"] == "/health"
        assert group.input("targetType") == "ip"
    (rule,) = rec.of_type("aws:lb/listenerRule:ListenerRule")
    assert rule.input("conditions")[0]["pathPattern"]["values"] == ["/api/*"]


def test_alb_alarms_on_5xx_and_response_time() -> None:
    rec = _alb(None)
    assert rec.named("public-5xx").input("alarmActions") == [PAGING], "a 5xx rate pages"
    assert rec.named("public-response-time").input("alarmActions") == [TOPIC]
    assert rec.named("public-response-time").input("extendedStatistic") == "p95"
    (alb,) = rec.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert alb.input("dropInvalidHeaderFields") is True
    assert alb.input("internal") is False
    assert alb.input("subnets") == PUBLIC_SUBNETS
    for group in rec.of_type("aws:lb/targetGroup:TargetGroup"):
        assert group.input("vpcId") == VPC_ID


# ------------------------------------------------------------------ cluster
@pytest.mark.parametrize(
    ("spot", "on_demand", "base", "strategy"),
    [
        (1, 0, 0, [("FARGATE_SPOT", 1, 0)]),
        (1, 1, 2, [("FARGATE", 1, 2), ("FARGATE_SPOT", 1, 0)]),
        (0, 1, 2, [("FARGATE", 1, 2)]),
    ],
)
def test_cluster_capacity_strategy(
    spot: int, on_demand: int, base: int, strategy: list[tuple[str, int, int]]
) -> None:
    settings = _compute(spot_weight=spot, on_demand_weight=on_demand, on_demand_base=base)
    assert capacity_provider_strategy(settings) == strategy
    args = EcsClusterArgs(settings=settings)
    rec = build(lambda: EcsCluster("ecs", args).cluster_arn)
    (providers,) = rec.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert providers.input("capacityProviders") == ["FARGATE", "FARGATE_SPOT"]
    (cluster,) = rec.of_type("aws:ecs/cluster:Cluster")
    assert cluster.input("settings") == [{"name": "containerInsights", "value": "enabled"}]


# ------------------------------------------------------------------ ingestion
def _ingestion(authorization: str = "iam") -> RecordingMonitor:
    def program() -> object:
        api = IngestionApi(
            "ingest",
            IngestionApiArgs(
                settings=IngestionConfig.model_validate(
                    {
                        "authorization": authorization,
                        "jwt": {"issuer": "https://auth.aevon.dev/", "audience": ["ingest"]}
                        if authorization == "jwt"
                        else None,
                        "throttle_burst": 100,
                        "throttle_rate": 50,
                        "reserved_concurrency": 7,
                        "fetch_batch_size": 5,
                    }
                ),
                logs=LogsConfig(retention_days=14),
                inbound_queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/inbound",
                inbound_queue_arn=f"{Q}inbound",
                fetch_queue_arn=f"{Q}fetch",
                alarm_topics=TOPICS,
            ),
        )
        return pulumi.Output.all(api.endpoint, api.function_name)

    return build(program)


def test_lambda_is_traced_with_a_dlq_reserved_concurrency_and_a_supported_runtime() -> None:
    rec = _ingestion()
    (fn,) = rec.of_type("aws:lambda/function:Function")
    assert fn.input("tracingConfig") == {"mode": "Active"}
    assert fn.input("deadLetterConfig")["targetArn"] == rec.named("ingest-fn-dlq").outputs["arn"]
    assert fn.input("reservedConcurrentExecutions") == 7
    assert fn.input("runtime") == "python3.13"
    assert fn.input("handler") == "handler.handler"
    assert set(fn.input("environment")["variables"]) == {"INBOUND_QUEUE_URL"}


def test_fetch_request_loop_uses_partial_batch_responses() -> None:
    rec = _ingestion()
    (mapping,) = rec.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
    assert mapping.input("eventSourceArn") == f"{Q}fetch"
    assert mapping.input("functionResponseTypes") == ["ReportBatchItemFailures"]
    assert mapping.input("batchSize") == 5


def test_lambda_permissions_are_exactly_its_sources_and_targets() -> None:
    rec = _ingestion()
    statements = {s["Sid"]: s for s in _statements(rec.named("ingest-fn-policy"))}
    assert statements["EnqueueInbound"]["Action"] == ["sqs:SendMessage"]
    assert statements["EnqueueInbound"]["Resource"] == [
        f"{Q}inbound",
        rec.named("ingest-fn-dlq").outputs["arn"],
    ]
    assert statements["ConsumeFetchRequests"]["Resource"] == [f"{Q}fetch"]
    assert statements["Tracing"]["Resource"] == "*"
    assert statements["Tracing"]["Action"] == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]


@pytest.mark.parametrize(("authorization", "route_auth"), [("iam", "AWS_IAM"), ("jwt", "JWT")])
def test_route_requires_authorization_with_logs_and_throttling(
    authorization: str, route_auth: str
) -> None:
    rec = _ingestion(authorization)
    (route,) = rec.of_type("aws:apigatewayv2/route:Route")
    assert route.input("routeKey") == "POST /ingest"
    assert route.input("authorizationType") == route_auth
    assert len(rec.of_type("aws:apigatewayv2/authorizer:Authorizer")) == (authorization == "jwt")
    (stage,) = rec.of_type("aws:apigatewayv2/stage:Stage")
    assert stage.input("defaultRouteSettings")["throttlingBurstLimit"] == 100
    assert stage.input("defaultRouteSettings")["throttlingRateLimit"] == 50
    assert (
        stage.input("accessLogSettings")["destinationArn"]
        == rec.named("ingest-access-logs").outputs["arn"]
    )


def test_services_wait_for_the_capacity_providers() -> None:
    """A service naming FARGATE_SPOT fails if it is created before the association."""

    def program() -> object:
        spot_only = {"container_insights": False, "on_demand_weight": 0, "on_demand_base": 0}
        cluster = EcsCluster("ecs", EcsClusterArgs(settings=_compute(**spot_only)))
        args = _service_args(
            spot_only, cluster_arn=cluster.cluster_arn, cluster_name=cluster.cluster_name
        )
        return FargateService("svc", args).service_name

    rec = build(program)
    (providers,) = rec.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    (service,) = rec.of_type("aws:ecs/service:Service")
    assert providers.urn in service.property_dependencies["cluster"]


def test_target_groups_are_handed_out_once_a_listener_routes_to_them() -> None:
    """ECS rejects a target group with no listener; services must wait for the routes."""

    def program() -> object:
        alb = PublicLoadBalancer(
            "public",
            PublicLoadBalancerArgs(
                vpc_id=VPC_ID,
                subnet_ids=PUBLIC_SUBNETS,
                routes=ROUTES,
                target_security_group_ids={Service.API: "sg-api", Service.WEB: "sg-web"},
                tls=None,
                access_logs_bucket="aevon-test-public-logs-123456789012",
                alarm_topics=TOPICS,
            ),
        )
        for service, route in ROUTES.items():
            FargateService(
                service,
                _service_args(
                    queue_scaling=None,
                    consumes={},
                    produces={},
                    load_balancing=LoadBalancing(
                        target_group_arn=alb.target_group_arns[service], container_port=route.port
                    ),
                ),
            )
        return alb.url

    rec = build(program)
    rule = rec.named("public-api-rule")
    (listener,) = rec.of_type("aws:lb/listener:Listener")
    services = {s.name: s for s in rec.of_type("aws:ecs/service:Service")}
    assert rule.urn in services["api-service"].property_dependencies["loadBalancers"]
    assert listener.urn in services["web-service"].property_dependencies["loadBalancers"]


def test_lambda_waits_for_its_role_policy() -> None:
    rec = _ingestion()
    (fn,) = rec.of_type("aws:lambda/function:Function")
    assert rec.named("ingest-fn-policy").urn in fn.depends_on


def test_service_waits_for_its_role_policies(worker: RecordingMonitor) -> None:
    (service,) = worker.of_type("aws:ecs/service:Service")
    for policy in ("svc-execution-policy", "svc-task-policy"):
        assert worker.named(policy).urn in service.depends_on, policy
