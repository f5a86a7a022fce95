"""`StackConfig`, the whole of one stack's config, and its stack-wide sections.

The rules that span sections (a protected stack keeps its data, every image the
services run is built by one configured repository, KMS queues need the stack's key,
an Artifact Registry push identity needs Google Cloud, a repository's secrets come
from `thirdPartyTokens`) are checked here.
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
)
from infra.config.delivery import CiConfig, GithubConfig, RepositoryKind
from infra.config.ingestion import IngestionConfig
from infra.config.network import NetworkConfig
from infra.config.platforms import GcpConfig, VercelConfig

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
    alarms: AlarmsConfig = AlarmsConfig()
    compute: ComputeConfig
    ingestion: IngestionConfig
    github: GithubConfig
    # Third-party tokens for the repositories' environment secrets (each repository names
    # the ones it receives in `github.repositories[].secrets`); set with `--secret`.
    third_party_tokens: dict[str, str] = Field(default_factory=dict)
    ci: CiConfig
    gcp: GcpConfig
    vercel: VercelConfig

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
        self._repositories_fit()
        if (
            self.messaging.encryption is QueueEncryption.KMS
            and not self.encryption.customer_managed_key
        ):
            raise ValueError(
                "messaging.encryption 'kms' needs encryption.customerManagedKey: true "
                "(the queues use the stack's key)"
            )
        return self

    def _repositories_fit(self) -> None:
        builders: dict[str, list[str]] = {}
        for repository in self.github.of_kind(RepositoryKind.SERVICES):
            for image in repository.images:
                builders.setdefault(image, []).append(repository.name)
        twice = {image: names for image, names in builders.items() if len(names) > 1}
        if twice:
            image, names = sorted(twice.items())[0]
            raise ValueError(
                f"github.repositories: image {image} is built by {' and '.join(names)}; "
                "each image has one repository that builds it"
            )
        missing = sorted(set(IMAGES) - set(builders))
        if missing:
            raise ValueError(
                f"github.repositories: no repository of kind services builds "
                f"{', '.join(missing)}, which the services run (list it in a services "
                "repository's images)"
            )
        frontends = [
            f"{self.github.owner}/{r.name}" for r in self.github.of_kind(RepositoryKind.FRONTEND)
        ]
        linked = self.vercel.git_repository
        if self.vercel.manage and linked is not None and frontends and linked not in frontends:
            raise ValueError(
                f"vercel.gitRepository = {linked!r} is not the governed frontend repository "
                f"({', '.join(frontends)}): the Vercel project builds the repository of kind "
                "frontend"
            )
        for index, repository in enumerate(self.github.repositories):
            if repository.artifact_registry and not self.gcp.enabled:
                raise ValueError(
                    f"github.repositories[{index}] ({repository.name}): artifactRegistry "
                    "needs gcp.enabled: the Artifact Registry repository is the stack's GKE "
                    "registry"
                )
            unknown = sorted(set(repository.secrets) - set(self.third_party_tokens))
            if unknown:
                raise ValueError(
                    f"github.repositories[{index}] ({repository.name}): secrets "
                    f"{', '.join(unknown)} are not in thirdPartyTokens (set each with "
                    "`pulumi config set --secret --path aevon:thirdPartyTokens.NAME`)"
                )

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
