"""The one typed, validated view of a stack's configuration.

Every value the program uses comes from here. `load()` reads the whole of the
stack's config once, before any resource is registered, and either returns a
frozen `StackConfig` or raises a single `ConfigError` that names the stack, the
key, the value and what is allowed.

Environments differ only in their `Pulumi.<stack>.yaml`: nothing in the program
asks which stack it is in; it asks this package what the stack's config says.

One module per concern: `_base` (the model base, shared validators), `errors`
(the message), and one module per group of sections (`network`, `data`,
`compute`, `ingestion`, `delivery`, `platforms`, `operations`; `stack` holds `StackConfig`,
the stack-wide sections and the rules that span sections). The limits AWS
enforces live in `infra.aws.limits`; the services and queues in `infra.blueprint`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import ValidationError

from infra.config._base import FOREIGN_KEYS, PROJECT_NAMESPACE, RetentionDays
from infra.config.compute import ComputeConfig, ImageTagSource, ServiceConfig, TlsConfig
from infra.config.data import (
    CacheConfig,
    CacheEngine,
    DatabaseConfig,
    MessagingConfig,
    QueueEncryption,
)
from infra.config.delivery import (
    CiConfig,
    GithubConfig,
    GithubEnvironmentConfig,
    OidcProviderMode,
    RefPolicy,
    RepositoryConfig,
    RepositoryKind,
    Reviewers,
)
from infra.config.errors import ConfigError, message, problems
from infra.config.ingestion import ApiAuthorization, IngestionConfig, JwtConfig
from infra.config.keys import SECRET_KEYS, key_problems
from infra.config.network import FlowLogsConfig, NatStrategy, NetworkConfig
from infra.config.operations import (
    AlarmsConfig,
    BudgetConfig,
    ChannelConfig,
    ErrorTrackingConfig,
    MigrationsConfig,
    OperatorValue,
    Severity,
    operator_values,
)
from infra.config.platforms import (
    AuthorizedNetwork,
    GcpConfig,
    GkeMode,
    NodePoolConfig,
    VercelConfig,
    VercelTarget,
)
from infra.config.security import AccessLogsConfig, BackupConfig, SecurityConfig, WafConfig
from infra.config.stack import (
    EncryptionConfig,
    LogsConfig,
    StackConfig,
    TagsConfig,
)

__all__ = [
    "PROJECT_NAMESPACE",
    "SECRET_KEYS",
    "AccessLogsConfig",
    "AlarmsConfig",
    "ApiAuthorization",
    "AuthorizedNetwork",
    "BackupConfig",
    "BudgetConfig",
    "CacheConfig",
    "CacheEngine",
    "ChannelConfig",
    "CiConfig",
    "ComputeConfig",
    "ConfigError",
    "DatabaseConfig",
    "EncryptionConfig",
    "ErrorTrackingConfig",
    "FlowLogsConfig",
    "GcpConfig",
    "GithubConfig",
    "GithubEnvironmentConfig",
    "GkeMode",
    "ImageTagSource",
    "IngestionConfig",
    "JwtConfig",
    "LogsConfig",
    "MessagingConfig",
    "MigrationsConfig",
    "NatStrategy",
    "NetworkConfig",
    "NodePoolConfig",
    "OidcProviderMode",
    "OperatorValue",
    "QueueEncryption",
    "RefPolicy",
    "RepositoryConfig",
    "RepositoryKind",
    "RetentionDays",
    "Reviewers",
    "SecurityConfig",
    "ServiceConfig",
    "Severity",
    "StackConfig",
    "TagsConfig",
    "TlsConfig",
    "VercelConfig",
    "VercelTarget",
    "WafConfig",
    "load",
    "operator_values",
    "parse",
]


def _decode(raw: str | Any) -> Any:
    """Pulumi hands the program structured values as JSON text and scalars as plain text."""
    if isinstance(raw, str) and raw[:1] in "{[":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


# The `aevon:` keys StackConfig reads (its other fields come from the stack or FOREIGN_KEYS).
PROJECT_KEYS = frozenset(
    f"{PROJECT_NAMESPACE}:{f.alias}"
    for f in StackConfig.model_fields.values()
    if f.alias and f.alias not in {"project", "stack", *FOREIGN_KEYS.values()}
)


def parse(
    project: str, stack: str, raw: Mapping[str, Any], secret_keys: Collection[str] | None = None
) -> StackConfig:
    """Validate a stack's raw config map (keys `namespace:key`) into a StackConfig.

    Pure: no Pulumi runtime needed, so tests and tools call it directly. Raises one
    `ConfigError` listing every problem: the keys the program would not read as meant
    (`infra.config.keys`: misspelled keys and namespaces, provider keys it ignores,
    credentials in config; plaintext secrets only when the caller says which keys are
    secret) and every value the model refuses.
    """
    found = key_problems(raw, secret_keys, PROJECT_KEYS, _decode)
    data: dict[str, Any] = {"project": project, "stack": stack}
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if full_key in FOREIGN_KEYS:
            data[FOREIGN_KEYS[full_key]] = _decode(value)
        elif namespace == PROJECT_NAMESPACE:
            data[key] = _decode(value)
    try:
        config = StackConfig.model_validate(data)
    except ValidationError as error:
        found += problems(error, data, StackConfig)
        config = None
    if found or config is None:
        raise ConfigError(message(stack, _without_explained_missing(found)))
    return config


_SUGGESTION = re.compile(r"^(?P<key>\S+): .*did you mean (?P<fix>[^?\s]+)\?")


def _without_explained_missing(lines: list[str]) -> list[str]:
    """`lines` without "K: required key is missing" where another line already names K as
    the fix of a misspelled key (`aws:regoin`: did you mean aws:region?): one mistake,
    one line."""
    fixes = set()
    for line in lines:
        found = _SUGGESTION.match(line)
        if found:
            key, fix = found["key"], found["fix"]
            parent = key.rpartition(".")[0] if "." in key else ""
            fixes.add(fix if ":" in fix or not parent else f"{parent}.{fix}")
    missing = ": required key is missing"
    return [
        line for line in lines if not (line.endswith(missing) and line[: -len(missing)] in fixes)
    ]


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
