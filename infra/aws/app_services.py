"""`AppServices`: the four ECS services of the blueprint, wired to exactly what they use.

`infra.blueprint.SERVICES` says which image each service runs, which port and
paths it serves behind the load balancer, and which queues it consumes and
produces. Database and cache access come from config (`database.clients`,
`cache.clients`): a client gets the endpoint in its environment, the credentials
as `valueFrom` secrets, and a security-group path to the store; nobody else does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.aws import release
from infra.aws.alarms import AlarmTopics
from infra.aws.cache import CacheAccess
from infra.aws.database import DatabaseAccess
from infra.aws.error_tracking import ErrorTrackingAccess
from infra.aws.fargate_service import (
    FargateService,
    FargateServiceArgs,
    LoadBalancing,
    QueueScaling,
)
from infra.blueprint import SERVICES, QueueRole, Service
from infra.config import ComputeConfig, LogsConfig


@dataclass(frozen=True, kw_only=True)
class AppServicesArgs:
    """What `AppServices` is built from: the `compute` section plus everything it wires.

    - `settings`: the `compute` section (sizes, image tag source, deployment and
      capacity); `logs`: the services' log retention (days).
    - `cluster_arn`, `cluster_name`; `repository_urls`, `repository_arns`: image
      name -> ECR repository URL / ARN; `subnet_ids`: the private subnets.
    - `security_group_ids`: service -> its workload group; `target_group_arns`:
      service -> target group ARN, for each service the blueprint routes.
    - `queue_arns`, `queue_urls`, `queue_names`: queue role -> ARN / URL / name.
    - `database`, `cache`: the stores' access (endpoint, port, secret, clients).
    - `public_url`: the load balancer's URL; `alarm_topics`; `region`: the AWS
      region code, for the IAM database-authentication ARNs; `kms_key_arn`.
    - `protect`: Pulumi `protect` on the services' log groups (from config).
    - `error_tracking`: the error tracker's DSN secret every service gets as
      `SENTRY_DSN` (`valueFrom`), or None where `errorTracking` is off.

    Raises ValueError when a service the blueprint routes has no target group.
    """

    settings: ComputeConfig
    logs: LogsConfig
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    repository_urls: Mapping[str, pulumi.Input[str]]
    repository_arns: Mapping[str, pulumi.Input[str]]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Mapping[Service, pulumi.Input[str]]
    target_group_arns: Mapping[Service, pulumi.Input[str]]
    queue_arns: Mapping[QueueRole, pulumi.Input[str]]
    queue_urls: Mapping[QueueRole, pulumi.Input[str]]
    queue_names: Mapping[QueueRole, pulumi.Input[str]]
    database: DatabaseAccess
    cache: CacheAccess
    public_url: pulumi.Input[str]
    alarm_topics: AlarmTopics
    region: str
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False
    error_tracking: ErrorTrackingAccess | None = None

    def __post_init__(self) -> None:
        unrouted = [
            s.value
            for s, shape in SERVICES.items()
            if shape.route is not None and s not in self.target_group_arns
        ]
        if unrouted:
            raise ValueError(
                f"AppServicesArgs: {', '.join(unrouted)} serves HTTP but has no target group"
            )


class AppServices(pulumi.ComponentResource):
    service_names: dict[Service, pulumi.Output[str]]
    service_arns: dict[Service, pulumi.Output[str]]
    task_role_arns: dict[Service, pulumi.Output[str]]

    def __init__(
        self, name: str, args: AppServicesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:compute:AppServices", name, None, opts)
        self.service_names, self.service_arns, self.task_role_arns = {}, {}, {}
        invoke = pulumi.InvokeOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        image_tag = release.image_tag(args.settings, invoke)
        for service, shape in SERVICES.items():
            environment: dict[str, pulumi.Input[str]] = {
                "AEVON_SERVICE": service.value,
                "PUBLIC_URL": args.public_url,
            }
            secrets: dict[str, pulumi.Input[str]] = {}
            rds_user_arn: pulumi.Input[str] | None = None
            if service in args.database.clients:
                environment |= args.database.client_environment()
                secrets |= args.database.client_secrets()
                # IAM database authentication as the service's own database user.
                rds_user_arn = args.database.iam_user_arn(args.region, account, service)
            if args.error_tracking is not None:
                environment |= args.error_tracking.environment()
                secrets |= args.error_tracking.secrets()
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
            repo = shape.image
            fargate = FargateService(
                f"{name}-{service.value}",
                FargateServiceArgs(
                    settings=args.settings,
                    service=service,
                    logs=args.logs,
                    cluster_arn=args.cluster_arn,
                    cluster_name=args.cluster_name,
                    image=pulumi.Output.concat(args.repository_urls[repo], ":", image_tag),
                    repository_arn=args.repository_arns[repo],
                    subnet_ids=args.subnet_ids,
                    security_group_id=args.security_group_ids[service],
                    alarm_topics=args.alarm_topics,
                    environment=environment,
                    secrets=secrets,
                    consumes={r.value: args.queue_arns[r] for r in shape.consumes},
                    produces={r.value: args.queue_arns[r] for r in shape.produces},
                    kms_key_arn=args.kms_key_arn,
                    protect=args.protect,
                    rds_iam_user_arn=rds_user_arn,
                    load_balancing=(
                        LoadBalancing(
                            target_group_arn=args.target_group_arns[service],
                            container_port=shape.route.port,
                        )
                        if shape.route is not None
                        else None
                    ),
                    queue_scaling=(
                        QueueScaling(queue_names=[args.queue_names[r] for r in shape.consumes])
                        if shape.consumes
                        else None
                    ),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.service_names[service] = fargate.service_name
            self.service_arns[service] = fargate.service_arn
            self.task_role_arns[service] = fargate.task_role_arn
        self.register_outputs({"serviceNames": {s.value: n for s, n in self.service_names.items()}})
