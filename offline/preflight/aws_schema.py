"""AWS's own property constraints, checked with cfn-lint's validator on each mapped AWS resource.

AWS publishes a schema for every CloudFormation resource type (property types,
patterns, lengths, enums, ranges), and cfn-lint ships those schemas (with its
patches) together with its own per-type rules over extension schemas (for example
the Aurora engine versions AWS offers, and the ones it no longer lets new clusters
use). The inputs of each registered Pulumi AWS resource are translated through
`aws_types.TYPES` into the CloudFormation properties, then validated

- against the resource type's schema with cfn-lint's `StandardValidator`, and
- by each cfn-lint rule whose schema targets that type's properties (rules such as
  E3690 "DB cluster engine version", W3690 "... not deprecated"), with the rule's
  own message.

Each violation becomes a finding that names the resource, the Pulumi input, the
value and what is allowed, and cites the schema (type + property) or the rule.
cfn-lint's full template linter would also work, but takes ~5 s per stack here;
its validator on the same schemas takes ~0.3 s.

`IGNORED` says why each left-out schema keyword or rule does not apply to a
translated resource; `PROMOTED` lists cfn-lint warnings that fail a real deploy.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from offline.engine import Inventory, Registration
from offline.preflight import Check
from offline.preflight.aws_types import TYPES, logical_id

CFN_LINT_SOURCE = (
    "AWS CloudFormation resource type schemas and cfn-lint extensions "
    "(aws-cloudformation/cfn-lint, cfnlint/data/schemas)"
)

# Schema keywords and cfn-lint rules that do not speak about a translated property's value.
IGNORED = {
    "required": "required properties: the provider fills some (names, defaults) and some "
    "inputs have no CloudFormation counterpart (aws_types.unmapped)",
    "E3019": "unique primary identifiers across a template: the translation models some "
    "Pulumi sub-resources (ECR lifecycle policy, SQS redrive-allow policy) on their parent type",
}
# cfn-lint warnings that a real first `pulumi up` fails on.
PROMOTED = {
    "W3690": "a deprecated DB cluster engine version cannot be used to create a cluster",
    "W3691": "a deprecated DB instance engine version cannot be used to create an instance",
}


@dataclass(frozen=True)
class Mapped:
    registration: Registration
    logical: str
    properties: dict[str, Any]
    origin: dict[str, str]  # CloudFormation property -> the Pulumi input it came from
    secret: set[str]  # CloudFormation properties whose value is secret


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = [*into[key], *value]
        else:
            into[key] = value


def _known(value: Any) -> bool:
    """Values the mock could not compute (unknowns) are left out of the template."""
    if value is None:
        return False
    if isinstance(value, str):
        return value != "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi's unknown sentinel
    return True


def mapped_resources(inventory: Inventory) -> list[Mapped]:
    """Every AWS registration with a CloudFormation type, translated to its properties."""
    mapped: list[Mapped] = []
    used: set[str] = set()
    for r in inventory.custom():
        table = TYPES.get(r.type)
        if table is None or table.cfn_type is None:
            continue
        properties: dict[str, Any] = {}
        origin: dict[str, str] = {}
        secret: set[str] = set()
        for key in r.inputs:
            value = r.input(key)
            if not _known(value):
                continue
            converted = table.convert(key, value)
            for prop in converted:
                origin.setdefault(prop, key)
                if r.is_secret_input(key):
                    secret.add(prop)
            _merge(properties, converted)
        logical = logical_id(r.name)
        while logical in used:
            logical += "X"
        used.add(logical)
        mapped.append(Mapped(r, logical, properties, origin, secret))
    return mapped


def template(mapped: Iterable[Mapped]) -> str:
    """The translated resources as one CloudFormation template (for `cfn-lint` by hand)."""
    resources = {
        m.logical: {"Type": TYPES[m.registration.type].cfn_type, "Properties": m.properties}
        for m in mapped
    }
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=1)


@functools.cache
def _validator(region: str, cfn_type: str) -> Any:
    """cfn-lint's validator over the (patched) schema AWS publishes for the type."""
    from cfnlint.jsonschema import StandardValidator  # noqa: PLC0415 - 1 s import, lazily
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # noqa: PLC0415

    return StandardValidator(PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, cfn_type).schema)


@functools.cache
def _type_rules() -> dict[str, list[Any]]:
    """cfn-lint's rules whose own schema applies to one resource type's properties, by type."""
    from cfnlint.core import get_rules  # noqa: PLC0415
    from cfnlint.rules.jsonschema.CfnLintJsonSchema import CfnLintJsonSchema  # noqa: PLC0415

    by_type: dict[str, list[Any]] = {}
    for rule in get_rules([], [], ["I"]).rules.values():
        if not isinstance(rule, CfnLintJsonSchema) or not rule.schema:
            continue
        for keyword in rule.keywords:
            parts = keyword.split("/")
            if len(parts) == 3 and parts[0] == "Resources" and parts[2] == "Properties":
                by_type.setdefault(parts[1], []).append(rule)
    return by_type


@functools.cache
def _rule_validator(rule_id: str) -> Any:
    """cfn-lint's validator over one of its rules' own schema."""
    from cfnlint.jsonschema import StandardValidator  # noqa: PLC0415

    rule = next(r for rules in _type_rules().values() for r in rules if r.id == rule_id)
    return StandardValidator(rule.schema)


def _engine_versions(cfn_type: str, filename: str) -> dict[str, set[str]]:
    """Engine -> versions listed in one of cfn-lint's engine-version extension schemas."""
    from cfnlint.data.schemas import extensions  # noqa: PLC0415

    folder = cfn_type.lower().replace("::", "_")
    schema = json.loads((importlib.resources.files(extensions) / folder / filename).read_text())
    versions: dict[str, set[str]] = {}
    for branch in schema.get("allOf", []):
        condition = branch.get("if", {}).get("properties", {})
        engine = condition.get("Engine", {}).get("const")
        listed = condition.get("EngineVersion", {}).get("enum") or (
            branch.get("then", {}).get("properties", {}).get("EngineVersion", {}).get("enum")
        )
        if engine and listed:
            versions.setdefault(engine, set()).update(str(v) for v in listed)
    return versions


@functools.cache
def offered_engine_versions(engine: str, cfn_type: str = "AWS::RDS::DBCluster") -> list[str]:
    """The engine versions AWS lets new clusters (or instances) use, per cfn-lint's data:
    those listed as existing (engine_version.json) and not deprecated
    (engine_version_deprecated.json), oldest first."""
    known = _engine_versions(cfn_type, "engine_version.json").get(engine, set())
    deprecated = _engine_versions(cfn_type, "engine_version_deprecated.json").get(engine, set())

    def order(version: str) -> tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else -1 for p in version.replace("-", ".").split("."))

    return sorted(known - deprecated, key=order)


def _allowed_hint(rule_id: str, properties: dict[str, Any]) -> str:
    """What is allowed, for the engine-version rules: the offered versions of the same major."""
    if rule_id not in ("E3690", "W3690", "E3691", "W3691"):
        return ""
    engine = str(properties.get("Engine", ""))
    major = str(properties.get("EngineVersion", "")).split(".")[0]
    offered = [
        v for v in offered_engine_versions(engine) if v.split(".")[0] == major and "-" not in v
    ]
    return f"; AWS offers {engine} {major}.x for creation: {', '.join(offered) or 'none'}"


def _named_inputs(schema: Any, m: Mapped) -> str:
    """The Pulumi inputs (with values) behind the properties a rule's schema names."""
    text = json.dumps(schema)
    names = [prop for prop in m.origin if f'"{prop}"' in text]
    return ", ".join(f"{m.origin[p]}={m.properties[p]!r}" for p in names if p in m.properties)


def _violations(m: Mapped, region: str) -> Iterable[tuple[str, str, str]]:
    """(rule, property path, message) for every violation of one translated resource."""
    cfn_type = str(TYPES[m.registration.type].cfn_type)
    rules = {rule.id: rule for rule in _type_rules().get(cfn_type, [])}
    properties = json.dumps(m.properties, sort_keys=True)
    for rule_id, path, message in _violations_of(cfn_type, properties, region):
        rule = rules.get(rule_id)
        named = _named_inputs(rule.schema, m) if rule is not None else ""
        label = f"cfn-lint {rule_id}" if rule is not None else rule_id
        yield label, path, f"({named}) {message}" if named else message


@functools.lru_cache(maxsize=4096)
def _violations_of(
    cfn_type: str, properties_json: str, region: str
) -> tuple[tuple[str, str, str], ...]:
    """Validated once per distinct resource: a stack checked twice in a process costs once."""
    from cfnlint.jsonschema.exceptions import best_match  # noqa: PLC0415

    properties = json.loads(properties_json)
    found: list[tuple[str, str, str]] = []
    for error in _validator(region, cfn_type).iter_errors(properties):
        if error.validator in IGNORED:
            continue
        found.append(
            (f"schema:{error.validator}", "/".join(str(p) for p in error.path), error.message)
        )
    for rule in _type_rules().get(cfn_type, []):
        if rule.id in IGNORED or (rule.id[0] != "E" and rule.id not in PROMOTED):
            continue
        error = best_match(list(_rule_validator(rule.id).iter_errors(properties)))
        if error is not None:
            message = rule.message(properties, error)
            if message == rule.shortdesc:  # a rule without its own message: add the error's
                message = f"{message}: {error.message}"
            message += _allowed_hint(rule.id, properties)
            found.append((rule.id, "/".join(str(p) for p in error.path), message))
    return tuple(found)


def _region(inventory: Inventory) -> str:
    for r in inventory.registrations:
        if r.type == "pulumi:providers:aws":
            region = r.input("region")
            if isinstance(region, str):
                return region
    return "us-east-1"


def _redact(message: str, mapped: Mapped, prop: str) -> str:
    if prop not in mapped.secret:
        return message
    value = mapped.properties.get(prop)
    return message.replace(str(value), "<secret>") if value is not None else message


def _schema_findings(inventory: Inventory) -> Iterable[tuple[str, str]]:
    region = _region(inventory)
    for m in mapped_resources(inventory):
        cfn_type = TYPES[m.registration.type].cfn_type
        for rule, path, message in _violations(m, region):
            prop = path.split("/", 1)[0]
            where = f" input {m.origin[prop]}" if prop in m.origin else ""
            yield (
                m.registration.urn,
                f"{m.registration.name} ({m.registration.type}){where}: "
                f"{_redact(message, m, prop)} [{cfn_type} {path or 'Properties'}; {rule}]",
            )


CHECKS: list[Check] = [
    Check(
        "aws-schema",
        "AWS resource property constraints (CloudFormation schemas, cfn-lint)",
        CFN_LINT_SOURCE,
        _schema_findings,
    ),
]
