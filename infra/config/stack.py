"""`StackConfig`, the whole of one stack's config, and its stack-wide sections.

The rules that span sections (a protected stack keeps its data, the registry
holds every image, KMS queues need the stack's key) are checked here.
"""

from __future__ import annotations

import re

from pydantic import Field, ValidationInfo, field_validator, model_validator

from infra.blueprint import IMAGES
from infra.config._base import RetentionDays, _Model
from infra.config.compute import ComputeConfig
from infra.config.data import (
    CacheConfig,
    DatabaseConfig,
    MessagingConfig,
    QueueEncryption,
    RegistryConfig,
)
from infra.config.delivery import CiConfig, GithubConfig
from infra.config.ingestion import IngestionConfig
from infra.config.network import NetworkConfig
from infra.config.platforms import GcpConfig, VercelConfig
from infra.config.security import SecurityConfig

_STACK_NAME = re.compile(r"^[a-z][a-z0-9-]{1,19}$")
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


class TagsConfig(_Model):
    """`tags`: `owner` and `costCenter` (1-128 characters), on every AWS resource."""

    owner: str = Field(min_length=1, max_length=128)
    cost_center: str = Field(min_length=1, max_length=128)


class LogsConfig(_Model):
    """`logs`: `retentionDays` (days, a CloudWatch Logs period) of every log group."""

    retention_days: RetentionDays


class AlarmsConfig(_Model):
    """`alarms`: `emails` (0-10) subscribed to the alarm topic."""

    emails: list[str] = Field(default_factory=list, max_length=10)

    @field_validator("emails")
    @classmethod
    def _emails(cls, emails: list[str]) -> list[str]:
        for email in emails:
            if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
                raise ValueError(f"{email!r} is not an email address")
        return emails


class EncryptionConfig(_Model):
    """`encryption`: whether the stack has its own customer-managed KMS key."""

    customer_managed_key: bool = Field(
        description="One customer-managed KMS key (rotated yearly) encrypts the stack's data "
        "stores, queues, secrets, logs and alarm topic; false uses AWS-managed keys."
    )


class StackConfig(_Model):
    """Everything one stack is configured to be."""

    project: str
    stack: str
    aws_region: str
    # The stack whose releases this one receives next: its first `up` comes after
    # that stack's (delivery order; the offline first-deploy check reads it). Unset or
    # empty: the stack deploys first, right after bootstrap/.
    promotes_from: str | None = None
    tags: TagsConfig
    protect_stateful_resources: bool = Field(
        description="Pulumi `protect` on every stateful resource (databases, caches, registries)."
    )
    network: NetworkConfig
    logs: LogsConfig
    encryption: EncryptionConfig
    database: DatabaseConfig
    cache: CacheConfig
    messaging: MessagingConfig
    registry: RegistryConfig
    alarms: AlarmsConfig = AlarmsConfig()
    compute: ComputeConfig
    ingestion: IngestionConfig
    github: GithubConfig
    # Third-party tokens for the GitHub environment's secrets; set with `--secret`.
    third_party_tokens: dict[str, str] = Field(default_factory=dict)
    ci: CiConfig
    gcp: GcpConfig
    vercel: VercelConfig
    security: SecurityConfig

    @model_validator(mode="after")
    def _protected_stacks_keep_their_data(self) -> StackConfig:
        # A stack whose state is protected must also survive a delete and keep a week of backups.
        if self.protect_stateful_resources:
            db = self.database
            missing = [
                name
                for name, ok in (
                    ("database.deletionProtection: true", db.deletion_protection),
                    ("database.finalSnapshot: true", db.final_snapshot),
                    ("database.backupRetentionDays >= 7", db.backup_retention_days >= 7),
                    ("cache.snapshotRetentionDays >= 1", self.cache.snapshot_retention_days >= 1),
                    ("compute.tls (no allowPlainHttp)", not self.compute.allow_plain_http),
                )
                if not ok
            ]
            if missing:
                raise ValueError(
                    "protectStatefulResources is true, so the stack also needs "
                    + ", ".join(missing)
                )
        needed = sorted(set(IMAGES) - set(self.registry.repositories))
        if needed:
            raise ValueError(
                f"registry.repositories lacks {', '.join(needed)}: the services run those images"
            )
        if (
            self.messaging.encryption is QueueEncryption.KMS
            and not self.encryption.customer_managed_key
        ):
            raise ValueError(
                "messaging.encryption 'kms' needs encryption.customerManagedKey: true "
                "(the queues use the stack's key)"
            )
        return self

    @model_validator(mode="after")
    def _security_baseline(self) -> StackConfig:
        # A protected stack is a production-shaped one: firewall and backup plan are on.
        if self.protect_stateful_resources:
            missing = [
                key
                for key, on in (
                    ("security.waf.enabled: true", self.security.waf.enabled),
                    ("security.backup.enabled: true", self.security.backup.enabled),
                )
                if not on
            ]
            if missing:
                raise ValueError(
                    "protectStatefulResources is true, so the stack also needs "
                    + ", ".join(missing)
                )
        if self.security.backup.enabled and not self.encryption.customer_managed_key:
            raise ValueError(
                "security.backup.enabled needs encryption.customerManagedKey: true (the backup "
                "vault is encrypted with the stack's key)"
            )
        return self

    @field_validator("third_party_tokens")
    @classmethod
    def _token_names(cls, tokens: dict[str, str]) -> dict[str, str]:
        for name in tokens:
            if not re.match(r"^[A-Z][A-Z0-9_]{1,99}$", name) or name.startswith("GITHUB_"):
                raise ValueError(
                    f"{name!r} is not a usable GitHub secret name (A-Z, 0-9, _; no GITHUB_)"
                )
        return tokens

    @field_validator("stack")
    @classmethod
    def _stack_name(cls, stack: str) -> str:
        if not _STACK_NAME.match(stack):
            raise ValueError(
                "must be 2-20 characters of lowercase letters, digits and '-', starting "
                "with a letter (it becomes part of every physical name)"
            )
        return stack

    @field_validator("promotes_from")
    @classmethod
    def _promotes_from(cls, earlier: str | None, info: ValidationInfo) -> str | None:
        if not earlier:
            return None
        if not _STACK_NAME.match(earlier):
            raise ValueError(
                "must name a stack: 2-20 characters of lowercase letters, digits and '-', "
                "starting with a letter"
            )
        if earlier == info.data.get("stack"):
            raise ValueError(
                "is the stack itself: name the stack whose releases this one receives, "
                "or leave it unset if the stack deploys first"
            )
        return earlier

    @field_validator("aws_region")
    @classmethod
    def _region(cls, region: str) -> str:
        if not _AWS_REGION.match(region):
            raise ValueError("must be an AWS region code such as us-east-1")
        return region

    @property
    def name_prefix(self) -> str:
        """`<project>-<stack>`: the start of every physical name, so stacks can share an account."""
        return f"{self.project}-{self.stack}"
