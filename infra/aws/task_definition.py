"""The hardened Fargate task every ECS workload of the stack runs: services and the migration.

`hardened_task` creates, as children of the component that calls it:

- a log group with the stack's retention (and key), `protect` from config;
- an execution role that may pull exactly the task's image, write exactly its log
  group and read exactly its secrets (and decrypt with the stack's key);
- a task role with exactly the statements the caller gives (queues, IAM database
  authentication), or none;
- the task definition: one essential container with a read-only root filesystem and a
  writable `/tmp` volume, a non-root user, not privileged, every Linux capability
  dropped, an init process, logs through `awslogs`, secrets only as `valueFrom`
  references (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html).

Names derive from the caller's `name`: `<name>-logs`, `<name>-execution-role`,
`<name>-task-role`, `<name>-task`; the container is named `name`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.policy_documents import service_trust
from infra.config import LogsConfig

CONTAINER_USER = "10001:10001"
SECRET_LOOKING = re.compile(
    r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|DSN)", re.I
)


def variable_problems(
    environment: Mapping[str, object], secrets: Mapping[str, object]
) -> list[str]:
    """Why a container's variables are unsafe: a secret-looking name in plain
    `environment`, or a name in both `environment` and `secrets`."""
    problems = []
    secretish = sorted(k for k in environment if SECRET_LOOKING.search(k))
    if secretish:
        problems.append(
            f"environment must not carry secrets ({', '.join(secretish)}); pass them in "
            "`secrets` as Secrets Manager ARNs"
        )
    overlap = sorted(set(environment) & set(secrets))
    if overlap:
        problems.append(f"{', '.join(overlap)} is in both environment and secrets")
    return problems


@dataclass(frozen=True, kw_only=True)
class TaskSpec:
    """One hardened task.

    - `cpu` (CPU units, 1024 = 1 vCPU) and `memory` (MiB): a pair Fargate offers.
    - `image` (`<repository url>:<tag>`) and the `repository_arn` it is pulled from.
    - `logs`: the log group's retention (days); `kms_key_arn`: the key of the log group
      and the secrets, or None; `protect`: Pulumi `protect` on the log group.
    - `environment`: name -> plain value; `secrets`: name -> Secrets Manager ARN
      (optionally `:json-key:version-stage:version-id:`), passed as `valueFrom`.
    - `task_statements`: the task role's IAM statements (empty: a role with no policy).
    - `command`: the container command (exec form), or None for the image's own.
    - `container_port`: a TCP port mapping, or None.
    """

    cpu: int
    memory: int
    image: pulumi.Input[str]
    repository_arn: pulumi.Input[str]
    logs: LogsConfig
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    task_statements: Sequence[Mapping[str, Any]] = ()
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False
    command: Sequence[str] | None = None
    container_port: int | None = None


@dataclass(frozen=True)
class HardenedTask:
    """What `hardened_task` created; `policies` are the roles' inline policies (a task
    started before they exist fails)."""

    log_group: aws.cloudwatch.LogGroup
    execution_role: aws.iam.Role
    task_role: aws.iam.Role
    policies: list[pulumi.Resource]
    task_definition: aws.ecs.TaskDefinition


def hardened_task(name: str, spec: TaskSpec, parent: pulumi.Resource) -> HardenedTask:
    """Create the task's log group, roles and task definition under `parent`."""
    child = pulumi.ResourceOptions(parent=parent)
    invoke = pulumi.InvokeOptions(parent=parent)
    account = aws.get_caller_identity_output(opts=invoke).account_id
    region = aws.get_region_output(opts=invoke).region

    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=f"/{naming.prefix()}/ecs/{name}",
        retention_in_days=spec.logs.retention_days,
        kms_key_id=spec.kms_key_arn,
        opts=pulumi.ResourceOptions(parent=parent, protect=spec.protect),
    )

    # -- execution role: image pull, this log group, exactly these secrets
    execution_role = aws.iam.Role(
        f"{name}-execution-role",
        name=naming.physical_name(f"{name}-execution", max_length=64),
        assume_role_policy=service_trust("ecs-tasks.amazonaws.com", account),
        opts=child,
    )
    execution_statements: list[dict[str, Any]] = [
        # GetAuthorizationToken has no resource-level permissions: "*" is the only form.
        {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": [spec.repository_arn],
        },
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [pulumi.Output.concat(log_group.arn, ":*")],
        },
    ]
    if spec.secrets:
        execution_statements.append(
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": secret_arns(spec.secrets),
            }
        )
    if spec.kms_key_arn is not None:
        execution_statements.append(
            {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [spec.kms_key_arn]}
        )
    policies: list[pulumi.Resource] = [
        aws.iam.RolePolicy(
            f"{name}-execution-policy",
            role=execution_role.id,
            policy=pulumi.Output.json_dumps(
                {"Version": "2012-10-17", "Statement": execution_statements}
            ),
            opts=child,
        )
    ]

    # -- task role: exactly what the caller's statements grant
    task_role = aws.iam.Role(
        f"{name}-task-role",
        name=naming.physical_name(f"{name}-task", max_length=64),
        assume_role_policy=service_trust("ecs-tasks.amazonaws.com", account),
        opts=child,
    )
    if spec.task_statements:
        policies.append(
            aws.iam.RolePolicy(
                f"{name}-task-policy",
                role=task_role.id,
                policy=pulumi.Output.json_dumps(
                    {"Version": "2012-10-17", "Statement": list(spec.task_statements)}
                ),
                opts=child,
            )
        )

    container: dict[str, Any] = {
        "name": name,
        "image": spec.image,
        "essential": True,
        "user": CONTAINER_USER,
        "privileged": False,
        "readonlyRootFilesystem": True,
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
        # The root filesystem is read-only; /tmp is the task's own ephemeral volume.
        "mountPoints": [
            {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}  # noqa: S108
        ],
        "environment": [{"name": k, "value": v} for k, v in sorted(spec.environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(spec.secrets.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group.name,
                "awslogs-region": region,
                "awslogs-stream-prefix": name,
            },
        },
        "stopTimeout": 30,
    }
    if spec.command is not None:
        container["command"] = list(spec.command)
    if spec.container_port is not None:
        container["portMappings"] = [{"containerPort": spec.container_port, "protocol": "tcp"}]

    task_definition = aws.ecs.TaskDefinition(
        f"{name}-task",
        family=naming.physical_name(name, max_length=64),
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu=str(spec.cpu),
        memory=str(spec.memory),
        runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
            operating_system_family="LINUX", cpu_architecture="X86_64"
        ),
        execution_role_arn=execution_role.arn,
        task_role_arn=task_role.arn,
        container_definitions=pulumi.Output.json_dumps([container]),
        volumes=[aws.ecs.TaskDefinitionVolumeArgs(name="tmp")],
        opts=child,
    )
    return HardenedTask(log_group, execution_role, task_role, policies, task_definition)


def secret_arn(value_from: pulumi.Input[str]) -> pulumi.Output[str]:
    """The secret ARN of a `valueFrom` (which may carry a `:json-key:version-stage:` suffix)."""
    return pulumi.Output.from_input(value_from).apply(lambda v: ":".join(v.split(":")[:7]))


def secret_arns(secrets: Mapping[str, pulumi.Input[str]]) -> list[pulumi.Output[str]]:
    """The secret ARN behind each of `secrets`, in the order of the variable names."""
    return [secret_arn(v) for _, v in sorted(secrets.items())]


def rds_connect_statement(rds_iam_user_arn: pulumi.Input[str]) -> dict[str, Any]:
    """IAM database authentication as one database user
    (`arn:aws:rds-db:<region>:<account>:dbuser:<cluster resource id>/<user>`)."""
    return {
        "Sid": "ConnectToAuroraWithIam",
        "Effect": "Allow",
        "Action": ["rds-db:connect"],
        "Resource": [rds_iam_user_arn],
    }
