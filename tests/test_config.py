"""Config validation: every bad value fails with one message naming stack, key, value and rule."""

from __future__ import annotations

import copy
import ipaddress
import shutil
from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, NatStrategy, StackConfig, parse
from offline.engine import ROOT, STACKS, run_stack, stack_config


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
    assert cfg.network.nat is NatStrategy.INSTANCE
    assert cfg.network.nat_instance == "t4g.nano"
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
        "'none', 'single', 'per_az' or 'instance'",
    ),
    (
        "nat-instance-not-graviton",
        {"aevon:network": _network(natInstanceType="t3.nano")},
        "aevon:network.natInstanceType",
        "Graviton (arm64) instance type",
    ),
    (
        "nat-instance-type-without-an-instance",
        {"aevon:network": _network(nat="single", natInstanceType="t4g.micro")},
        "aevon:network",
        "applies only with nat: instance",
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
    ("region-bad", {"aws:region": "mars-north-1a"}, "aws:region", "is not an AWS region"),
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
    ("bad-alarm-email", {"aevon:alarms": {"channels": {"ops": {"email": "ops-at-aevon"}}, "routes": {"paging": ["ops"], "notify": ["ops"]}}}, "aevon:alarms.channels.ops.email", "not an email address"),
    ("logs-retention", {"aevon:logs": {"retentionDays": 8}}, "aevon:logs.retentionDays", "retention periods"),
]  # fmt: skip


def _security(**changes: Any) -> dict[str, Any]:
    """dev's `security` section with sub-sections replaced."""
    return {**_section("security"), **changes}


SECURITY_BAD_INPUTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("security-missing", {"aevon:security": None}, "aevon:security", "required key is missing"),
    ("waf-rate-limit-too-low", {"aevon:security": _security(waf={"enabled": True, "rateLimit": 5})}, "aevon:security.waf.rateLimit", "greater than or equal to 10"),
    ("waf-rate-limit-too-high", {"aevon:security": _security(waf={"enabled": True, "rateLimit": 3_000_000_000})}, "aevon:security.waf.rateLimit", "less than or equal to 2000000000"),
    ("waf-misspelled-key", {"aevon:security": _security(waf={"enabled": True, "ratelimit": 100})}, "aevon:security.waf.ratelimit", "allowed here"),
    ("access-logs-never-expire", {"aevon:security": _security(accessLogs={"expireDays": 0})}, "aevon:security.accessLogs.expireDays", "greater than or equal to 1"),
    ("backup-retention-zero", {"aevon:security": _security(backup={"enabled": False, "retentionDays": 0})}, "aevon:security.backup.retentionDays", "greater than or equal to 1"),
    ("backup-without-the-stacks-key", {"aevon:security": _security(backup={"enabled": True})}, "stack config", "security.backup.enabled needs encryption.customerManagedKey: true"),
    ("cache-token-never-rotated", {"aevon:cache": _section("cache", authRotationDays=0)}, "aevon:cache.authRotationDays", "greater than or equal to 1"),
    ("cache-token-rotation-too-rare", {"aevon:cache": _section("cache", authRotationDays=1001)}, "aevon:cache.authRotationDays", "less than or equal to 1000"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "key", "rule"),
    [
        pytest.param(o, k, r, id=i)
        for i, o, k, r in BAD_INPUTS
        + DATA_PLANE_BAD_INPUTS
        + COMPUTE_BAD_INPUTS
        + SECURITY_BAD_INPUTS
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


# --------------------------------------------------------------------------- issue 14
def _gates(stack: str, changes: dict[str, Any]) -> dict[str, Any]:
    github = copy.deepcopy(_section("github", stack))
    for path, value in changes.items():
        target = github
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]
        target[last] = value
    return github


CERTIFICATE = "arn:aws:acm:{region}:{account}:certificate/4f6b8a39-3d0c-4f3b-9a8e-2c1d5e7f9a10"


def _prod_tls(region: str, account: str) -> dict[str, Any]:
    return _section(
        "compute",
        "prod",
        tls={"certificateArn": CERTIFICATE.format(region=region, account=account)},
    )


# The kinds of mistake issue 14 names: (case id, stack, overrides (a {"secure": ...} value
# is encrypted config), key named in the message, fragment of the rule). Each fails on the
# code before issue 14 (where the mistake passed silently or got a vaguer message).
KIND_BAD_INPUTS: list[tuple[str, str, dict[str, Any], str, str]] = [
    # misspelled keys and namespaces: the closest known key is suggested
    ("misspelled-aws-key", "dev", {"aws:regoin": "us-east-1"}, "aws:regoin", "unknown key of aws; did you mean aws:region?"),
    ("misspelled-namespace", "dev", {"aevonn:network": _network()}, "aevonn:network", "unknown namespace 'aevonn' (the program reads aevon, aws, gcp, github, pulumi, random, vercel); did you mean aevon:network?"),
    ("misspelled-project-key", "dev", {"aevon:databse": "{}"}, "aevon:databse", "unknown key; did you mean aevon:database?"),
    ("misspelled-nested-key", "dev", {"aevon:network": {**_network(), "natt": "single"}}, "aevon:network.natt", "unknown key; did you mean nat?"),
    ("misspelled-pulumi-key", "dev", {"pulumi:disable-default-provider": ["*"]}, "pulumi:disable-default-provider", "did you mean pulumi:disable-default-providers?"),
    ("provider-key-not-read", "dev", {"aws:profile": "admin"}, "aws:profile", "a key of aws that this program does not read"),
    # values naming things that don't exist or don't fit
    ("region-not-a-region", "dev", {"aws:region": "us-east-7"}, "aws:region", "is not an AWS region (botocore's endpoint data lists"),
    ("region-of-another-partition", "dev", {"aws:region": "cn-north-1"}, "aws:region", "is in partition aws-cn"),
    ("certificate-of-another-region", "prod", {"aevon:compute": _prod_tls("eu-west-1", "777788889999")}, "stack config", "is in region eu-west-1; the load balancer is in aws:region us-east-1"),
    ("certificate-of-another-account", "prod", {"aevon:compute": _prod_tls("us-east-1", "111122223333")}, "stack config", "belongs to account 111122223333, not this stack's account 777788889999"),
    ("account-missing", "prod", {"aws:allowedAccountIds": None}, "aws:allowedAccountIds", "required key is missing"),
    ("account-as-a-number", "prod", {"aws:allowedAccountIds": [12345678901]}, "aws:allowedAccountIds", "must be a quoted string"),
    ("two-accounts", "prod", {"aws:allowedAccountIds": ["777788889999", "111122223333"]}, "aws:allowedAccountIds", "must name exactly one AWS account"),
    # provider tokens in plaintext (and credentials in config at all)
    ("github-token-plaintext", "dev", {"github:token": "ghp_" + "x" * 36}, "github:token", "a credential in plaintext in the committed stack file"),
    ("vercel-token-plaintext", "dev", {"vercel:apiToken": "v" * 24}, "vercel:apiToken", "a credential in plaintext in the committed stack file"),
    ("aws-secret-key-plaintext", "dev", {"aws:secretKey": "s" * 40}, "aws:secretKey", "`pulumi config set --secret` would encrypt it"),
    ("gcp-credentials-plaintext", "staging", {"gcp:credentials": '{"type": "service_account"}'}, "gcp:credentials", "a credential in plaintext"),
    ("github-token-encrypted-but-unread", "dev", {"github:token": {"secure": "v1:abc"}}, "github:token", "never read credentials from config"),
    ("token-shaped-value-in-a-project-key", "dev", {"aevon:tags": {"owner": "ghp_" + "a" * 36, "costCenter": "x"}}, "aevon:tags", "shaped like a credential"),
    # a network shape that leaves private workloads no way to ECR, logs or SQS
    ("nat-none-in-dev", "dev", {"aevon:network": _network(nat="none")}, "stack config", "network.nat 'none' leaves the private subnets without a way to ECR"),
    ("nat-none-in-prod", "prod", {"aevon:network": {**_section("network", "prod"), "nat": "none"}}, "stack config", "no interface endpoints"),
    # protection switched off for one stateful object in a protected stack
    ("gke-unprotected-in-staging", "staging", {"aevon:gcp": _section("gcp", "staging", deletionProtection=False)}, "stack config", "protectStatefulResources is true, so the stack also needs gcp.deletionProtection: true"),
    ("gke-unprotected-in-prod", "prod", {"aevon:gcp": _section("gcp", "prod", deletionProtection=False)}, "stack config", "gcp.deletionProtection: true"),
    # approval gates that don't really add a second person
    ("gate-without-prevent-self-review", "staging", {"aevon:github": _gates("staging", {"environment.preventSelfReview": False})}, "aevon:github.environment", "could approve it alone"),
    ("approval-gate-without-prevent-self-review", "prod", {"aevon:github": _gates("prod", {"approvalEnvironment.preventSelfReview": False})}, "aevon:github.approvalEnvironment", "could approve it alone"),
    ("one-reviewer-user-in-both-gates", "prod", {"aevon:github": _gates("prod", {"environment.reviewers": {"users": ["Octocat"]}, "approvalEnvironment.reviewers": {"users": ["octocat"]}})}, "aevon:github", "share reviewers (octocat)"),
    ("both-gates-one-environment", "prod", {"aevon:github": _gates("prod", {"approvalEnvironment.name": "production"})}, "aevon:github", "the gate must be a second environment"),
    ("protected-stack-without-approval", "prod", {"aevon:github": _gates("prod", {"environment.requireApproval": False, "environment.reviewers": {}, "approvalEnvironment": None})}, "stack config", "github.environment.requireApproval: true"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("stack", "overrides", "key", "rule"),
    [pytest.param(s, o, k, r, id=i) for i, s, o, k, r in KIND_BAD_INPUTS],
)
def test_each_kind_of_mistake_gets_one_clear_error(
    stack: str, overrides: dict[str, Any], key: str, rule: str
) -> None:
    raw, secret_keys = stack_config(stack, overrides)
    for k, v in overrides.items():
        if v is None:
            raw.pop(k, None)
    with pytest.raises(ConfigError) as caught:
        parse("aevon", stack, raw, secret_keys)
    message = str(caught.value)
    assert message.startswith(f"stack '{stack}': invalid configuration"), message
    assert key in message, message
    assert rule in message, message


@pytest.mark.parametrize(
    ("nested", "line"),
    [
        pytest.param(
            False, "line 6: key 'aws:region' is given twice (first at line 2)", id="top-level"
        ),
        pytest.param(True, "line 5: key 'azCount' is given twice (first at line 4)", id="nested"),
    ],
)
def test_a_key_given_twice_is_refused_before_anything_runs(
    tmp_path: Path, nested: bool, line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyYAML (and the Pulumi CLI's non-strict yaml.v2) keep the last value silently."""
    from offline import engine

    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    body = (
        "config:\n  aws:region: us-east-1\n  aevon:network:\n    azCount: 2\n    azCount: 3\n"
        if nested
        else "config:\n  aws:region: us-east-1\n  aevon:network:\n    azCount: 2\n"
        "    nat: single\n  aws:region: eu-west-1\n"
    )
    (tmp_path / "Pulumi.dev.yaml").write_text(body)
    started: list[Any] = []
    monkeypatch.setattr(engine, "_start", lambda *a, **k: started.append(a))
    with pytest.raises(ConfigError) as caught:
        run_stack("dev", project_dir=tmp_path)
    assert str(caught.value) == (
        f"stack 'dev': Pulumi.dev.yaml {line}; YAML keeps only the last value without a word, "
        "and so does the Pulumi CLI: keep one"
    )
    assert started == []


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"enabled": False}, "security.waf.enabled: true"),
        ("backup", "security.backup.enabled: true"),
    ],
)
def test_a_protected_stack_keeps_its_firewall_and_backup_plan(section: Any, message: str) -> None:
    """prod's shape (protectStatefulResources) without the WAF or the backup plan is refused."""
    security = _section("security", "prod")
    if section == "backup":
        security["backup"] = {"enabled": False}
    else:
        security["waf"] = section
    with pytest.raises(ConfigError) as caught:
        parse("aevon", "prod", _raw({"aevon:security": security}, "prod"))
    assert str(caught.value).startswith("stack 'prod': invalid configuration")
    assert f"protectStatefulResources is true, so the stack also needs {message}" in str(
        caught.value
    )
