"""`MigrationTask`: the one-off ECS task that migrates the database before a release serves.

A task definition, no service and no load balancer: the deploy workflow starts it with
`aws ecs run-task` (`scripts/release.py`) after the release's images are pushed and
before the services roll, and stops the release when it exits non-zero. It runs:

- the `api` image at the tag being released (`infra.aws.release.migration_image_tag`),
  with `migrations.command` from config;
- with exactly the database access the `api` service has: the endpoint in plain
  variables, the master credentials as `valueFrom` references, `rds-db:connect` as the
  api's IAM database user, and, at run time, the api's security group (which the
  database admits) in the private subnets;
- hardened like every service (`infra.aws.task_definition.hardened_task`), with its own
  log group and its own two roles;
- on on-demand Fargate (`--launch-type FARGATE`): a Spot interruption must not cut a
  migration short.

`run_task` holds what `aws ecs run-task` needs (cluster, task definition ARN,
container, subnets, security group, timeout) and, for reviewers, the command; the root
exports it as `migrationTask`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.aws import release
from infra.aws.database import DatabaseAccess
from infra.aws.error_tracking import ErrorTrackingAccess
from infra.aws.task_definition import (
    TaskSpec,
    hardened_task,
    rds_connect_statement,
    variable_problems,
)
from infra.blueprint import SERVICES, Service
from infra.config import ComputeConfig, LogsConfig, MigrationsConfig

# Whose credentials, image and network the migration borrows.
MIGRATES_AS = Service.API


@dataclass(frozen=True, kw_only=True)
class MigrationTaskArgs:
    """What `MigrationTask` is built from: the `migrations` section plus its wiring.

    - `settings`: `command` (exec form), `cpu` (CPU units) and `memory` (MiB), a
      Fargate pair, `timeout_minutes` (1-240) the deploy waits.
    - `logs`: the retention (days) of its log group.
    - `compute`: the `compute` section, whose image contract gives the migration tag
      (`infra.aws.release.migration_image_tag`); `repository_urls`, `repository_arns`:
      image name -> ECR repository URL / ARN (the api's image is used).
    - `database`: the database access (its `clients` must include the api).
    - `region`: the AWS region code (for the IAM database user ARN).
    - `cluster_name`, `subnet_ids` (private) and `security_group_ids` (service -> its
      workload group; the api's is used): where the deploy runs it.
    - `kms_key_arn`, `protect` (on the log group), `error_tracking` (or None).

    Raises ValueError ("MigrationTaskArgs: ...") when the api is not a database client.
    """

    settings: MigrationsConfig
    logs: LogsConfig
    compute: ComputeConfig
    repository_urls: Mapping[str, pulumi.Input[str]]
    repository_arns: Mapping[str, pulumi.Input[str]]
    database: DatabaseAccess
    region: str
    cluster_name: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Mapping[Service, pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False
    error_tracking: ErrorTrackingAccess | None = None

    def __post_init__(self) -> None:
        problems = []
        if MIGRATES_AS not in self.database.clients:
            problems.append(
                f"the migration uses the {MIGRATES_AS.value} service's database access, but "
                "it is not a database client"
            )
        if MIGRATES_AS not in self.security_group_ids:
            problems.append(f"no workload security group for {MIGRATES_AS.value}")
        if SERVICES[MIGRATES_AS].image not in self.repository_urls:
            problems.append(f"no repository for the {SERVICES[MIGRATES_AS].image} image")
        if problems:
            raise ValueError("MigrationTaskArgs: " + "; ".join(problems))

    def variables(self) -> tuple[dict[str, pulumi.Input[str]], dict[str, pulumi.Input[str]]]:
        """(environment, secrets) of the container: the api's database access and the
        error tracker."""
        environment: dict[str, pulumi.Input[str]] = {"AEVON_SERVICE": "migrations"}
        environment |= self.database.client_environment()
        secrets = self.database.client_secrets()
        if self.error_tracking is not None:
            environment |= self.error_tracking.environment()
            secrets |= self.error_tracking.secrets()
        problems = variable_problems(environment, secrets)
        if problems:
            raise ValueError("MigrationTaskArgs: " + "; ".join(problems))
        return environment, secrets


class MigrationTask(pulumi.ComponentResource):
    task_definition_arn: pulumi.Output[str]
    family: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    container_name: str
    run_task: pulumi.Output[dict[str, Any]]

    def __init__(
        self, name: str, args: MigrationTaskArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:operations:MigrationTask", name, None, opts)
        invoke = pulumi.InvokeOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        environment, secrets = args.variables()
        image = SERVICES[MIGRATES_AS].image
        tag = release.migration_image_tag(args.compute, invoke)
        task = hardened_task(
            name,
            TaskSpec(
                cpu=args.settings.cpu,
                memory=args.settings.memory,
                image=pulumi.Output.concat(args.repository_urls[image], ":", tag),
                repository_arn=args.repository_arns[image],
                logs=args.logs,
                environment=environment,
                secrets=secrets,
                task_statements=[
                    rds_connect_statement(
                        args.database.iam_user_arn(args.region, account, MIGRATES_AS)
                    )
                ],
                kms_key_arn=args.kms_key_arn,
                protect=args.protect,
                command=args.settings.command,
            ),
            parent=self,
        )
        self.task_definition_arn = task.task_definition.arn
        self.family = task.task_definition.family
        self.log_group_name = task.log_group.name
        self.container_name = name
        self.run_task = pulumi.Output.all(
            cluster=args.cluster_name,
            task_definition=self.task_definition_arn,
            subnets=pulumi.Output.all(*args.subnet_ids),
            security_group=args.security_group_ids[MIGRATES_AS],
            log_group=self.log_group_name,
        ).apply(
            lambda v: {
                "cluster": v["cluster"],
                "taskDefinition": v["task_definition"],
                "container": name,
                "subnets": list(v["subnets"]),
                "securityGroups": [v["security_group"]],
                "logGroup": v["log_group"],
                "command": list(args.settings.command),
                "timeoutMinutes": args.settings.timeout_minutes,
            }
        )
        self.register_outputs(
            {"taskDefinitionArn": self.task_definition_arn, "runTask": self.run_task}
        )
