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
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

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


class Workload(StrEnum):
    """The workloads of the AWS blueprint; each gets its own security group and role."""

    API = "api"
    WEB = "web"
    CORE_WORKER = "core-worker"
    DELIVERY_WORKER = "delivery-worker"
    INGEST_LAMBDA = "ingest-lambda"


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
    clients: list[Workload] = Field(min_length=1)

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

    @property
    def major_version(self) -> int:
        return int(self.engine_version.split(".")[0])


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
    clients: list[Workload] = Field(min_length=1)

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

    @property
    def multi_az(self) -> bool:
        return self.nodes >= 2


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
                )
                if not ok
            ]
            if missing:
                raise ValueError(
                    "protectStatefulResources is true, so the stack also needs "
                    + ", ".join(missing)
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
    def workloads_with_data_access(self) -> list[Workload]:
        """Workloads named as clients of the database or the cache, in blueprint order."""
        wanted = {*self.database.clients, *self.cache.clients}
        return [w for w in Workload if w in wanted]

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


def parse(project: str, stack: str, raw: Mapping[str, Any]) -> StackConfig:
    """Validate a stack's raw config map (keys `namespace:key`) into a StackConfig.

    Pure: no Pulumi runtime needed, so tests and tools call it directly.
    """
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
    return parse(pulumi.get_project(), pulumi.get_stack(), raw)
