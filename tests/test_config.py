"""Config validation: every bad value fails with one message naming stack, key, value and rule."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

import pytest

from infra.config import ConfigError, NatStrategy, StackConfig, parse
from offline.engine import STACKS, stack_config


def _raw(overrides: dict[str, Any] | None = None, stack: str = "dev") -> dict[str, Any]:
    config, _ = stack_config(stack)
    raw: dict[str, Any] = dict(config)
    raw.update(overrides or {})
    return raw


def _section(key: str, stack: str = "dev", **changes: Any) -> dict[str, Any]:
    """The stack file's value of `aevon:<key>` with `changes` applied."""
    from offline.engine import stack_file

    value = dict(stack_file(stack)["config"][f"aevon:{key}"])
    value.update(changes)
    return value


def _network(**changes: Any) -> dict[str, Any]:
    base = {
        "cidr": "10.10.0.0/16",
        "azCount": 2,
        "nat": "single",
        "flowLogs": {"retentionDays": 14},
    }
    base.update(changes)
    return base


@pytest.mark.parametrize("stack", STACKS)
def test_real_stack_files_parse(stack: str) -> None:
    cfg = parse("aevon", stack, _raw(stack=stack))
    assert isinstance(cfg, StackConfig)
    assert cfg.stack == stack
    assert cfg.name_prefix == f"aevon-{stack}"


def test_values_are_typed() -> None:
    cfg = parse("aevon", "dev", _raw())
    assert cfg.network.cidr == ipaddress.IPv4Network("10.10.0.0/16")
    assert cfg.network.nat is NatStrategy.SINGLE
    assert cfg.protect_stateful_resources is False


BAD_INPUTS: list[tuple[str, dict[str, Any], str, str]] = [
    # (case id, overrides, key named in the message, fragment of the rule)
    (
        "promotes-from-itself",
        {"aevon:promotesFrom": "dev"},
        "aevon:promotesFrom",
        "is the stack itself",
    ),
    (
        "promotes-from-no-stack-name",
        {"aevon:promotesFrom": "Staging!"},
        "aevon:promotesFrom",
        "must name a stack",
    ),
    (
        "az-count-too-high",
        {"aevon:network": _network(azCount=7)},
        "aevon:network.azCount",
        "less than or equal to 6",
    ),
    (
        "az-count-too-low",
        {"aevon:network": _network(azCount=1)},
        "aevon:network.azCount",
        "greater than or equal to 2",
    ),
    (
        "nat-unknown",
        {"aevon:network": _network(nat="two")},
        "aevon:network.nat",
        "'none', 'single' or 'per_az'",
    ),
    (
        "cidr-not-a-cidr",
        {"aevon:network": _network(cidr="10.10.0.300/16")},
        "aevon:network.cidr",
        "not a valid IPv4 CIDR block",
    ),
    (
        "cidr-bare-address",
        {"aevon:network": _network(cidr="10.10.0.0")},
        "aevon:network.cidr",
        "CIDR block",
    ),
    (
        "cidr-host-bits",
        {"aevon:network": _network(cidr="10.10.0.1/16")},
        "aevon:network.cidr",
        "host bits",
    ),
    (
        "cidr-too-small",
        {"aevon:network": _network(cidr="10.10.0.0/24")},
        "aevon:network.cidr",
        "between /16 and /20",
    ),
    (
        "cidr-public",
        {"aevon:network": _network(cidr="8.8.0.0/16")},
        "aevon:network.cidr",
        "RFC 1918",
    ),
    (
        "retention-not-allowed",
        {"aevon:network": _network(flowLogs={"retentionDays": 10})},
        "aevon:network.flowLogs.retentionDays",
        "retention periods",
    ),
    (
        "unknown-network-key",
        {"aevon:network": _network(natGateways=3)},
        "aevon:network.natGateways",
        "unknown key",
    ),
    ("unknown-top-level-key", {"aevon:databse": "{}"}, "aevon:databse", "unknown key"),
    ("missing-key", {"aevon:network": None}, "aevon:network", "required key is missing"),
    ("region-bad", {"aws:region": "mars-north-1a"}, "aws:region", "AWS region code"),
    (
        "protect-not-bool",
        {"aevon:protectStatefulResources": "maybe"},
        "aevon:protectStatefulResources",
        "valid boolean",
    ),
    (
        "empty-owner-tag",
        {"aevon:tags": {"owner": "", "costCenter": "x"}},
        "aevon:tags.owner",
        "at least 1 character",
    ),
]


def _services(**changes: Any) -> dict[str, Any]:
    services = dict(_section("compute")["services"])
    services.update(changes)
    return _section("compute", services=services)


# Compute and ingestion: (case id, overrides, key named in the message, fragment of the rule).
COMPUTE_BAD_INPUTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("cpu-memory-not-offered", {"aevon:compute": _services(api={"cpu": 256, "memory": 4096, "desired": 1, "min": 1, "max": 2})}, "aevon:compute.services.api", "Fargate does not offer cpu 256 with memory 4096"),
    ("cpu-not-a-fargate-size", {"aevon:compute": _services(web={"cpu": 300, "memory": 512, "desired": 1, "min": 1, "max": 2})}, "aevon:compute.services.web", "cpu 300 is not a Fargate size"),
    ("min-tasks-above-max", {"aevon:compute": _services(api={"cpu": 256, "memory": 512, "desired": 3, "min": 3, "max": 2})}, "aevon:compute.services.api", "need min <= desired <= max"),
    ("unknown-service", {"aevon:compute": _services(scheduler={"cpu": 256, "memory": 512, "desired": 1, "min": 1, "max": 1})}, "aevon:compute.services.scheduler", "'api', 'web', 'core-worker' or 'delivery-worker'"),
    ("missing-service", {"aevon:compute": _section("compute", services={"api": {"cpu": 256, "memory": 512, "desired": 1, "min": 1, "max": 1}})}, "aevon:compute", "missing: web, core-worker, delivery-worker"),
    ("http-without-opt-in", {"aevon:compute": _section("compute", allowPlainHttp=False)}, "aevon:compute", "allowPlainHttp: true where plain HTTP is acceptable"),
    ("tls-and-plain-http", {"aevon:compute": _section("compute", tls={"zoneName": "aevon.dev", "hostName": "x.aevon.dev"})}, "aevon:compute", "only one of tls or allowPlainHttp"),
    ("tls-host-outside-zone", {"aevon:compute": _section("compute", allowPlainHttp=False, tls={"zoneName": "aevon.dev", "hostName": "x.other.dev"})}, "aevon:compute.tls", "not inside zoneName aevon.dev"),
    ("tls-bad-certificate-arn", {"aevon:compute": _section("compute", allowPlainHttp=False, tls={"certificateArn": "cert-123"})}, "aevon:compute.tls.certificateArn", "ACM certificate ARN"),
    ("image-tag-config-without-sha", {"aevon:compute": _section("compute", imageTagSource="config", imageTag="latest")}, "aevon:compute", "needs imageTag: a git commit SHA"),
    ("no-capacity", {"aevon:compute": _section("compute", spotWeight=0, onDemandWeight=0)}, "aevon:compute", "cannot both be 0"),
    ("on-demand-base-without-weight", {"aevon:compute": _section("compute", onDemandWeight=0, onDemandBase=1)}, "aevon:compute", "onDemandBase 1 needs onDemandWeight > 0"),
    ("jwt-without-settings", {"aevon:ingestion": _section("ingestion", authorization="jwt")}, "aevon:ingestion", "jwt {issuer, audience} is required"),
    ("reserved-concurrency-one", {"aevon:ingestion": _section("ingestion", reservedConcurrency=1)}, "aevon:ingestion.reservedConcurrency", "greater than or equal to 2"),
]  # fmt: skip


def _repositories(*entries: dict[str, Any], stack: str = "dev", **github: Any) -> dict[str, Any]:
    """The stack's `aevon:github` with `repositories` replaced (and other keys changed)."""
    return _section("github", stack, repositories=list(entries), **github)


_INFRA = {"name": "aevon-infra", "kind": "infra"}
_PLATFORM = {"name": "aevon-platform", "kind": "services", "images": ["api", "web", "worker"]}
_WEB = {"name": "aevon-web", "kind": "frontend"}

# Governed repositories (issue 13): (case id, overrides, key named in the message, rule).
REPOSITORY_BAD_INPUTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("unknown-repository-kind", {"aevon:github": _repositories(_INFRA, {**_PLATFORM, "kind": "mobile"}, _WEB)}, 'aevon:github.repositories[1].kind = "mobile"', "'infra', 'services' or 'frontend'"),
    ("repository-twice", {"aevon:github": _repositories(_INFRA, _PLATFORM, _WEB, {"name": "aevon-web", "kind": "frontend"})}, "aevon:github", "repositories[3].name = 'aevon-web' is configured twice (also repositories[2])"),
    ("repository-twice-by-case", {"aevon:github": _repositories(_INFRA, _PLATFORM, {"name": "Aevon-Platform", "kind": "frontend"})}, "aevon:github", "repositories[2].name = 'Aevon-Platform' is configured twice (also repositories[1]); list each repository once (GitHub repository names are case-insensitive)"),
    ("push-role-without-images", {"aevon:github": _repositories(_INFRA, _PLATFORM, {**_WEB, "artifactRegistry": True})}, "aevon:github.repositories[2]", "artifactRegistry asks for a push identity for aevon-web, which has no images to push"),
    ("images-on-a-frontend", {"aevon:github": _repositories(_INFRA, _PLATFORM, {**_WEB, "images": ["site"]})}, "aevon:github.repositories[2]", "aevon-web is of kind frontend, which builds no images"),
    ("services-without-images", {"aevon:github": _repositories(_INFRA, {**_PLATFORM, "images": []}, _WEB)}, "aevon:github.repositories[1]", "aevon-platform is of kind services but lists no images"),
    ("image-name-not-ecr", {"aevon:github": _repositories(_INFRA, {**_PLATFORM, "images": ["API", "web", "worker"]}, _WEB)}, 'aevon:github.repositories[1].images[0] = "API"', "is not a valid image name"),
    ("image-nobody-builds", {"aevon:github": _repositories(_INFRA, {**_PLATFORM, "images": ["api", "web"]}, _WEB)}, "stack config", "no repository of kind services builds worker, which the services run"),
    ("image-built-twice", {"aevon:github": _repositories(_INFRA, _PLATFORM, {"name": "aevon-workers", "kind": "services", "images": ["worker"]})}, "stack config", "image worker is built by aevon-platform and aevon-workers"),
    ("no-infra-repository", {"aevon:github": _repositories(_PLATFORM, _WEB)}, "aevon:github", "exactly one repository of kind infra"),
    ("artifact-registry-without-gcp", {"aevon:github": _repositories(_INFRA, {**_PLATFORM, "artifactRegistry": True}, _WEB)}, "stack config", "github.repositories[1] (aevon-platform): artifactRegistry needs gcp.enabled"),
    ("secret-not-in-tokens", {"aevon:github": _repositories(_INFRA, {**_PLATFORM, "secrets": ["SENTRY_AUTH_TOKEN"]}, _WEB)}, "stack config", "secrets SENTRY_AUTH_TOKEN are not in thirdPartyTokens"),
    ("settings-fields-without-ownership", {"aevon:github": _repositories({**_INFRA, "requiredChecks": ["ci"]}, _PLATFORM, _WEB)}, "aevon:github.repositories[0]", "belong to the stack that owns its settings (ownsSettings: true)"),
    ("settings-owner-without-tag-creators", {"aevon:github": _repositories(_INFRA, {**_PLATFORM, "ownsSettings": True}, _WEB)}, "aevon:github.repositories[1]", "must list releaseTagCreators"),
    ("vercel-builds-another-repository", {"aevon:vercel": _section("vercel", gitRepository="aevon-os/aevon-site")}, "stack config", "vercel.gitRepository = 'aevon-os/aevon-site' is not the governed frontend repository (aevon-os/aevon-web)"),
    ("unmanaged-github-owning-settings", {"aevon:github": _repositories(_INFRA, {**_PLATFORM, "ownsSettings": True, "releaseTagCreators": ["release-managers"]}, _WEB, manage=False)}, "aevon:github", "ownsSettings and approvalEnvironment need manage: true"),
]  # fmt: skip


# The data plane: (case id, overrides, key named in the message, fragment of the rule).
DATA_PLANE_BAD_INPUTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("min-acu-above-max", {"aevon:database": _section("database", minCapacity=4, maxCapacity=2, secondsUntilAutoPause=None)}, "aevon:database", "minCapacity (4.0) must not exceed maxCapacity (2.0)"),
    ("zero-instances", {"aevon:database": _section("database", instances=0)}, "aevon:database.instances", "greater than or equal to 1"),
    ("acu-not-half-step", {"aevon:database": _section("database", maxCapacity=2.3)}, "aevon:database.maxCapacity", "multiple of 0.5"),
    ("pause-without-timer", {"aevon:database": _section("database", secondsUntilAutoPause=None)}, "aevon:database", "needs secondsUntilAutoPause"),
    ("timer-without-pause", {"aevon:database": _section("database", minCapacity=0.5)}, "aevon:database", "only when minCapacity is 0"),
    ("version-too-old-for-zero", {"aevon:database": _section("database", engineVersion="15.4")}, "aevon:database", "cannot scale to 0 ACU; use 15.7"),
    ("version-unknown-major", {"aevon:database": _section("database", engineVersion="11.9")}, "aevon:database.engineVersion", "major in 13, 14, 15, 16, 17"),
    ("unknown-client-workload", {"aevon:database": _section("database", clients=["api", "worker"])}, "aevon:database.clients[1]", "'api', 'web', 'core-worker' or 'delivery-worker'"),
    ("cache-engine-unknown", {"aevon:cache": _section("cache", engine="memcached")}, "aevon:cache.engine", "'redis' or 'valkey'"),
    ("cache-version-of-other-engine", {"aevon:cache": _section("cache", engineVersion="7.1")}, "aevon:cache", "not a valkey version"),
    ("cache-node-type", {"aevon:cache": _section("cache", nodeType="t4g.micro")}, "aevon:cache.nodeType", "ElastiCache node type"),
    ("max-receive-zero", {"aevon:messaging": _section("messaging", maxReceiveCount=0)}, "aevon:messaging.maxReceiveCount", "greater than or equal to 1"),
    ("kms-queues-without-key", {"aevon:messaging": _section("messaging", encryption="kms")}, "stack config", "needs encryption.customerManagedKey: true"),
    ("protected-stack-short-backups", {"aevon:protectStatefulResources": "true"}, "stack config", "database.deletionProtection: true, database.finalSnapshot: true, database.backupRetentionDays >= 7"),
    ("bad-alarm-email", {"aevon:alarms": {"emails": ["ops-at-aevon"]}}, "aevon:alarms.emails", "not an email address"),
    ("logs-retention", {"aevon:logs": {"retentionDays": 8}}, "aevon:logs.retentionDays", "retention periods"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "key", "rule"),
    [
        pytest.param(o, k, r, id=i)
        for i, o, k, r in BAD_INPUTS
        + DATA_PLANE_BAD_INPUTS
        + COMPUTE_BAD_INPUTS
        + REPOSITORY_BAD_INPUTS
    ],
)
def test_bad_value_fails_with_one_clear_message(
    overrides: dict[str, Any], key: str, rule: str
) -> None:
    raw = _raw()
    for k, v in overrides.items():
        if v is None:
            raw.pop(k, None)
        else:
            raw[k] = v
    with pytest.raises(ConfigError) as caught:
        parse("aevon", "dev", raw)
    message = str(caught.value)
    assert message.startswith("stack 'dev': invalid configuration"), message
    assert key in message, message
    assert rule in message, message


def test_message_names_the_offending_value() -> None:
    with pytest.raises(ConfigError, match=r"aevon:network\.azCount = 9: .*less than or equal to 6"):
        parse("aevon", "dev", _raw({"aevon:network": _network(azCount=9)}))


def test_unknown_key_lists_what_is_allowed() -> None:
    with pytest.raises(ConfigError, match=r"allowed here: .*aevon:network"):
        parse("aevon", "dev", _raw({"aevon:vpc": "{}"}))


def test_all_problems_are_reported_in_one_error() -> None:
    raw = _raw({"aevon:network": _network(azCount=0, nat="lots")})
    with pytest.raises(ConfigError) as caught:
        parse("aevon", "dev", raw)
    assert "2 problem(s)" in str(caught.value)


def test_stack_name_becomes_part_of_names_so_it_is_checked() -> None:
    with pytest.raises(ConfigError, match="stack 'Prod_1'"):
        parse("aevon", "Prod_1", _raw())


def test_parse_does_not_mutate_its_input() -> None:
    raw = _raw()
    before = copy.deepcopy(raw)
    parse("aevon", "dev", raw)
    assert raw == before


def test_plain_http_is_refused_on_a_protected_stack() -> None:
    """prod's shape (protectStatefulResources) with the dev opt-in for HTTP is refused."""
    from offline.engine import stack_file

    prod = stack_file("prod")["config"]
    compute = {k: v for k, v in prod["aevon:compute"].items() if k != "tls"}
    raw = _raw({"aevon:compute": {**compute, "allowPlainHttp": True}}, stack="prod")
    with pytest.raises(ConfigError, match=r"compute\.tls \(no allowPlainHttp\)"):
        parse("aevon", "prod", raw)


def test_gke_control_plane_must_be_reachable() -> None:
    gcp = _section("gcp", "staging", dnsEndpoint=False)
    with pytest.raises(
        ConfigError, match=r"aevon:gcp: with dnsEndpoint false and no authorizedNetworks"
    ):
        parse("aevon", "staging", _raw({"aevon:gcp": gcp}, "staging"))
    networks = [{"name": "office", "cidr": "203.0.113.0/24"}]
    gcp = _section("gcp", "staging", dnsEndpoint=False, authorizedNetworks=networks)
    assert parse("aevon", "staging", _raw({"aevon:gcp": gcp}, "staging")).gcp.dns_endpoint is False
