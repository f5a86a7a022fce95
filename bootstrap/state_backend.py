"""`StateBackend`: where aevon-infra keeps its Pulumi state and encrypts its secrets.

- an S3 bucket: versioned, encrypted with a customer-managed KMS key, all public
  access blocked, TLS-only, bucket-owner-enforced, old state versions expired;
- that KMS key (rotated yearly) doubles as the `awskms://` secrets provider;
- optionally the account's GitHub Actions OIDC provider;
- optionally the account's IAM OIDC provider for a Vercel team's tokens (team issuer
  `https://oidc.vercel.com/<team>`), which the stacks' Vercel caller roles trust.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.aws.policy_documents import deny_insecure_transport
from infra.aws.vercel_access import audience, issuer_url

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
_VERCEL_TEAM = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")


@dataclass(frozen=True, kw_only=True)
class StateBackendArgs:
    state_versions_days: int
    create_github_oidc_provider: bool
    protect: bool
    vercel_team: str | None = None

    def __post_init__(self) -> None:
        if self.vercel_team is not None and not _VERCEL_TEAM.match(self.vercel_team):
            raise ValueError(
                f"StateBackendArgs.vercel_team {self.vercel_team!r}: a Vercel team slug "
                "(lowercase letters, digits, '-')"
            )
        if not 1 <= self.state_versions_days <= 3650:
            raise ValueError(
                "StateBackendArgs.state_versions_days must be 1-3650, "
                f"got {self.state_versions_days}"
            )

    @classmethod
    def from_config(cls, config: pulumi.Config) -> StateBackendArgs:
        """The stack's config, validated; a bad value stops the program before any resource."""
        days = config.get_int("stateVersionsDays")
        team = config.get("vercelTeam") or None
        if team is not None and not _VERCEL_TEAM.match(team):
            raise pulumi.RunError(
                f"stack '{pulumi.get_stack()}': aevon-bootstrap:vercelTeam = {team!r}: must be "
                "a Vercel team slug (lowercase letters, digits, '-')"
            )
        try:
            return cls(
                state_versions_days=90 if days is None else days,
                create_github_oidc_provider=config.get_bool("createGithubOidcProvider")
                is not False,
                protect=config.get_bool("protect") is not False,
                vercel_team=team,
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
    github_oidc_provider_arn: pulumi.Output[str] | None
    vercel_oidc_provider_arn: pulumi.Output[str] | None

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
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=child,
        )
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

        self.github_oidc_provider_arn = None
        if args.create_github_oidc_provider:
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-github-oidc",
                url=GITHUB_OIDC_URL,
                client_id_lists=["sts.amazonaws.com"],
                opts=keep,
            )
            self.github_oidc_provider_arn = provider.arn

        self.vercel_oidc_provider_arn = None
        if args.vercel_team is not None:
            self.vercel_oidc_provider_arn = aws.iam.OpenIdConnectProvider(
                f"{name}-vercel-oidc",
                url=issuer_url(args.vercel_team),
                client_id_lists=[audience(args.vercel_team)],
                opts=keep,
            ).arn

        self.bucket_name = bucket.bucket
        self.backend_url = pulumi.Output.concat("s3://", bucket.bucket)
        self.secrets_provider = pulumi.Output.concat("awskms://", alias.name)
        self.key_arn = key.arn
        self.register_outputs(
            {
                "backendUrl": self.backend_url,
                "secretsProvider": self.secrets_provider,
                "githubOidcProviderArn": self.github_oidc_provider_arn,
                "vercelOidcProviderArn": self.vercel_oidc_provider_arn,
            }
        )
