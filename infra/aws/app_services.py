"""`AppServices`: the four ECS services of the blueprint, wired to exactly what they use.

`TOPOLOGY` is the blueprint's arrows in code: which queues each service consumes
and produces, and which port and paths it serves. Database and cache access come
from config (`database.clients`, `cache.clients`): a client gets the endpoint in
its environment, the credentials as `valueFrom` secrets, and a security-group
path to the store; nobody else does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra.aws.fargate_service import (
    FargateService,
    FargateServiceArgs,
    LoadBalancing,
    QueueScaling,
)
from infra.aws.messaging import QueueRole
from infra.config import SERVICE_IMAGE, Service, ServiceConfig


@dataclass(frozen=True)
class Shape:
    consumes: tuple[QueueRole, ...] = ()
    produces: tuple[QueueRole, ...] = ()
    port: int | None = None  # served behind the load balancer when set


Q = QueueRole
TOPOLOGY: dict[Service, Shape] = {
    Service.API: Shape(port=8080),
    Service.WEB: Shape(port=3000),
    # Replica logic + Norm logic
    Service.CORE_WORKER: Shape(
        consumes=(Q.INBOUND_GATEWAY, Q.SOURCE_REPLICA),
        produces=(Q.SOURCE_REPLICA, Q.NORMALISED, Q.FETCH_REQUEST),
    ),
    # Outbound prep + Executor
    Service.DELIVERY_WORKER: Shape(
        consumes=(Q.NORMALISED, Q.OUTBOUND),
        produces=(Q.OUTBOUND, Q.FETCH_REQUEST),
    ),
}


@dataclass(frozen=True, kw_only=True)
class Database:
    endpoint: pulumi.Input[str]
    port: int
    name: str
    secret_arn: pulumi.Input[str]
    cluster_resource_id: pulumi.Input[str]
    clients: Sequence[Service]


@dataclass(frozen=True, kw_only=True)
class Cache:
    endpoint: pulumi.Input[str]
    port: int
    auth_secret_arn: pulumi.Input[str]
    clients: Sequence[Service]


@dataclass(frozen=True, kw_only=True)
class AppServicesArgs:
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    capacity_provider_strategy: Sequence[tuple[str, int, int]]
    services: Mapping[Service, ServiceConfig]
    image_tag: pulumi.Input[str]
    repository_urls: Mapping[str, pulumi.Input[str]]
    repository_arns: Mapping[str, pulumi.Input[str]]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Mapping[Service, pulumi.Input[str]]
    target_group_arns: Mapping[str, pulumi.Input[str]]
    queue_arns: Mapping[QueueRole, pulumi.Input[str]]
    queue_urls: Mapping[QueueRole, pulumi.Input[str]]
    queue_names: Mapping[QueueRole, pulumi.Input[str]]
    database: Database
    cache: Cache
    public_url: pulumi.Input[str]
    log_retention_days: int
    alarm_topic_arn: pulumi.Input[str]
    wait_for_steady_state: bool
    running_task_alarms: bool
    kms_key_arn: pulumi.Input[str] | None = None
    # protect (from config) on what holds data: log groups, queues, secrets, keys.
    protect: bool = False
    region: pulumi.Input[str] = field(default="us-east-1")

    def __post_init__(self) -> None:
        problems = []
        missing = [s.value for s in Service if s not in self.services]
        if missing:
            problems.append(f"no sizes for {', '.join(missing)}")
        for service in Service:
            repo = SERVICE_IMAGE[service]
            if repo not in self.repository_urls:
                problems.append(f"{service.value} runs image '{repo}', which has no repository")
            if TOPOLOGY[service].port is not None and service.value not in self.target_group_arns:
                problems.append(f"{service.value} serves HTTP but has no target group")
        if problems:
            raise ValueError("AppServicesArgs: " + "; ".join(problems))


class AppServices(pulumi.ComponentResource):
    service_names: dict[Service, pulumi.Output[str]]
    task_role_arns: dict[Service, pulumi.Output[str]]

    def __init__(
        self, name: str, args: AppServicesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:compute:AppServices", name, None, opts)
        self.service_names, self.task_role_arns = {}, {}
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id
        for service in Service:
            shape, size = TOPOLOGY[service], args.services[service]
            environment: dict[str, pulumi.Input[str]] = {
                "AEVON_SERVICE": service.value,
                "PUBLIC_URL": args.public_url,
            }
            secrets: dict[str, pulumi.Input[str]] = {}
            rds_user_arn: pulumi.Input[str] | None = None
            if service in args.database.clients:
                db = args.database
                environment |= {"DB_HOST": db.endpoint, "DB_PORT": str(db.port), "DB_NAME": db.name}
                secrets |= {
                    "DB_USERNAME": pulumi.Output.concat(db.secret_arn, ":username::"),
                    "DB_PASSWORD": pulumi.Output.concat(db.secret_arn, ":password::"),
                }
                # IAM database authentication as the service's own database user.
                rds_user_arn = pulumi.Output.format(
                    "arn:aws:rds-db:{0}:{1}:dbuser:{2}/{3}",
                    args.region,
                    account,
                    db.cluster_resource_id,
                    service.value.replace("-", "_"),
                )
            if service in args.cache.clients:
                environment |= {
                    "REDIS_HOST": args.cache.endpoint,
                    "REDIS_PORT": str(args.cache.port),
                    "REDIS_TLS": "true",
                }
                secrets["REDIS_AUTH"] = args.cache.auth_secret_arn
            for role in {*shape.consumes, *shape.produces}:
                environment[f"QUEUE_URL_{role.name}"] = args.queue_urls[role]

            # Tasks reach AWS APIs (SQS, Secrets Manager, ECR, CloudWatch) over HTTPS via NAT.
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{service.value}-https-egress",
                security_group_id=args.security_group_ids[service],
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_ipv4="0.0.0.0/0",
                description=f"{service.value} to AWS APIs and registries over HTTPS",
                opts=pulumi.ResourceOptions(parent=self),
            )
            repo = SERVICE_IMAGE[service]
            fargate = FargateService(
                f"{name}-{service.value}",
                FargateServiceArgs(
                    cluster_arn=args.cluster_arn,
                    cluster_name=args.cluster_name,
                    image=pulumi.Output.concat(args.repository_urls[repo], ":", args.image_tag),
                    repository_arn=args.repository_arns[repo],
                    cpu=size.cpu,
                    memory=size.memory,
                    desired_count=size.desired,
                    min_count=size.min,
                    max_count=size.max,
                    subnet_ids=args.subnet_ids,
                    security_group_id=args.security_group_ids[service],
                    capacity_provider_strategy=args.capacity_provider_strategy,
                    log_retention_days=args.log_retention_days,
                    alarm_topic_arn=args.alarm_topic_arn,
                    environment=environment,
                    secrets=secrets,
                    consumes={r.value: args.queue_arns[r] for r in shape.consumes},
                    produces={r.value: args.queue_arns[r] for r in shape.produces},
                    kms_key_arn=args.kms_key_arn,
                    protect=args.protect,
                    rds_iam_user_arn=rds_user_arn,
                    load_balancing=(
                        LoadBalancing(
                            target_group_arn=args.target_group_arns[service.value],
                            container_port=shape.port,
                        )
                        if shape.port is not None
                        else None
                    ),
                    queue_scaling=(
                        QueueScaling(queue_names=[args.queue_names[r] for r in shape.consumes])
                        if shape.consumes
                        else None
                    ),
                    wait_for_steady_state=args.wait_for_steady_state,
                    running_task_alarm=args.running_task_alarms,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.service_names[service] = fargate.service_name
            self.task_role_arns[service] = fargate.task_role_arn
        self.register_outputs({"serviceNames": {s.value: n for s, n in self.service_names.items()}})
