"""`FargateService`: one ECS Fargate service, hardened, least-privileged and autoscaled.

Every service of the platform (api, web, core-worker, delivery-worker) is one of these.

- Task: `infra.aws.task_definition.hardened_task` (read-only root filesystem with a
  writable `/tmp` volume, a non-root user, not privileged, all Linux capabilities
  dropped, logs through `awslogs` into a log group with a retention).
- Secrets reach the container only as `secrets` with `valueFrom` Secrets Manager
  ARNs; `environment` is checked for secret-looking names and rejected.
- Two roles: the execution role pulls this service's image, writes its log group
  and reads exactly its secrets; the task role may use exactly the queues the
  service consumes and produces (and, if given, connect to Aurora as one IAM user).
- Deployments: circuit breaker with rollback, 100%/200% rolling updates, and
  `wait_for_steady_state` from config so `pulumi up` fails when a rollout fails.
- Scaling: CPU and memory target tracking, or queue-backlog step scaling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.alarms import AlarmTopics, metric_alarm
from infra.aws.ecs_cluster import capacity_provider_strategy
from infra.aws.task_definition import (
    TaskSpec,
    hardened_task,
    rds_connect_statement,
    variable_problems,
)
from infra.blueprint import Service
from infra.config import ComputeConfig, LogsConfig, ServiceConfig, Severity

QUEUE_CONSUMER_ACTIONS = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
]
QUEUE_PRODUCER_ACTIONS = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]


@dataclass(frozen=True, kw_only=True)
class LoadBalancing:
    """Behind a target group: `target_group_arn` (handed out once a listener routes to
    it), `container_port` (TCP), and `health_check_grace_seconds` (seconds ECS ignores
    failing load-balancer health checks after a task starts)."""

    target_group_arn: pulumi.Input[str]
    container_port: int
    health_check_grace_seconds: int = 60


@dataclass(frozen=True, kw_only=True)
class QueueScaling:
    """Step scaling on the backlog of the queues the service consumes.

    `queue_names`: SQS queue names (the CloudWatch `QueueName` dimension, not URLs);
    `scale_out_backlog`: visible messages, summed over them, above which a task is
    added (one is removed after 15 minutes at 0).
    """

    queue_names: Sequence[pulumi.Input[str]]
    scale_out_backlog: int = 100


@dataclass(frozen=True, kw_only=True)
class FargateServiceArgs:
    """What one `FargateService` is built from.

    - `settings`, `service`: the `compute` section and which service this is. Its
      size is `settings.services[service]`: `cpu` in CPU units (1024 = 1 vCPU) and
      `memory` in MiB, a pair Fargate offers (`infra.aws.limits.FARGATE_MEMORY`),
      and `desired`/`min`/`max` task counts (0-100). `wait_for_steady_state` makes
      `pulumi up` wait for the rollout; `container_insights` adds the
      running-tasks alarm; the capacity weights give the service's strategy.
    - `logs`: the retention (days) of the service's log group.
    - `cluster_arn`, `cluster_name`; `image` (`<repository url>:<tag>`) and the
      `repository_arn` it is pulled from; `subnet_ids` (private) and
      `security_group_id`; `alarm_topics` (its CPU and running-task alarms notify).
    - `environment`: variable name -> plain value. `secrets`: variable name ->
      Secrets Manager ARN, optionally with a `:json-key:version-stage:version-id:`
      suffix, passed as `valueFrom`
      (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html).
    - `consumes`, `produces`: queue role -> queue ARN, the task role's queues.
    - `kms_key_arn`: the key of the log group, secrets and queues, or None.
    - `protect`: Pulumi `protect` on the service's log group (from config).
    - `rds_iam_user_arn`: `arn:aws:rds-db:<region>:<account>:dbuser:<cluster
      resource id>/<user>` for IAM database authentication, or None.
    - `load_balancing` (CPU and memory target tracking at `cpu_target_percent` /
      `memory_target_percent`, percent) or `queue_scaling` (backlog steps).

    Raises ValueError ("FargateServiceArgs: ...") for a secret-looking name in
    `environment`, a name in both `environment` and `secrets`, or both
    `load_balancing` and `queue_scaling`.
    """

    settings: ComputeConfig
    service: Service
    logs: LogsConfig
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    image: pulumi.Input[str]
    repository_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    alarm_topics: AlarmTopics
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    consumes: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # role -> queue ARN
    produces: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # role -> queue ARN
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False
    rds_iam_user_arn: pulumi.Input[str] | None = None
    load_balancing: LoadBalancing | None = None
    queue_scaling: QueueScaling | None = None
    cpu_target_percent: int = 60
    memory_target_percent: int = 70

    def __post_init__(self) -> None:
        problems = variable_problems(self.environment, self.secrets)
        if self.load_balancing is not None and self.queue_scaling is not None:
            problems.append("only one of load_balancing (CPU/memory scaling) or queue_scaling")
        if problems:
            raise ValueError("FargateServiceArgs: " + "; ".join(problems))

    @property
    def size(self) -> ServiceConfig:
        """This service's entry of `compute.services`: task size and task counts."""
        return self.settings.services[self.service]


class FargateService(pulumi.ComponentResource):
    service_name: pulumi.Output[str]
    service_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:compute:FargateService", name, None, opts)
        physical = naming.physical_name(name, max_length=64)

        task_statements: list[dict[str, Any]] = []
        if args.consumes:
            task_statements.append(
                {
                    "Sid": "ConsumeQueues",
                    "Effect": "Allow",
                    "Action": QUEUE_CONSUMER_ACTIONS,
                    "Resource": [arn for _, arn in sorted(args.consumes.items())],
                }
            )
        if args.produces:
            task_statements.append(
                {
                    "Sid": "ProduceToQueues",
                    "Effect": "Allow",
                    "Action": QUEUE_PRODUCER_ACTIONS,
                    "Resource": [arn for _, arn in sorted(args.produces.items())],
                }
            )
        if args.kms_key_arn is not None and (args.consumes or args.produces):
            task_statements.append(
                {
                    "Sid": "UseQueueKey",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": [args.kms_key_arn],
                }
            )
        if args.rds_iam_user_arn is not None:
            task_statements.append(rds_connect_statement(args.rds_iam_user_arn))
        task = hardened_task(
            name,
            TaskSpec(
                cpu=args.size.cpu,
                memory=args.size.memory,
                image=args.image,
                repository_arn=args.repository_arn,
                logs=args.logs,
                environment=args.environment,
                secrets=args.secrets,
                task_statements=task_statements,
                kms_key_arn=args.kms_key_arn,
                protect=args.protect,
                container_port=(
                    args.load_balancing.container_port if args.load_balancing else None
                ),
            ),
            parent=self,
        )
        task_definition, policies = task.task_definition, task.policies

        lb = args.load_balancing
        service = aws.ecs.Service(
            f"{name}-service",
            name=physical,
            cluster=args.cluster_arn,
            task_definition=task_definition.arn,
            desired_count=args.size.desired,
            capacity_provider_strategies=[
                aws.ecs.ServiceCapacityProviderStrategyArgs(
                    capacity_provider=provider, weight=weight, base=base
                )
                for provider, weight, base in capacity_provider_strategy(args.settings)
            ],
            # The provider refuses any later change of the strategy (compute.spotWeight,
            # onDemandWeight, onDemandBase) unless the change rolls the tasks onto it.
            force_new_deployment=True,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=list(args.subnet_ids),
                security_groups=[args.security_group_id],
                assign_public_ip=False,
            ),
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            availability_zone_rebalancing="ENABLED",
            health_check_grace_period_seconds=lb.health_check_grace_seconds if lb else None,
            load_balancers=(
                [
                    aws.ecs.ServiceLoadBalancerArgs(
                        target_group_arn=lb.target_group_arn,
                        container_name=name,
                        container_port=lb.container_port,
                    )
                ]
                if lb
                else None
            ),
            enable_execute_command=False,
            propagate_tags="SERVICE",
            wait_for_steady_state=args.settings.wait_for_steady_state,
            # Autoscaling owns the running count after the first deploy. Tasks start at
            # once: their roles' policies must exist first, or the first deploy fails.
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=["desiredCount"], depends_on=policies
            ),
        )

        self._scaling(name, args, service)
        self._alarms(name, args, service)

        self.service_name = service.name
        self.service_arn = service.arn
        self.task_role_arn = task.task_role.arn
        self.execution_role_arn = task.execution_role.arn
        self.log_group_name = task.log_group.name
        self.register_outputs(
            {
                "serviceName": self.service_name,
                "taskRoleArn": self.task_role_arn,
                "logGroupName": self.log_group_name,
            }
        )

    def _scaling(self, name: str, args: FargateServiceArgs, service: aws.ecs.Service) -> None:
        child = pulumi.ResourceOptions(parent=self)
        resource_id = pulumi.Output.format("service/{0}/{1}", args.cluster_name, service.name)
        target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=resource_id,
            min_capacity=args.size.min,
            max_capacity=args.size.max,
            opts=child,
        )
        if args.queue_scaling is None:
            for metric, percent in (
                ("ECSServiceAverageCPUUtilization", args.cpu_target_percent),
                ("ECSServiceAverageMemoryUtilization", args.memory_target_percent),
            ):
                short = "cpu" if "CPU" in metric else "memory"
                aws.appautoscaling.Policy(
                    f"{name}-{short}-tracking",
                    name=naming.physical_name(f"{name}-{short}-tracking", max_length=255),
                    policy_type="TargetTrackingScaling",
                    service_namespace=target.service_namespace,
                    scalable_dimension=target.scalable_dimension,
                    resource_id=target.resource_id,
                    target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                        predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                            predefined_metric_type=metric
                        ),
                        target_value=percent,
                        scale_in_cooldown=300,
                        scale_out_cooldown=60,
                    ),
                    opts=child,
                )
            return

        scaling = args.queue_scaling
        for direction, adjustment, cooldown in (("out", 1, 60), ("in", -1, 300)):
            policy = aws.appautoscaling.Policy(
                f"{name}-backlog-scale-{direction}",
                name=naming.physical_name(f"{name}-backlog-scale-{direction}", max_length=255),
                policy_type="StepScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                step_scaling_policy_configuration=aws.appautoscaling.PolicyStepScalingPolicyConfigurationArgs(
                    adjustment_type="ChangeInCapacity",
                    cooldown=cooldown,
                    metric_aggregation_type="Maximum",
                    step_adjustments=[
                        aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs(
                            scaling_adjustment=adjustment,
                            metric_interval_lower_bound="0" if direction == "out" else None,
                            metric_interval_upper_bound=None if direction == "out" else "0",
                        )
                    ],
                ),
                opts=child,
            )
            # Backlog = visible messages summed over the consumed queues (metric math).
            metrics = [
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id=f"q{i}",
                    return_data=False,
                    metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                        namespace="AWS/SQS",
                        metric_name="ApproximateNumberOfMessagesVisible",
                        dimensions={"QueueName": queue},
                        period=60,
                        stat="Maximum",
                    ),
                )
                for i, queue in enumerate(scaling.queue_names)
            ]
            expression = " + ".join(f"q{i}" for i in range(len(metrics)))
            metrics.append(
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="backlog", expression=expression, label="backlog", return_data=True
                )
            )
            aws.cloudwatch.MetricAlarm(
                f"{name}-backlog-{direction}",
                name=naming.physical_name(f"{name}-backlog-{direction}", max_length=255),
                alarm_description=f"{name}: scale {direction} on queue backlog",
                metric_queries=metrics,
                comparison_operator=(
                    "GreaterThanThreshold" if direction == "out" else "LessThanOrEqualToThreshold"
                ),
                threshold=scaling.scale_out_backlog if direction == "out" else 0,
                evaluation_periods=2 if direction == "out" else 15,
                treat_missing_data="notBreaching" if direction == "out" else "breaching",
                alarm_actions=[policy.arn],
                opts=child,
            )

    def _alarms(self, name: str, args: FargateServiceArgs, service: aws.ecs.Service) -> None:
        dimensions = {"ClusterName": args.cluster_name, "ServiceName": service.name}
        metric_alarm(
            f"{name}-cpu-high",
            parent=self,
            description=f"{name}: CPU above 85% for 10 minutes (scaling is not keeping up)",
            topics=args.alarm_topics,
            severity=Severity.NOTIFY,
            namespace="AWS/ECS",
            metric_name="CPUUtilization",
            dimensions=dimensions,
            statistic="Average",
            evaluation_periods=10,
            threshold=85,
            comparison="GreaterThanThreshold",
        )
        # RunningTaskCount is a Container Insights metric.
        if args.settings.container_insights and args.size.min > 0:
            metric_alarm(
                f"{name}-tasks-below-min",
                parent=self,
                description=f"{name}: fewer than {args.size.min} running tasks",
                topics=args.alarm_topics,
                severity=Severity.NOTIFY,
                namespace="ECS/ContainerInsights",
                metric_name="RunningTaskCount",
                dimensions=dimensions,
                statistic="Minimum",
                evaluation_periods=3,
                threshold=args.size.min,
                comparison="LessThanThreshold",
                treat_missing_data="breaching",
            )
