"""`CacheTokenRotation`: Secrets Manager rotates the cache's AUTH token on a schedule.

The rotation function (`infra/functions/rotate_cache_token/`) ROTATEs a new token
into the replication group, moves the secret's AWSCURRENT to it, redeploys every
client service and waits for their rollouts, and only then SETs the group to the
new token alone: no old token stays valid, no client is locked out. The function
may call exactly that: the secret (read, write a version, move a stage, tag), the
replication group (describe, modify), the client services (update, describe), its
own log group, X-Ray, and the stack's key through Secrets Manager. Secrets Manager
alone may invoke it, for this secret. It runs one at a time (reserved concurrency
1) for up to 15 minutes (the Lambda maximum; a rollout has ~14 of them), and an
alarm fires on any error: a rotation that failed leaves the secret marked
`rotating` until a retry or the next rotation finishes it.

After the first rotation the token in Pulumi's state is stale: the replication
group's `authToken` and the secret value's `secretString` and `versionStages` are
ignored by the program (`ignore_changes` in `RedisCache`; the cloud-managed table
lists them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.alarms import AlarmTopics, function_errors_alarm
from infra.aws.policy_documents import service_trust
from infra.blueprint import Service
from infra.config import LogsConfig

CODE_DIR = Path(__file__).resolve().parent.parent / "functions" / "rotate_cache_token"
RUNTIME = aws.lambda_.Runtime.PYTHON3D13
TIMEOUT_SECONDS = 900  # the Lambda maximum: a rotation waits for the client rollouts


@dataclass(frozen=True, kw_only=True)
class CacheTokenRotationArgs:
    """What `CacheTokenRotation` is built from.

    - `rotation_days`: days (1-1000) between rotations (`cache.authRotationDays`).
    - `logs`: the retention (days) of the function's log group.
    - `secret_arn`: the AUTH token secret; `replication_group_id`,
      `replication_group_arn`: the cache.
    - `cluster_name`; `client_services`: service -> (name, ARN) of every service that
      reads the token (`cache.clients`), redeployed on each rotation.
    - `alarm_topics`: the stack's alarm topics (a failed rotation notifies).
    - `kms_key_arn`: the stack's key (logs, environment, the secret), or None.
    - `protect`: Pulumi `protect` on the log group (from config).

    Raises ValueError when no client service is given.
    """

    rotation_days: int
    logs: LogsConfig
    secret_arn: pulumi.Input[str]
    replication_group_id: pulumi.Input[str]
    replication_group_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    client_services: Mapping[Service, tuple[pulumi.Input[str], pulumi.Input[str]]]
    alarm_topics: AlarmTopics
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False

    def __post_init__(self) -> None:
        if not self.client_services:
            raise ValueError("CacheTokenRotationArgs: client_services names no service")


class CacheTokenRotation(pulumi.ComponentResource):
    function_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: CacheTokenRotationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:data:CacheTokenRotation", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        function_name = naming.physical_name(f"{name}-fn", max_length=64)
        clients = [args.client_services[s] for s in sorted(args.client_services)]

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-fn-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=args.logs.retention_days,
            kms_key_id=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        role = aws.iam.Role(
            f"{name}-fn-role",
            name=naming.physical_name(f"{name}-fn", max_length=64),
            description="rotates the cache AUTH token",
            assume_role_policy=service_trust("lambda.amazonaws.com", account),
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-fn-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": _statements(
                        args, log_group.arn, [arn for _, arn in clients], region
                    ),
                }
            ),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-fn",
            name=function_name,
            description="Secrets Manager rotation of the cache AUTH token (ROTATE, redeploy, SET)",
            runtime=RUNTIME,
            handler="handler.handler",
            code=pulumi.FileArchive(str(CODE_DIR)),
            role=role.arn,
            timeout=TIMEOUT_SECONDS,
            memory_size=256,
            architectures=["arm64"],
            reserved_concurrent_executions=1,
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "REPLICATION_GROUP_ID": args.replication_group_id,
                    "ECS_CLUSTER": args.cluster_name,
                    "CLIENT_SERVICES": pulumi.Output.all(*[n for n, _ in clients]).apply(
                        lambda names: ",".join(str(n) for n in names)
                    ),
                }
            ),
            kms_key_arn=args.kms_key_arn,
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=log_group.name
            ),
            # Turning rotation on runs the function's testSecret step right away
            # (RotateSecret, RotateImmediately false): its policy must be in place.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
        )
        permission = aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="secretsmanager.amazonaws.com",
            source_arn=args.secret_arn,
            opts=child,
        )
        aws.secretsmanager.SecretRotation(
            f"{name}-schedule",
            secret_id=args.secret_arn,
            # Secrets Manager checks that it may invoke the function: hand the ARN out
            # once the permission exists.
            rotation_lambda_arn=pulumi.Output.all(function.arn, permission.id).apply(
                lambda v: str(v[0])
            ),
            rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                automatically_after_days=args.rotation_days
            ),
            # The first token is the one the stack created; the schedule replaces it.
            # (Secrets Manager still runs testSecret once to check the setup.)
            rotate_immediately=False,
            opts=child,
        )
        function_errors_alarm(
            f"{name}-fn-errors",
            parent=self,
            description="cache AUTH token rotation failed (the old token may still be valid)",
            topics=args.alarm_topics,
            function_name=function.name,
            errors=0,
            minutes=1,
        )
        self.function_name = function.name
        self.register_outputs({"functionName": self.function_name})


def _statements(
    args: CacheTokenRotationArgs,
    log_group_arn: pulumi.Input[str],
    service_arns: Sequence[pulumi.Input[str]],
    region: pulumi.Input[str],
) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "RotateTheTokenSecret",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
                "secretsmanager:ListSecretVersionIds",
                "secretsmanager:TagResource",
            ],
            "Resource": [args.secret_arn],
        },
        # GetRandomPassword acts on no resource: "*" is its only form.
        {
            "Sid": "GenerateTokens",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetRandomPassword"],
            "Resource": "*",
        },
        {
            "Sid": "RotateTheCacheToken",
            "Effect": "Allow",
            "Action": [
                "elasticache:DescribeReplicationGroups",
                "elasticache:ModifyReplicationGroup",
            ],
            "Resource": [args.replication_group_arn],
        },
        {
            "Sid": "RedeployTheClients",
            "Effect": "Allow",
            "Action": ["ecs:UpdateService", "ecs:DescribeServices"],
            "Resource": list(service_arns),
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [pulumi.Output.concat(log_group_arn, ":*")],
        },
        # X-Ray's write actions have no resource-level permissions: "*" is the only form.
        {
            "Sid": "Tracing",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
    ]
    if args.kms_key_arn is not None:
        statements.append(
            {
                "Sid": "UseTheSecretsKeyThroughSecretsManager",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": [args.kms_key_arn],
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": pulumi.Output.format(
                            "secretsmanager.{0}.amazonaws.com", region
                        )
                    }
                },
            }
        )
    return statements


def build(
    name: str,
    *,
    rotation_days: int,
    logs: LogsConfig,
    secret_arn: pulumi.Input[str],
    replication_group_id: pulumi.Input[str],
    replication_group_arn: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    clients: Sequence[Service],
    service_names: Mapping[Service, pulumi.Input[str]],
    service_arns: Mapping[Service, pulumi.Input[str]],
    alarm_topics: AlarmTopics,
    kms_key_arn: pulumi.Input[str] | None,
    protect: bool,
    opts: pulumi.ResourceOptions | None = None,
) -> CacheTokenRotation:
    """The rotation of the cache token, redeploying the cache's configured clients."""
    return CacheTokenRotation(
        name,
        CacheTokenRotationArgs(
            rotation_days=rotation_days,
            logs=logs,
            secret_arn=secret_arn,
            replication_group_id=replication_group_id,
            replication_group_arn=replication_group_arn,
            cluster_name=cluster_name,
            client_services={s: (service_names[s], service_arns[s]) for s in clients},
            alarm_topics=alarm_topics,
            kms_key_arn=kms_key_arn,
            protect=protect,
        ),
        opts=opts,
    )
