"""The one typed, validated view of a stack's configuration.

Every value the program uses comes from here. `load()` reads the whole of the
stack's config once, before any resource is registered, and either returns a
frozen `StackConfig` or raises a single `ConfigError` that names the stack, the
key, the value and what is allowed.

Environments differ only in their `Pulumi.<stack>.yaml`: nothing in the program
asks which stack it is in; it asks this module what the stack's config says.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Collection, Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

PROJECT_NAMESPACE = "aevon"

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)  # fmt: skip

_STACK_NAME = re.compile(r"^[a-z][a-z0-9-]{1,19}$")
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


class ConfigError(pulumi.RunError):
    """Invalid stack configuration.

    A `pulumi.RunError`, so the Pulumi language host prints the message alone,
    without a Python traceback.
    """


class _Model(BaseModel):
    """Base for config sections: camelCase keys, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        use_enum_values=False,
    )


def _retention(days: int) -> int:
    if days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in LOG_RETENTION_DAYS)
        raise ValueError(f"must be one of the CloudWatch Logs retention periods: {allowed}")
    return days


RetentionDays = Annotated[int, AfterValidator(_retention)]


class NatStrategy(StrEnum):
    """How private subnets reach the internet."""

    NONE = "none"  # no NAT gateway: private subnets have no default route
    SINGLE = "single"  # one NAT gateway in the first AZ, shared (cheap, one AZ of failure)
    PER_AZ = "per_az"  # one NAT gateway per AZ (highly available)


class FlowLogsConfig(_Model):
    retention_days: RetentionDays = 30


class NetworkConfig(_Model):
    cidr: ipaddress.IPv4Network
    az_count: int = Field(ge=2, le=6)
    nat: NatStrategy
    flow_logs: FlowLogsConfig = FlowLogsConfig()

    @field_validator("cidr", mode="before")
    @classmethod
    def _strict_cidr(cls, value: Any) -> Any:
        # ipaddress would silently accept a bare address as a /32; demand CIDR notation,
        # and say why a value is not a network rather than pydantic's generic text.
        if not isinstance(value, str) or "/" not in value:
            raise ValueError("must be a CIDR block such as 10.10.0.0/16")
        try:
            return ipaddress.IPv4Network(value)
        except ValueError as exc:
            raise ValueError(f"is not a valid IPv4 CIDR block ({exc})") from None

    @field_validator("cidr")
    @classmethod
    def _sized_private_cidr(cls, cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if not 16 <= cidr.prefixlen <= 20:
            raise ValueError(
                "must have a prefix length between /16 and /20 "
                "(AWS allows /16 at most; /20 is the smallest that fits 6 AZs of 3 tiers)"
            )
        if not cidr.is_private:
            raise ValueError("must be a private (RFC 1918) range such as 10.0.0.0/8")
        return cidr


class Service(StrEnum):
    """The ECS services of the blueprint; each gets its own security group and roles."""

    API = "api"
    WEB = "web"
    CORE_WORKER = "core-worker"
    DELIVERY_WORKER = "delivery-worker"


# The image (ECR repository) each service runs; both workers share the worker image.
SERVICE_IMAGE: dict[Service, str] = {
    Service.API: "api",
    Service.WEB: "web",
    Service.CORE_WORKER: "worker",
    Service.DELIVERY_WORKER: "worker",
}


class EncryptionConfig(_Model):
    customer_managed_key: bool = Field(
        description="One customer-managed KMS key (rotated yearly) encrypts the stack's data "
        "stores, queues, secrets, logs and alarm topic; false uses AWS-managed keys."
    )


# Aurora PostgreSQL versions that support Serverless v2 scaling to 0 ACU (auto-pause).
AURORA_PG_MIN_VERSION_FOR_ZERO = {13: 15, 14: 12, 15: 7, 16: 3, 17: 1}
_ENGINE_VERSION = re.compile(r"^(1[3-7])\.(\d{1,2})$")


class DatabaseConfig(_Model):
    engine_version: str
    instances: int = Field(ge=1, le=15, description="writer + readers, spread over AZs")
    min_capacity: float = Field(ge=0, le=256, multiple_of=0.5)
    max_capacity: float = Field(ge=1, le=256, multiple_of=0.5)
    seconds_until_auto_pause: int | None = Field(default=None, ge=300, le=86400)
    backup_retention_days: int = Field(ge=1, le=35)
    deletion_protection: bool
    final_snapshot: bool
    performance_insights: bool = False
    enhanced_monitoring_interval: int = Field(default=0)
    slow_query_ms: int = Field(default=500, ge=-1, le=60_000)
    clients: list[Service] = Field(min_length=1)

    @field_validator("engine_version")
    @classmethod
    def _version(cls, version: str) -> str:
        if not _ENGINE_VERSION.match(version):
            majors = ", ".join(str(m) for m in AURORA_PG_MIN_VERSION_FOR_ZERO)
            raise ValueError(
                f"must be an Aurora PostgreSQL version 'MAJOR.MINOR' with major in {majors}"
            )
        return version

    @field_validator("enhanced_monitoring_interval")
    @classmethod
    def _interval(cls, interval: int) -> int:
        if interval not in (0, 1, 5, 10, 15, 30, 60):
            raise ValueError("must be one of 0 (off), 1, 5, 10, 15, 30, 60 seconds")
        return interval

    @model_validator(mode="after")
    def _scaling(self) -> DatabaseConfig:
        if self.min_capacity > self.max_capacity:
            raise ValueError(
                f"minCapacity ({self.min_capacity}) must not exceed maxCapacity "
                f"({self.max_capacity})"
            )
        if self.min_capacity == 0:
            if self.seconds_until_auto_pause is None:
                raise ValueError(
                    "minCapacity 0 (auto-pause) needs secondsUntilAutoPause (300-86400)"
                )
            major, minor = (int(p) for p in self.engine_version.split("."))
            if minor < AURORA_PG_MIN_VERSION_FOR_ZERO[major]:
                raise ValueError(
                    f"engineVersion {self.engine_version} cannot scale to 0 ACU; use "
                    f"{major}.{AURORA_PG_MIN_VERSION_FOR_ZERO[major]} or later"
                )
        elif self.seconds_until_auto_pause is not None:
            raise ValueError("secondsUntilAutoPause applies only when minCapacity is 0")
        return self


class CacheEngine(StrEnum):
    REDIS = "redis"
    VALKEY = "valkey"


_CACHE_NODE_TYPE = re.compile(r"^cache\.[a-z0-9]+\.[a-z0-9]+$")


class CacheConfig(_Model):
    engine: CacheEngine
    engine_version: str
    node_type: str
    nodes: int = Field(ge=1, le=6, description="primary + replicas; 2+ turns on Multi-AZ failover")
    snapshot_retention_days: int = Field(ge=0, le=35)
    clients: list[Service] = Field(min_length=1)

    @field_validator("node_type")
    @classmethod
    def _node_type(cls, node_type: str) -> str:
        if not _CACHE_NODE_TYPE.match(node_type):
            raise ValueError("must be an ElastiCache node type such as cache.t4g.micro")
        return node_type

    @model_validator(mode="after")
    def _version(self) -> CacheConfig:
        allowed = {CacheEngine.REDIS: ("7.0", "7.1"), CacheEngine.VALKEY: ("7.2", "8.0", "8.1")}
        if self.engine_version not in allowed[self.engine]:
            raise ValueError(
                f"engineVersion {self.engine_version!r} is not a {self.engine.value} version "
                f"with encryption in transit and AUTH; use one of {', '.join(allowed[self.engine])}"
            )
        return self


class QueueEncryption(StrEnum):
    SQS = "sqs"  # SQS-managed keys (SSE-SQS)
    KMS = "kms"  # the stack's customer-managed key


class MessagingConfig(_Model):
    max_receive_count: int = Field(ge=1, le=1000)
    encryption: QueueEncryption
    outbound_high_throughput: bool = False
    oldest_message_alarm_seconds: int = Field(default=900, ge=60, le=1_209_600)
    message_retention_days: int = Field(default=4, ge=1, le=14)


_REPOSITORY_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")


class RegistryConfig(_Model):
    repositories: list[str] = Field(min_length=1, max_length=20)
    untagged_expiry_days: int = Field(ge=1, le=365)
    keep_release_tags: int = Field(ge=1, le=1000)

    @field_validator("repositories")
    @classmethod
    def _names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not _REPOSITORY_NAME.match(name):
                raise ValueError(
                    f"{name!r} is not a valid ECR repository name (lowercase, digits, . _ -)"
                )
        if len(set(names)) != len(names):
            raise ValueError("repository names must be unique")
        return names


class AlarmsConfig(_Model):
    emails: list[str] = Field(default_factory=list, max_length=10)

    @field_validator("emails")
    @classmethod
    def _emails(cls, emails: list[str]) -> list[str]:
        for email in emails:
            if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
                raise ValueError(f"{email!r} is not an email address")
        return emails


class LogsConfig(_Model):
    retention_days: RetentionDays


# Fargate CPU units -> the memory sizes (MiB) Fargate offers with them.
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
}


class ServiceConfig(_Model):
    cpu: int
    memory: int
    desired: int = Field(ge=0, le=100)
    min: int = Field(ge=0, le=100)
    max: int = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _sizes(self) -> ServiceConfig:
        if self.cpu not in FARGATE_MEMORY:
            raise ValueError(
                f"cpu {self.cpu} is not a Fargate size; use one of "
                + ", ".join(str(c) for c in FARGATE_MEMORY)
            )
        if self.memory not in FARGATE_MEMORY[self.cpu]:
            offered = FARGATE_MEMORY[self.cpu]
            raise ValueError(
                f"Fargate does not offer cpu {self.cpu} with memory {self.memory}; with cpu "
                f"{self.cpu} memory must be one of {offered[0]}..{offered[-1]} "
                f"({', '.join(str(m) for m in offered)})"
            )
        if not self.min <= self.desired <= self.max:
            raise ValueError(
                f"need min <= desired <= max, got min {self.min}, desired {self.desired}, "
                f"max {self.max}"
            )
        return self


class ImageTagSource(StrEnum):
    SSM = "ssm"  # the deploy workflow writes the tag to an SSM parameter; up reads it
    CONFIG = "config"  # pinned in the stack file (per-PR stacks, emergency pins)


_GIT_SHA = re.compile(r"^[0-9a-f]{7,40}$")


_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class TlsConfig(_Model):
    """HTTPS on the load balancer: an existing ACM certificate, or a host name in a
    Route 53 zone of the account for which the stack issues and validates one."""

    certificate_arn: str | None = None
    zone_name: str | None = None
    host_name: str | None = None

    @field_validator("certificate_arn")
    @classmethod
    def _certificate(cls, arn: str | None) -> str | None:
        if arn is not None and not re.match(
            r"^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[\w-]+$", arn
        ):
            raise ValueError(
                "must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)"
            )
        return arn

    @field_validator("zone_name", "host_name")
    @classmethod
    def _host(cls, name: str | None) -> str | None:
        if name is not None and not _HOST.match(name):
            raise ValueError("must be a lowercase DNS name such as api.example.com")
        return name

    @model_validator(mode="after")
    def _one_source(self) -> TlsConfig:
        issue = self.zone_name is not None or self.host_name is not None
        if (self.certificate_arn is not None) == issue:
            raise ValueError("give exactly one of certificateArn, or zoneName with hostName")
        if self.zone_name is None or self.host_name is None:
            if issue:
                raise ValueError("zoneName and hostName go together")
        elif self.host_name != self.zone_name and not self.host_name.endswith(f".{self.zone_name}"):
            raise ValueError(f"hostName {self.host_name} is not inside zoneName {self.zone_name}")
        return self


class ComputeConfig(_Model):
    container_insights: bool
    # FARGATE_SPOT share: 0 = on-demand only; with onDemandBase tasks always on-demand.
    spot_weight: int = Field(ge=0, le=10)
    on_demand_weight: int = Field(ge=0, le=10)
    on_demand_base: int = Field(default=0, ge=0, le=100)
    wait_for_steady_state: bool
    image_tag_source: ImageTagSource
    image_tag: str | None = None
    tls: TlsConfig | None = None
    allow_plain_http: bool = False
    services: dict[Service, ServiceConfig]

    @model_validator(mode="after")
    def _rules(self) -> ComputeConfig:
        missing = [s.value for s in Service if s not in self.services]
        if missing:
            raise ValueError(
                f"services needs an entry for every service; missing: {', '.join(missing)}"
            )
        if self.spot_weight + self.on_demand_weight == 0:
            raise ValueError("spotWeight and onDemandWeight cannot both be 0")
        if self.tls is None and not self.allow_plain_http:
            raise ValueError(
                "no tls: the load balancer would serve plain HTTP; configure tls, or set "
                "allowPlainHttp: true where plain HTTP is acceptable (never in prod)"
            )
        if self.tls is not None and self.allow_plain_http:
            raise ValueError("only one of tls or allowPlainHttp: true")
        if self.image_tag_source is ImageTagSource.CONFIG:
            if self.image_tag is None or not _GIT_SHA.match(self.image_tag):
                raise ValueError(
                    "imageTagSource 'config' needs imageTag: a git commit SHA (7-40 hex)"
                )
        elif self.image_tag is not None:
            raise ValueError("imageTag applies only with imageTagSource 'config'")
        return self


class ApiAuthorization(StrEnum):
    IAM = "iam"
    JWT = "jwt"


class JwtConfig(_Model):
    issuer: str = Field(pattern=r"^https://")
    audience: list[str] = Field(min_length=1)


class IngestionConfig(_Model):
    authorization: ApiAuthorization
    jwt: JwtConfig | None = None
    throttle_burst: int = Field(ge=1, le=5000)
    throttle_rate: float = Field(gt=0, le=10000)
    reserved_concurrency: int = Field(ge=2, le=1000)
    fetch_batch_size: int = Field(ge=1, le=10)

    @model_validator(mode="after")
    def _jwt(self) -> IngestionConfig:
        if (self.authorization is ApiAuthorization.JWT) != (self.jwt is not None):
            raise ValueError(
                "jwt {issuer, audience} is required exactly when authorization is 'jwt'"
            )
        return self


_GITHUB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_GITHUB_ENV = re.compile(r"^[a-z][a-z0-9-]{1,30}$")


def _github_name(value: str) -> str:
    if not _GITHUB_NAME.match(value):
        raise ValueError(
            "must be a literal GitHub name (letters, digits, '.', '_', '-'); wildcards would "
            "widen the OIDC subject the deploy roles trust"
        )
    return value


GithubName = Annotated[str, AfterValidator(_github_name)]


class Reviewers(_Model):
    teams: list[GithubName] = Field(default_factory=list)
    users: list[GithubName] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.teams or self.users)


class RefPolicy(_Model):
    branches: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one(self) -> RefPolicy:
        if not (self.branches or self.tags):
            raise ValueError("name the branches or tags that may deploy")
        return self


class GithubEnvironmentConfig(_Model):
    name: str
    require_approval: bool
    reviewers: Reviewers = Reviewers()
    wait_timer_minutes: int = Field(default=0, ge=0, le=43200)
    prevent_self_review: bool = True
    refs: RefPolicy

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _GITHUB_ENV.match(name):
            raise ValueError("must be a lowercase environment name such as production")
        return name

    @model_validator(mode="after")
    def _approvers(self) -> GithubEnvironmentConfig:
        if self.require_approval and self.reviewers.empty:
            raise ValueError(
                f"environment {self.name} requires approval but lists no reviewers "
                "(reviewers.teams or reviewers.users)"
            )
        if not self.require_approval and not self.reviewers.empty:
            raise ValueError(
                f"environment {self.name} lists reviewers but requireApproval is false"
            )
        return self


class GithubConfig(_Model):
    # false: this stack leaves GitHub alone (per-PR stacks: their job has no GitHub token).
    manage: bool = True
    owner: GithubName
    repository: GithubName
    environment: GithubEnvironmentConfig
    # A second, earlier gate with a disjoint reviewer team: two real approvals.
    approval_environment: GithubEnvironmentConfig | None = None
    owns_rulesets: bool = False
    required_checks: list[str] = Field(default_factory=list)
    required_approvals: int = Field(default=1, ge=1, le=6)
    # Teams (slugs) that may create release tags; everyone else is refused by a ruleset.
    release_tag_creators: list[GithubName] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self) -> GithubConfig:
        if not self.manage and (self.owns_rulesets or self.approval_environment is not None):
            raise ValueError("ownsRulesets and approvalEnvironment need manage: true")
        if self.owns_rulesets and not self.release_tag_creators:
            raise ValueError(
                "the stack that owns the rulesets must list releaseTagCreators (team slugs): "
                "otherwise anyone with write access can create a release tag"
            )
        gate = self.approval_environment
        if gate is not None:
            if not (gate.require_approval and self.environment.require_approval):
                raise ValueError("both chained environments must require approval")
            shared = {*gate.reviewers.teams, *gate.reviewers.users} & {
                *self.environment.reviewers.teams,
                *self.environment.reviewers.users,
            }
            if shared:
                raise ValueError(
                    f"the two approval environments share reviewers ({', '.join(sorted(shared))}); "
                    "they must be disjoint so that two different people approve"
                )
        if self.owns_rulesets and not self.required_checks:
            raise ValueError("the stack that owns the rulesets must list requiredChecks")
        return self

    @property
    def oidc_subject(self) -> str:
        """The exact `sub` claim of this stack's deploy jobs."""
        return f"repo:{self.owner}/{self.repository}:environment:{self.environment.name}"


class OidcProviderMode(StrEnum):
    CREATE = "create"  # this stack creates the account's GitHub OIDC provider
    LOOKUP = "lookup"  # it exists (bootstrap or another stack): look it up


class CiConfig(_Model):
    github_oidc_provider: OidcProviderMode
    # Exactly one stack per account owns the account-level read-only preview/drift roles.
    account_roles: bool


class GkeMode(StrEnum):
    AUTOPILOT = "autopilot"
    STANDARD = "standard"


class AuthorizedNetwork(_Model):
    name: str = Field(min_length=1, max_length=64)
    cidr: ipaddress.IPv4Network

    @field_validator("cidr")
    @classmethod
    def _not_world(cls, cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if cidr.prefixlen < 8:
            raise ValueError(
                f"{cidr} opens the GKE control plane to (a large part of) the internet; "
                "list specific networks (/8 or narrower), never 0.0.0.0/0"
            )
        return cidr


class NodePoolConfig(_Model):
    machine_type: str = Field(pattern=r"^[a-z0-9]+-[a-z0-9-]+$")
    min_nodes: int = Field(ge=0, le=100)
    max_nodes: int = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _bounds(self) -> NodePoolConfig:
        if self.min_nodes > self.max_nodes:
            raise ValueError(
                f"minNodes ({self.min_nodes}) must not exceed maxNodes ({self.max_nodes})"
            )
        return self


class GcpConfig(_Model):
    enabled: bool
    project_id: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
    region: str = Field(default="us-central1", pattern=r"^[a-z]+-[a-z]+\d$")
    regional: bool = True
    mode: GkeMode = GkeMode.AUTOPILOT
    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = "REGULAR"
    subnet_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network("10.100.0.0/20")
    pods_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network("10.104.0.0/14")
    services_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network("10.108.0.0/20")
    master_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network("172.16.0.0/28")
    authorized_networks: list[AuthorizedNetwork] = Field(default_factory=list)
    deletion_protection: bool = True
    node_pool: NodePoolConfig | None = None
    registry_keep_recent: int = Field(default=20, ge=1, le=1000)
    registry_untagged_days: int = Field(default=7, ge=1, le=365)

    @model_validator(mode="after")
    def _shape(self) -> GcpConfig:
        if not self.enabled:
            return self
        if self.project_id is None:
            raise ValueError("enabled needs projectId")
        if self.master_cidr.prefixlen != 28:
            raise ValueError("masterCidr must be a /28 (GKE's control-plane range)")
        ranges = [self.subnet_cidr, self.pods_cidr, self.services_cidr, self.master_cidr]
        for i, a in enumerate(ranges):
            for b in ranges[i + 1 :]:
                if a.overlaps(b):
                    raise ValueError(f"GKE ranges {a} and {b} overlap")
        if (self.mode is GkeMode.STANDARD) != (self.node_pool is not None):
            raise ValueError(
                "nodePool is required with mode standard and not allowed with autopilot"
            )
        return self


class VercelTarget(StrEnum):
    PRODUCTION = "production"
    PREVIEW = "preview"
    DEVELOPMENT = "development"


class VercelConfig(_Model):
    # false: this stack leaves Vercel alone (per-PR stacks, which share dev's config).
    manage: bool = True
    team: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")
    project_name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")
    target: VercelTarget
    owns_project: bool
    root_directory: str = "apps/web"
    domain: str | None = Field(
        default=None, max_length=253, pattern=r"^([a-z0-9-]+\.)+[a-z]{2,63}$"
    )
    git_repository: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

    @model_validator(mode="after")
    def _owner_only(self) -> VercelConfig:
        if not self.manage and self.owns_project:
            raise ValueError("ownsProject needs manage: true")
        if not self.owns_project and (self.domain is not None or self.git_repository is not None):
            raise ValueError(
                "only the stack that owns the Vercel project sets domain and gitRepository"
            )
        if self.owns_project and self.git_repository is None:
            raise ValueError(
                "the stack that owns the Vercel project links it: gitRepository (owner/name)"
            )
        return self


class TagsConfig(_Model):
    owner: str = Field(min_length=1, max_length=128)
    cost_center: str = Field(min_length=1, max_length=128)


class StackConfig(_Model):
    """Everything one stack is configured to be."""

    project: str
    stack: str
    aws_region: str
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
        needed = sorted(set(SERVICE_IMAGE.values()) - set(self.registry.repositories))
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

    @field_validator("aws_region")
    @classmethod
    def _region(cls, region: str) -> str:
        if not _AWS_REGION.match(region):
            raise ValueError("must be an AWS region code such as us-east-1")
        return region

    @property
    def services(self) -> list[Service]:
        """The ECS services, in blueprint order."""
        return list(Service)

    @property
    def name_prefix(self) -> str:
        """`<project>-<stack>`: the start of every physical name, so stacks can share an account."""
        return f"{self.project}-{self.stack}"


# Keys that live outside the project namespace, mapped to StackConfig fields.
_FOREIGN_KEYS = {"aws:region": "awsRegion"}


def _decode(raw: str | Any) -> Any:
    """Pulumi hands the program structured values as JSON text and scalars as plain text."""
    if isinstance(raw, str) and raw[:1] in "{[":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def _key_for(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return ""
    head = str(loc[0])
    foreign = {v: k for k, v in _FOREIGN_KEYS.items()}
    root = foreign.get(head, f"{PROJECT_NAMESPACE}:{head}")
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
    return root + path


def _value_at(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> Any:
    value: Any = data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return "<missing>"
    return value


def _explain(stack: str, error: ValidationError, data: Mapping[str, Any]) -> str:
    lines = [f"stack '{stack}': invalid configuration ({error.error_count()} problem(s))"]
    for problem in error.errors(include_url=False):
        loc = tuple(problem["loc"])
        key = _key_for(loc)
        if problem["type"] == "extra_forbidden":
            allowed = _allowed_keys_at(loc[:-1])
            lines.append(f"  - {key}: unknown key; allowed here: {', '.join(allowed)}")
            continue
        value = _value_at(data, loc)
        if problem["type"] == "missing":
            lines.append(f"  - {key}: required key is missing")
            continue
        message = str(problem["msg"]).removeprefix("Value error, ")
        if not loc or isinstance(value, dict):
            # A cross-field rule: the message itself names the fields and their values.
            lines.append(f"  - {key or 'stack config'}: {message}")
        else:
            lines.append(f"  - {key} = {json.dumps(value, default=str)}: {message}")
    return "\n".join(lines)


def _allowed_keys_at(loc: tuple[int | str, ...]) -> list[str]:
    model: Any = StackConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = next(
            (f for n, f in model.model_fields.items() if part in (n, f.alias)),
            None,
        )
        if field is None or not isinstance(field.annotation, type):
            return []
        model = field.annotation
    if not isinstance(model, type) or not issubclass(model, BaseModel):
        return []
    if model is StackConfig:
        internal = {"project", "stack", "awsRegion"}
        return [
            f"{PROJECT_NAMESPACE}:{f.alias}"
            for f in model.model_fields.values()
            if f.alias not in internal
        ]
    return [f.alias or n for n, f in model.model_fields.items()]


SECRET_KEYS = {f"{PROJECT_NAMESPACE}:thirdPartyTokens"}


def parse(
    project: str, stack: str, raw: Mapping[str, Any], secret_keys: Collection[str] | None = None
) -> StackConfig:
    """Validate a stack's raw config map (keys `namespace:key`) into a StackConfig.

    Pure: no Pulumi runtime needed, so tests and tools call it directly. Keys that
    must be secret (`SECRET_KEYS`) are refused when set in plaintext, if the caller
    says which keys are secret.
    """
    if secret_keys is not None:
        plain = sorted(
            k for k in SECRET_KEYS if raw.get(k) not in (None, "", "{}") and k not in secret_keys
        )
        if plain:
            raise ConfigError(
                f"stack '{stack}': invalid configuration (1 problem(s))\n  - {plain[0]}: is set in "
                f"plaintext; set it with `pulumi config set --secret --path {plain[0]}.NAME`"
            )
    data: dict[str, Any] = {"project": project, "stack": stack}
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if full_key in _FOREIGN_KEYS:
            data[_FOREIGN_KEYS[full_key]] = _decode(value)
        elif namespace == PROJECT_NAMESPACE:
            data[key] = _decode(value)
    try:
        return StackConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_explain(stack, error, data)) from None


def load() -> StackConfig:
    """Read the running stack's whole config once and validate it.

    Called first in `__main__.py`, so a bad value stops the program before any
    resource is registered.
    """
    raw: dict[str, Any] = {
        **runtime_config.get_config_env(),
        **runtime_config.CONFIG.get(),
    }
    secret = {k for k in raw if runtime_config.is_config_secret(k)}
    return parse(pulumi.get_project(), pulumi.get_stack(), raw, secret)


# Objects that exist once per account, repository or Vercel team: exactly one stack may own each.
def ownership(cfg: StackConfig) -> dict[str, str]:
    """The shared objects this stack manages, by a key that is the same in every stack."""
    repo = f"{cfg.github.owner}/{cfg.github.repository}"
    vercel = f"{cfg.vercel.team}/{cfg.vercel.project_name}"
    owned: dict[str, str] = {}
    if cfg.github.manage:
        owned[f"github-environment:{repo}:{cfg.github.environment.name}"] = "github.environment"
    if cfg.vercel.manage:
        owned[f"vercel-target:{vercel}:{cfg.vercel.target.value}"] = "vercel.target"
    if cfg.github.approval_environment is not None:
        owned[f"github-environment:{repo}:{cfg.github.approval_environment.name}"] = (
            "github.approvalEnvironment"
        )
    if cfg.github.owns_rulesets:
        owned[f"github-rulesets:{repo}"] = "github.ownsRulesets"
    if cfg.vercel.owns_project:
        owned[f"vercel-project:{vercel}"] = "vercel.ownsProject"
    if cfg.ci.github_oidc_provider is OidcProviderMode.CREATE:
        owned["aws-github-oidc-provider"] = "ci.githubOidcProvider"
    if cfg.ci.account_roles:
        owned["aws-ci-read-only-roles"] = "ci.accountRoles"
    return owned


def check_single_ownership(configs: Mapping[str, StackConfig]) -> None:
    """Raise one ConfigError if two stacks claim the same shared object."""
    owners: dict[str, list[tuple[str, str]]] = {}
    for stack, cfg in configs.items():
        for key, config_key in ownership(cfg).items():
            owners.setdefault(key, []).append((stack, config_key))
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    if clashes:
        lines = ["stacks claim the same shared object (exactly one may own it):"]
        for key, claims in sorted(clashes.items()):
            who = ", ".join(f"stack '{s}' ({PROJECT_NAMESPACE}:{k})" for s, k in claims)
            lines.append(f"  - {key}: {who}")
        raise ConfigError("\n".join(lines))
