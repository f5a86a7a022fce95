"""`DataKey`: the stack's customer-managed KMS key for data at rest.

One key per stack, rotated yearly, used by Aurora, ElastiCache, SQS, ECR, Secrets
Manager, CloudWatch Logs and the alarm topic. IAM principals of the account get
access through IAM policies (the root statement delegates to IAM); the two
service principals that act without an IAM role of ours are named explicitly and
scoped: CloudWatch Logs (only for this account's log groups), CloudWatch alarms and
AWS Budgets (only this account's, to publish to the encrypted alarm topics).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.config import EncryptionConfig


@dataclass(frozen=True, kw_only=True)
class DataKeyArgs:
    """`deletion_window_days`: days (7-30) a scheduled deletion waits (KMS ScheduleKeyDeletion,
    https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html).
    `protect`: Pulumi `protect` on the key (from config); the key decrypts every
    protected store, so losing it loses their data.

    Raises ValueError outside 7-30.
    """

    deletion_window_days: int = 30
    protect: bool = False

    def __post_init__(self) -> None:
        if not 7 <= self.deletion_window_days <= 30:
            raise ValueError(
                f"DataKeyArgs.deletion_window_days must be 7-30, got {self.deletion_window_days}"
            )


class DataKey(pulumi.ComponentResource):
    key_arn: pulumi.Output[str]
    key_id: pulumi.Output[str]
    alias_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: DataKeyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:security:DataKey", name, None, opts)
        invoke = pulumi.InvokeOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        policy = pulumi.Output.json_dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AccountAdministersThroughIam",
                        "Effect": "Allow",
                        "Principal": {
                            "AWS": pulumi.Output.format("arn:aws:iam::{0}:root", account)
                        },
                        "Action": "kms:*",
                        "Resource": "*",
                    },
                    {
                        "Sid": "CloudWatchLogsForThisAccountsLogGroups",
                        "Effect": "Allow",
                        "Principal": {
                            "Service": pulumi.Output.format("logs.{0}.amazonaws.com", region)
                        },
                        "Action": [
                            "kms:Encrypt*",
                            "kms:Decrypt*",
                            "kms:ReEncrypt*",
                            "kms:GenerateDataKey*",
                            "kms:Describe*",
                        ],
                        "Resource": "*",
                        "Condition": {
                            "ArnLike": {
                                "kms:EncryptionContext:aws:logs:arn": pulumi.Output.format(
                                    "arn:aws:logs:{0}:{1}:log-group:*", region, account
                                )
                            }
                        },
                    },
                    {
                        "Sid": "CloudWatchAlarmsPublishToEncryptedTopics",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudwatch.amazonaws.com"},
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                    },
                    {
                        # The budget notifies the (encrypted) notify topic: AWS Billing User
                        # Guide, "Creating an Amazon SNS topic for budget notifications".
                        "Sid": "BudgetsPublishToEncryptedTopics",
                        "Effect": "Allow",
                        "Principal": {"Service": "budgets.amazonaws.com"},
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                    },
                ],
            }
        )
        key = aws.kms.Key(
            f"{name}-key",
            description=f"{naming.prefix()} data at rest",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=policy,
            tags=naming.name_tag(f"{name}-key"),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        alias = aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{naming.physical_name(name)}",
            target_key_id=key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.key_arn = key.arn
        self.key_id = key.key_id
        self.alias_name = alias.name
        self.register_outputs({"keyArn": self.key_arn, "aliasName": self.alias_name})


def stack_key_arn(
    name: str,
    settings: EncryptionConfig,
    *,
    protect: bool,
    opts: pulumi.ResourceOptions | None = None,
) -> pulumi.Output[str] | None:
    """The stack's customer-managed key ARN, or None where `encryption.customerManagedKey`
    is false (AWS-managed keys); `protect` (the stack's `protectStatefulResources`) goes
    on the key."""
    if not settings.customer_managed_key:
        return None
    return DataKey(name, DataKeyArgs(protect=protect), opts=opts).key_arn
