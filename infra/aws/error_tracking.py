"""`ErrorTracking`: the stack's error-tracker DSN in Secrets Manager, for every service.

The DSN (Sentry's, or any such endpoint) is the secret config `aevon:errorTrackingDsn`;
it reaches state only as a Pulumi secret and the containers only as a `valueFrom`
reference (`SENTRY_DSN`), read by each task's execution role. `SENTRY_ENVIRONMENT` (the
stack's name) is plain: it names where an error happened. The ingestion Lambda does
not get it: Lambda environment variables are plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.config import ErrorTrackingConfig


@dataclass(frozen=True, kw_only=True)
class ErrorTrackingAccess:
    """What a service needs to report errors: the DSN's secret ARN and the environment name."""

    dsn_secret_arn: pulumi.Input[str]
    environment_name: str

    def environment(self) -> dict[str, pulumi.Input[str]]:
        return {"SENTRY_ENVIRONMENT": self.environment_name}

    def secrets(self) -> dict[str, pulumi.Input[str]]:
        return {"SENTRY_DSN": self.dsn_secret_arn}


@dataclass(frozen=True, kw_only=True)
class ErrorTrackingArgs:
    """`dsn`: the DSN, a secret Output; `kms_key_arn`: the stack's key for the secret, or
    None (AWS-managed); `protect`: Pulumi `protect` on the secret, which then keeps a
    30-day (else 7-day) recovery window."""

    dsn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False


class ErrorTracking(pulumi.ComponentResource):
    access: ErrorTrackingAccess

    def __init__(
        self, name: str, args: ErrorTrackingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:observability:ErrorTracking", name, None, opts)
        secret = aws.secretsmanager.Secret(
            f"{name}-dsn",
            name=f"{naming.prefix()}/{name}/dsn",
            description=f"{naming.prefix()}: the error tracker's DSN (SENTRY_DSN)",
            kms_key_id=args.kms_key_arn,
            recovery_window_in_days=30 if args.protect else 7,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-dsn-value",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(args.dsn),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.access = ErrorTrackingAccess(
            dsn_secret_arn=secret.arn, environment_name=pulumi.get_stack()
        )
        self.register_outputs({"dsnSecretArn": secret.arn})


def build_if_enabled(
    name: str,
    settings: ErrorTrackingConfig,
    dsn: str | None,
    *,
    kms_key_arn: pulumi.Input[str] | None,
    protect: bool,
    opts: pulumi.ResourceOptions | None = None,
) -> ErrorTrackingAccess | None:
    """The services' error-tracking access where `errorTracking.enabled`, else None (the
    config guarantees the DSN is set when enabled)."""
    if not settings.enabled or dsn is None:
        return None
    args = ErrorTrackingArgs(
        dsn=pulumi.Output.secret(dsn), kms_key_arn=kms_key_arn, protect=protect
    )
    return ErrorTracking(name, args, opts=opts).access
