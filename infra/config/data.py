"""Data sections: `database` (Aurora), `cache` (ElastiCache), `messaging` (SQS)."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from infra.aws.limits import (
    AURORA_ACU_STEP,
    AURORA_AUTO_PAUSE_SECONDS,
    AURORA_MAX_ACU,
    AURORA_PG_MIN_VERSION_FOR_ZERO,
    ELASTICACHE_TLS_AUTH_VERSIONS,
    RDS_MONITORING_INTERVALS,
    SECRET_ROTATION_DAYS,
    SQS_MAX_RETENTION_SECONDS,
)
from infra.blueprint import Service
from infra.config._base import _Model

_ENGINE_VERSION = re.compile(r"^(1[3-7])\.(\d{1,2})$")


class DatabaseConfig(_Model):
    """`database`: Aurora PostgreSQL Serverless v2.

    `engineVersion` 'MAJOR.MINOR' (13-17); `instances` 1-15 (writer + readers);
    `minCapacity`/`maxCapacity` in ACUs (0-256, 0.5 steps; 0 needs
    `secondsUntilAutoPause`, 300-86,400 s, and a version that scales to 0);
    `backupRetentionDays` 1-35; `enhancedMonitoringInterval` seconds (0 is off);
    `slowQueryMs` ms (-1 is off); `clients`: the services that may connect.
    AWS's limits: `infra.aws.limits`.
    """

    engine_version: str
    instances: int = Field(ge=1, le=15, description="writer + readers, spread over AZs")
    min_capacity: float = Field(ge=0, le=AURORA_MAX_ACU, multiple_of=AURORA_ACU_STEP)
    max_capacity: float = Field(ge=1, le=AURORA_MAX_ACU, multiple_of=AURORA_ACU_STEP)
    seconds_until_auto_pause: int | None = Field(
        default=None, ge=AURORA_AUTO_PAUSE_SECONDS[0], le=AURORA_AUTO_PAUSE_SECONDS[1]
    )
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
        if interval not in RDS_MONITORING_INTERVALS:
            allowed = ", ".join(
                f"{i} (off)" if i == 0 else str(i) for i in RDS_MONITORING_INTERVALS
            )
            raise ValueError(f"must be one of {allowed} seconds")
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
                    "minCapacity 0 (auto-pause) needs secondsUntilAutoPause "
                    f"({AURORA_AUTO_PAUSE_SECONDS[0]}-{AURORA_AUTO_PAUSE_SECONDS[1]})"
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
    def major_version(self) -> str:
        """The engine's major version (`16` of `16.6`): the parameter group family's suffix."""
        return self.engine_version.split(".")[0]


class CacheEngine(StrEnum):
    REDIS = "redis"
    VALKEY = "valkey"


_CACHE_NODE_TYPE = re.compile(r"^cache\.[a-z0-9]+\.[a-z0-9]+$")


class CacheConfig(_Model):
    """`cache`: ElastiCache (Redis OSS or Valkey) with TLS and AUTH.

    `engine` and `engineVersion` (a version with TLS and AUTH, `infra.aws.limits`);
    `nodeType` (`cache.<family>.<size>`); `nodes` 1-6; `snapshotRetentionDays`
    0-35 days; `clients`: the services that may connect; `authRotationDays`: days
    (1-1000, Secrets Manager's schedule) between rotations of the AUTH token.
    """

    engine: CacheEngine
    engine_version: str
    node_type: str
    nodes: int = Field(ge=1, le=6, description="primary + replicas; 2+ turns on Multi-AZ failover")
    snapshot_retention_days: int = Field(ge=0, le=35)
    clients: list[Service] = Field(min_length=1)
    auth_rotation_days: int = Field(
        default=30, ge=SECRET_ROTATION_DAYS[0], le=SECRET_ROTATION_DAYS[1]
    )

    @field_validator("node_type")
    @classmethod
    def _node_type(cls, node_type: str) -> str:
        if not _CACHE_NODE_TYPE.match(node_type):
            raise ValueError("must be an ElastiCache node type such as cache.t4g.micro")
        return node_type

    @model_validator(mode="after")
    def _version(self) -> CacheConfig:
        allowed = ELASTICACHE_TLS_AUTH_VERSIONS
        if self.engine_version not in allowed[self.engine]:
            raise ValueError(
                f"engineVersion {self.engine_version!r} is not a {self.engine.value} version "
                f"with encryption in transit and AUTH; use one of {', '.join(allowed[self.engine])}"
            )
        return self

    @property
    def multi_az(self) -> bool:
        """Two or more nodes: a replica in another AZ with automatic failover."""
        return self.nodes >= 2


class QueueEncryption(StrEnum):
    SQS = "sqs"  # SQS-managed keys (SSE-SQS)
    KMS = "kms"  # the stack's customer-managed key


class MessagingConfig(_Model):
    """`messaging`: the queues' settings (the queues themselves are the blueprint's).

    `maxReceiveCount` 1-1000 receives before the DLQ; `encryption` sqs or kms;
    `outboundHighThroughput` (FIFO high throughput); `oldestMessageAlarmSeconds`
    60 s to 14 days; `messageRetentionDays` 1-14 days.
    """

    max_receive_count: int = Field(ge=1, le=1000)
    encryption: QueueEncryption
    outbound_high_throughput: bool = False
    oldest_message_alarm_seconds: int = Field(default=900, ge=60, le=SQS_MAX_RETENTION_SECONDS)
    message_retention_days: int = Field(default=4, ge=1, le=14)
