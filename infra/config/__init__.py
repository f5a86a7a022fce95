"""The one typed, validated view of a stack's configuration.

Every value the program uses comes from here. `load()` reads the whole of the
stack's config once, before any resource is registered, and either returns a
frozen `StackConfig` or raises a single `ConfigError` that names the stack, the
key, the value and what is allowed.

Environments differ only in their `Pulumi.<stack>.yaml`: nothing in the program
asks which stack it is in; it asks this package what the stack's config says.

One module per concern: `_base` (the model base, shared validators), `errors`
(the message), and one module per group of sections (`network`, `data`,
`compute`, `ingestion`, `delivery`, `platforms`; `stack` holds `StackConfig`,
the stack-wide sections and the rules that span sections). The limits AWS
enforces live in `infra.aws.limits`; the services and queues in `infra.blueprint`.
"""

from __future__ import annotations

import json
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
from infra.config.errors import ConfigError, explain
from infra.config.ingestion import ApiAuthorization, IngestionConfig, JwtConfig
from infra.config.network import FlowLogsConfig, NatStrategy, NetworkConfig
from infra.config.platforms import (
    AuthorizedNetwork,
    GcpConfig,
    GkeMode,
    NodePoolConfig,
    VercelConfig,
    VercelTarget,
)
from infra.config.stack import (
    AlarmsConfig,
    EncryptionConfig,
    LogsConfig,
    StackConfig,
    TagsConfig,
)

__all__ = [
    "PROJECT_NAMESPACE",
    "SECRET_KEYS",
    "AlarmsConfig",
    "ApiAuthorization",
    "AuthorizedNetwork",
    "CacheConfig",
    "CacheEngine",
    "CiConfig",
    "ComputeConfig",
    "ConfigError",
    "DatabaseConfig",
    "EncryptionConfig",
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
    "NatStrategy",
    "NetworkConfig",
    "NodePoolConfig",
    "OidcProviderMode",
    "QueueEncryption",
    "RefPolicy",
    "RepositoryConfig",
    "RepositoryKind",
    "RetentionDays",
    "Reviewers",
    "ServiceConfig",
    "StackConfig",
    "TagsConfig",
    "TlsConfig",
    "VercelConfig",
    "VercelTarget",
    "load",
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
        if full_key in FOREIGN_KEYS:
            data[FOREIGN_KEYS[full_key]] = _decode(value)
        elif namespace == PROJECT_NAMESPACE:
            data[key] = _decode(value)
    try:
        return StackConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(explain(stack, error, data, StackConfig)) from None


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
