"""`StackConfig`, the whole of one stack's config, and its stack-wide sections.

The rules that span sections (a protected stack keeps its data, every image the
services run is built by one configured repository, KMS queues need the stack's key,
an Artifact Registry push identity needs Google Cloud, a repository's secrets come
from `thirdPartyTokens`) are checked here.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from infra.blueprint import IMAGES, Service
from infra.config._base import PROJECT_NAMESPACE, RetentionDays, _Model
from infra.config.compute import ComputeConfig
from infra.config.data import (
    CacheConfig,
    DatabaseConfig,
    MessagingConfig,
    QueueEncryption,
)
from infra.config.delivery import CiConfig, GithubConfig, RepositoryKind
from infra.config.ingestion import IngestionConfig
from infra.config.network import NatStrategy, NetworkConfig
from infra.config.operations import (
    AlarmsConfig,
    BudgetConfig,
    ErrorTrackingConfig,
    MigrationsConfig,
    OperatorValue,
    is_https_url,
    operator_values,
)
from infra.config.platforms import GcpConfig, VercelConfig
from infra.config.security import SecurityConfig

_STACK_NAME = re.compile(r"^[a-z][a-z0-9-]{1,19}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
# The partition every ARN this program writes names (`arn:aws:...`).
PARTITION = "aws"


@functools.cache
def aws_regions() -> dict[str, str]:
    """Region code -> its partition, from botocore's published endpoint data (`endpoints.json`,
    the partitions and regions the AWS SDKs know)."""
    from botocore.loaders import create_loader  # noqa: PLC0415 - loaded once, when validating

    return {
        region: partition["partition"]
        for partition in create_loader().load_data("endpoints")["partitions"]
        for region in partition["regions"]
    }


class TagsConfig(_Model):
    """`tags`: `owner` and `costCenter` (1-128 characters), on every AWS resource."""

    owner: str = Field(min_length=1, max_length=128)
    cost_center: str = Field(min_length=1, max_length=128)


class LogsConfig(_Model):
    """`logs`: `retentionDays` (days, a CloudWatch Logs period) of every log group."""

    retention_days: RetentionDays


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
    # `aws:allowedAccountIds`: the one AWS account the stack's provider may touch (the
    # provider refuses credentials of any other account before it changes anything).
    aws_allowed_account_ids: list[str]
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
    compute: ComputeConfig
    ingestion: IngestionConfig
    github: GithubConfig
    # Third-party tokens for the repositories' environment secrets (each repository names
    # the ones it receives in `github.repositories[].secrets`); set with `--secret`.
    third_party_tokens: dict[str, str] = Field(default_factory=dict)
    ci: CiConfig
    gcp: GcpConfig
    vercel: VercelConfig
    # Operating the platform (infra/config/operations.py): who alerts reach, the release's
    # migration task, the budget, error tracking. Pager URLs and the DSN are secret config.
    alarms: AlarmsConfig
    pager_urls: dict[str, str] = Field(default_factory=dict)
    migrations: MigrationsConfig
    budget: BudgetConfig
    error_tracking: ErrorTrackingConfig
    error_tracking_dsn: str | None = None
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
                    (
                        "gcp.deletionProtection: true",
                        not self.gcp.enabled or self.gcp.deletion_protection,
                    ),
                    (
                        "github.environment.requireApproval: true (a second person gates "
                        "every deploy)",
                        not self.github.manage or self.github.environment.require_approval,
                    ),
                )
                if not ok
            ]
            if missing:
                raise ValueError(
                    "protectStatefulResources is true, so the stack also needs "
                    + ", ".join(missing)
                )
        if self.network.nat is NatStrategy.NONE:
            raise ValueError(
                "network.nat 'none' leaves the private subnets without a way to ECR (image "
                "pulls), CloudWatch Logs, SQS and Secrets Manager, which the Fargate services "
                "and the ingestion Lambda there need: the network has only the S3 and DynamoDB "
                "gateway endpoints, no interface endpoints; use nat 'instance', 'single' or "
                "'per_az'"
            )
        self._certificate_fits()
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

    def _certificate_fits(self) -> None:
        """An ALB listener takes an ACM certificate of its own region and account."""
        arn = self.compute.tls.certificate_arn if self.compute.tls else None
        if arn is None:
            return
        _, _, _, region, account, _ = arn.split(":", 5)
        if region != self.aws_region:
            raise ValueError(
                f"compute.tls.certificateArn {arn} is in region {region}; the load balancer "
                f"is in aws:region {self.aws_region} and takes only certificates of its own "
                "region (request or import it there)"
            )
        if account != self.aws_account_id:
            raise ValueError(
                f"compute.tls.certificateArn {arn} belongs to account {account}, not this "
                f"stack's account {self.aws_account_id} (aws:allowedAccountIds); the load "
                "balancer takes certificates of its own account only"
            )

    @model_validator(mode="after")
    def _operations(self) -> StackConfig:
        # Values an operator sets (operations.operator_values): present and well-formed.
        # Secret values are never repeated in a message.
        declared = operator_values(self._declarations())
        for value in declared:
            if not self._is_set(value):
                raise ValueError(
                    f"{value.key} is not set: {value.what}; set it once for this stack: "
                    f"{value.command(self.stack)}"
                )
        pagers = {n for n, c in self.alarms.channels.items() if c.pager}
        extra = sorted(set(self.pager_urls) - pagers)
        if extra:
            raise ValueError(f"pagerUrls has {extra}, which are not pager channels of alarms")
        bad = sorted(n for n in pagers if not is_https_url(self.pager_urls[n]))
        if bad:
            raise ValueError(
                f"pagerUrls {bad}: the value is not an https:// URL (SNS delivers to a pager "
                "over HTTPS only here)"
            )
        if self.error_tracking_dsn is not None and not self.error_tracking.enabled:
            raise ValueError("errorTrackingDsn is set but errorTracking.enabled is false")
        if self.error_tracking_dsn is not None and not is_https_url(self.error_tracking_dsn):
            raise ValueError("errorTrackingDsn: the value is not an https:// DSN")
        if Service.API not in self.database.clients:
            raise ValueError(
                "migrations run with the api's database credentials, but database.clients "
                f"({', '.join(c.value for c in self.database.clients)}) lacks api"
            )
        return self

    def _declarations(self) -> dict[str, object]:
        """This config's declarations in the raw shape `operator_values` reads."""
        return {
            f"{PROJECT_NAMESPACE}:alarms": self.alarms.model_dump(by_alias=True, mode="json"),
            f"{PROJECT_NAMESPACE}:errorTracking": self.error_tracking.model_dump(
                by_alias=True, mode="json"
            ),
        }

    def _is_set(self, value: OperatorValue) -> bool:
        if value.kind == "slack-channel-id":
            name = value.key.split(".")[-2]
            return self.alarms.channels[name].slack_channel_id is not None
        if value.kind == "pager-url":
            return bool(self.pager_urls.get(value.key.rsplit(".", 1)[-1]))
        return bool(self.error_tracking_dsn)

    @field_validator("error_tracking_dsn", mode="before")
    @classmethod
    def _unset_dsn(cls, dsn: object) -> object:
        return None if dsn == "" else dsn  # Pulumi.yaml's default: not set

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
        regions = aws_regions()
        if region not in regions:
            close = difflib.get_close_matches(region, list(regions), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ValueError(
                "is not an AWS region (botocore's endpoint data lists "
                f"{sum(p == PARTITION for p in regions.values())} in partition {PARTITION}){hint}"
            )
        if regions[region] != PARTITION:
            raise ValueError(
                f"is in partition {regions[region]}; this program's ARNs are arn:{PARTITION}:..., "
                f"so its stacks run in partition {PARTITION} only"
            )
        return region

    @field_validator("aws_allowed_account_ids", mode="before")
    @classmethod
    def _accounts(cls, value: Any) -> Any:
        if not isinstance(value, list) or len(value) != 1:
            raise ValueError(
                "must name exactly one AWS account, the one this stack may touch: "
                '["111122223333"] (pulumi config set --path "aws:allowedAccountIds[0]" <id>)'
            )
        (account,) = value
        if not isinstance(account, str):
            raise ValueError(
                "must be a quoted string: an account id is 12 digits and may start with 0, "
                "which a YAML number loses"
            )
        if not _ACCOUNT_ID.match(account):
            raise ValueError(f"{account!r} is not an AWS account id (12 digits)")
        return value

    @property
    def aws_account_id(self) -> str:
        """The AWS account the stack lives in (`aws:allowedAccountIds`)."""
        return self.aws_allowed_account_ids[0]

    @property
    def name_prefix(self) -> str:
        """`<project>-<stack>`: the start of every physical name, so stacks can share an account."""
        return f"{self.project}-{self.stack}"
