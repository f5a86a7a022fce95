"""`StateBackend`: where the stacks of one AWS account keep their Pulumi state and secrets.

- an S3 bucket `aevon-pulumi-state-<account>`: versioned, encrypted with a
  customer-managed KMS key, all public access blocked, TLS-only, bucket-owner-enforced,
  old state versions expired; it holds the state of the stacks in its own account only;
- that KMS key (rotated yearly), alias `alias/aevon-pulumi-secrets`, doubles as the
  `awskms://` secrets provider of those stacks.

The account's OIDC providers are `bootstrap.oidc_providers`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.aws import buckets
from infra.aws.policy_documents import deny_insecure_transport

_ACCOUNT_ID = re.compile(r"^\d{12}$")


def allowed_account_ids(config: pulumi.Config) -> list[str]:
    """`aws:allowedAccountIds`: exactly one quoted 12-digit account id, or one clear error."""
    value = config.get_object("allowedAccountIds")
    if (
        not isinstance(value, list)
        or len(value) != 1
        or not isinstance(value[0], str)
        or not _ACCOUNT_ID.match(value[0])
    ):
        raise pulumi.RunError(
            f"stack '{pulumi.get_stack()}': aws:allowedAccountIds = {value!r}: must name "
            "exactly one AWS account, the one this bootstrap is for, as a quoted 12-digit id: "
            '["111122223333"]'
        )
    return value


@dataclass(frozen=True, kw_only=True)
class StateBackendArgs:
    """`state_versions_days`: days (1-3650) a superseded state version is kept;
    `protect`: Pulumi `protect` on the bucket and the key. ValueError otherwise."""

    state_versions_days: int
    protect: bool

    def __post_init__(self) -> None:
        if not 1 <= self.state_versions_days <= 3650:
            raise ValueError(
                "StateBackendArgs.state_versions_days must be 1-3650, "
                f"got {self.state_versions_days}"
            )

    @classmethod
    def from_config(cls, config: pulumi.Config) -> StateBackendArgs:
        """The stack's config, validated; a bad value stops the program before any resource."""
        days = config.get_int("stateVersionsDays")
        try:
            return cls(
                state_versions_days=90 if days is None else days,
                protect=config.get_bool("protect") is not False,
            )
        except ValueError as exc:
            raise pulumi.RunError(
                f"stack '{pulumi.get_stack()}': aevon-bootstrap:stateVersionsDays = {days}: "
                "must be between 1 and 3650 days"
            ) from exc


class StateBackend(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    backend_url: pulumi.Output[str]
    secrets_provider: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:bootstrap:StateBackend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        keep = pulumi.ResourceOptions(parent=self, protect=args.protect)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id

        key = aws.kms.Key(
            f"{name}-key",
            description="aevon Pulumi state and secrets",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=keep,
        )
        alias = aws.kms.Alias(
            f"{name}-key-alias",
            name="alias/aevon-pulumi-secrets",
            target_key_id=key.key_id,
            opts=child,
        )

        bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket=pulumi.Output.format("aevon-pulumi-state-{0}", account),
            force_destroy=False,
            opts=keep,
        )
        buckets.private_controls(name, bucket.id, child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=key.arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-old-state-versions",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=args.state_versions_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        deny_insecure_transport(
                            "s3:*", [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")]
                        )
                    ],
                }
            ),
            opts=child,
        )

        self.bucket_name = bucket.bucket
        self.backend_url = pulumi.Output.concat("s3://", bucket.bucket)
        self.secrets_provider = pulumi.Output.concat("awskms://", alias.name)
        self.key_arn = key.arn
        self.register_outputs(
            {
                "backendUrl": self.backend_url,
                "secretsProvider": self.secrets_provider,
            }
        )
