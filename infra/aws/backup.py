"""`DatabaseBackup`: a daily AWS Backup of the database into a vault of its own.

Aurora's automated backups live and die with the cluster's account settings and
its retention window (at most 35 days); AWS Backup keeps recovery points in a
vault encrypted with the stack's customer-managed key, on a schedule and for a
retention of its own, and they survive the cluster's deletion. One plan, one daily
rule (06:00 UTC, after the cluster's 03:00-04:00 backup window and clear of its
Sunday maintenance window), recovery points deleted after `retentionDays`, and
one selection naming the cluster. AWS Backup acts through a service role with the
AWS managed policies for backup and restore. Source: AWS Backup Developer Guide,
"Creating a backup plan", "Assigning resources" and "Amazon Aurora".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.policy_documents import service_trust
from infra.config import BackupConfig

SCHEDULE = "cron(0 6 ? * * *)"
START_WINDOW_MINUTES = 60
COMPLETION_WINDOW_MINUTES = 360
SERVICE_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)


@dataclass(frozen=True, kw_only=True)
class DatabaseBackupArgs:
    """What the `DatabaseBackup` is built from: the `security.backup` section plus wiring.

    - `settings`: `retention_days` (1-36,500 days each recovery point is kept).
    - `resource_arns`: what the plan backs up (the Aurora cluster's ARN).
    - `kms_key_arn`: the stack's customer-managed key, which encrypts the vault.
    - `protect`: Pulumi `protect` on the vault (from config): deleting it loses every
      recovery point.

    Raises ValueError when the section is not enabled or nothing is selected.
    """

    settings: BackupConfig
    resource_arns: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    protect: bool = False

    def __post_init__(self) -> None:
        if not self.settings.enabled:
            raise ValueError("DatabaseBackupArgs: settings must be an enabled security.backup")
        if not self.resource_arns:
            raise ValueError("DatabaseBackupArgs: resource_arns names nothing to back up")


class DatabaseBackup(pulumi.ComponentResource):
    vault_name: pulumi.Output[str]
    plan_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: DatabaseBackupArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:data:DatabaseBackup", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id

        vault = aws.backup.Vault(
            f"{name}-vault",
            name=naming.physical_name(name, max_length=50),
            kms_key_arn=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=naming.physical_name(name, max_length=64),
            description="AWS Backup of the stack's database",
            assume_role_policy=service_trust("backup.amazonaws.com", account),
            opts=child,
        )
        for policy in SERVICE_POLICIES:
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy.rsplit('For', 1)[-1].lower()}",
                role=role.name,
                policy_arn=policy,
                opts=child,
            )
        plan = aws.backup.Plan(
            f"{name}-plan",
            name=naming.physical_name(name, max_length=50),
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name="daily",
                    target_vault_name=vault.name,
                    schedule=SCHEDULE,
                    start_window=START_WINDOW_MINUTES,
                    completion_window=COMPLETION_WINDOW_MINUTES,
                    lifecycle=aws.backup.PlanRuleLifecycleArgs(
                        delete_after=args.settings.retention_days
                    ),
                )
            ],
            opts=child,
        )
        aws.backup.Selection(
            f"{name}-selection",
            name=naming.physical_name(name, max_length=50),
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=list(args.resource_arns),
            opts=child,
        )
        self.vault_name = vault.name
        self.plan_id = plan.id
        self.register_outputs({"vaultName": self.vault_name, "planId": self.plan_id})


def build_if_enabled(
    name: str,
    settings: BackupConfig,
    *,
    resource_arns: Sequence[pulumi.Input[str]],
    kms_key_arn: pulumi.Input[str] | None,
    protect: bool,
    opts: pulumi.ResourceOptions | None = None,
) -> DatabaseBackup | None:
    """The database's backup plan where `security.backup.enabled` says so (config guarantees
    the stack's key then exists)."""
    if not settings.enabled or kms_key_arn is None:
        return None
    return DatabaseBackup(
        name,
        DatabaseBackupArgs(
            settings=settings, resource_arns=resource_arns, kms_key_arn=kms_key_arn, protect=protect
        ),
        opts=opts,
    )
