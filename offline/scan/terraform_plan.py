"""A stack's inventory as the Terraform plan of its first `up`.

`terraform show -json` of a plan that creates every resource: for each resource
the values it is created with (`planned_values`), the change (`resource_changes`,
action `create`), and, in `configuration`, the expressions that reference other
resources. That is the plan Checkov (`--framework terraform_plan`) reads, and the
one a Terraform run of the same resources would show:

- an input whose value *is* another resource's output (a load balancer ARN in a
  WAF association, a key ARN in a log group) is unknown until that resource
  exists: it is left out of the values, marked in `after_unknown`, and written
  as a reference (`aws_lb.public_alb.arn`) in `configuration`, which is how
  Checkov connects resources for its graph rules (a load balancer "has" a WAF
  association);
- an input built from outputs (an IAM member `serviceAccount:<email>`, a policy
  document naming ARNs) keeps the value the mock engine computed, so Checkov's
  attribute rules see what the real value would be;
- secret inputs are written as `"[sensitive]"` and listed in `sensitive_values`:
  no secret (not even the mock's stand-ins) reaches a plan file.

Resource addresses are `<terraform type>.<logical name>` with every character
but letters, digits and `_` turned into `_` (`aws_lb.public_alb`); `Plan.urns`
maps them back. Reference: Terraform's JSON output format
(https://developer.hashicorp.com/terraform/internals/json-format) and Checkov's
reader (checkov/terraform/plan_parser.py: `planned_values`, `resource_changes`,
`configuration.root_module.resources[].expressions[].references`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import rpc

from offline.engine import Inventory, Registration
from offline.scan.terraform_types import MAP_KEYS, TYPES, TfType, scanned

SENSITIVE = "[sensitive]"
TERRAFORM_VERSION = "1.9.8"  # the plan format's producer (format_version 1.2)
PROVIDERS = {"aws": "registry.terraform.io/hashicorp/aws",
             "google": "registry.terraform.io/hashicorp/google"}  # fmt: skip
# Outputs a reference prefers when several hold the same value.
PREFERRED_OUTPUTS = ("arn", "id", "name", "email", "selfLink", "url")


class UnmappedInputError(ValueError):
    """A registration of a type or with an input the table does not know."""


@dataclass
class Plan:
    """One stack's plan document and where each address came from."""

    stack: str
    document: dict[str, Any]
    urns: dict[str, str] = field(default_factory=dict)  # address -> Pulumi URN
    names: dict[str, str] = field(default_factory=dict)  # address -> Pulumi logical name


@dataclass(frozen=True)
class _Ref:
    address: str
    attribute: str

    def expression(self) -> dict[str, list[str]]:
        return {"references": [f"{self.address}.{self.attribute}", self.address]}


def address_name(logical: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", logical)


def _whole(value: Any) -> Any:
    """Pulumi sends numbers as floats; Terraform's whole numbers are integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Converter:
    """Converts one registration's inputs, with references to the resources they come from."""

    def __init__(self, table: TfType, outputs: Mapping[str, tuple[str, Mapping[str, Any]]]):
        self.table = table
        self.outputs = outputs  # dependency URN -> (address, outputs)
        self.sensitive = False

    def reference(self, value: Any, deps: list[str]) -> _Ref | None:
        if not isinstance(value, str) or not value:
            return None
        for urn in deps:
            if urn not in self.outputs:
                continue
            address, outs = self.outputs[urn]
            keys = [k for k in PREFERRED_OUTPUTS if outs.get(k) == value]
            keys += sorted(k for k, v in outs.items() if v == value and k not in keys)
            if keys:
                return _Ref(address, _snake(keys[0]))
        return None

    def value(self, path: str, raw: Any, deps: list[str]) -> tuple[Any, Any, Any]:
        """(plan value, expression, after_unknown) of the input at `path`; value None with an
        expression when the whole value is a reference."""
        if rpc.is_rpc_secret(raw):
            self.sensitive = True
            return SENSITIVE, None, None
        if isinstance(raw, Mapping):
            return self._mapping(path, raw, deps)
        if isinstance(raw, list):
            return self._list(path, raw, deps)
        ref = self.reference(raw, deps)
        if ref is not None:
            return None, ref.expression(), True
        return _whole(raw), None, None

    def _mapping(self, path: str, raw: Mapping[str, Any], deps: list[str]) -> tuple[Any, Any, Any]:
        """A map argument keeps its keys; a block (MaxItems 1) is a one-element list."""
        if path.rsplit(".", 1)[-1] in MAP_KEYS:
            return {k: _whole(rpc.unwrap_rpc_secret(v)) for k, v in raw.items()}, None, None
        block, expr, unknown = self.block(path, raw, deps)
        return [block], ([expr] if expr else None), ([unknown] if unknown else None)

    def _list(self, path: str, raw: list[Any], deps: list[str]) -> tuple[Any, Any, Any]:
        """A list of blocks, or of values (a reference where any element is one)."""
        items = [rpc.unwrap_rpc_secret(v) for v in raw]
        if any(isinstance(v, Mapping) for v in items):
            blocks = [self.block(path, v, deps) for v in items]
            exprs = [e for _, e, _ in blocks]
            unknown = [u for _, _, u in blocks]
            return (
                [b for b, _, _ in blocks],
                exprs if any(exprs) else None,
                unknown if any(unknown) else None,
            )
        refs = [r for r in (self.reference(v, deps) for v in items) if r is not None]
        if refs:
            return None, refs[0].expression(), True
        return [_whole(v) for v in items], None, None

    def block(
        self, path: str, raw: Mapping[str, Any], deps: list[str]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        values: dict[str, Any] = {}
        exprs: dict[str, Any] = {}
        unknown: dict[str, Any] = {}
        for child, v in raw.items():
            if rpc.unwrap_rpc_secret(v) is None:
                continue
            child_path = f"{path}.{child}"
            name = self.table.name(child_path)
            value, expr, unk = self.value(child_path, v, deps)
            if value is not None:
                values[name] = value
            if expr:
                exprs[name] = expr
            if unk:
                unknown[name] = unk
        return values, exprs, unknown


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _tf_provider(pulumi_type: str) -> str:
    return "aws" if pulumi_type.startswith("aws:") else "google"


def convert(inventory: Inventory) -> Plan:
    """The plan document of the stack's first `up` (see the module docstring).

    Raises UnmappedInputError for a registered AWS/GCP type without a row in
    `terraform_types.TYPES`, or an input the row neither maps nor skips.
    """
    chosen = [r for r in inventory.custom() if scanned(r.type)]
    addresses: dict[str, str] = {}
    taken: set[str] = set()
    for r in sorted(chosen, key=lambda r: r.urn):
        table = TYPES.get(r.type)
        if table is None:
            raise UnmappedInputError(
                f"{r.type} ({r.name}): no row in offline/scan/terraform_types.py"
            )
        base = f"{table.tf_type}.{address_name(r.name)}"
        address, n = base, 2
        while address in taken:
            address, n = f"{base}_{n}", n + 1
        taken.add(address)
        addresses[r.urn] = address
    outputs = {r.urn: (addresses[r.urn], _plain(r.outputs)) for r in chosen}

    plan = Plan(inventory.stack, {})
    planned: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    configuration: list[dict[str, Any]] = []
    for r in sorted(chosen, key=lambda r: addresses[r.urn]):
        table = TYPES[r.type]
        address = addresses[r.urn]
        values, exprs, unknown, sensitive = _resource(r, table, outputs)
        name = address.split(".", 1)[1]
        provider = _tf_provider(r.type)
        planned.append(
            {
                "address": address,
                "mode": "managed",
                "type": table.tf_type,
                "name": name,
                "provider_name": PROVIDERS[provider],
                "schema_version": 0,
                "values": values,
                "sensitive_values": dict.fromkeys(sensitive, True),
            }
        )
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": table.tf_type,
                "name": name,
                "provider_name": PROVIDERS[provider],
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": values,
                    "after_unknown": unknown,
                    "before_sensitive": False,
                    "after_sensitive": dict.fromkeys(sensitive, True),
                },
            }
        )
        configuration.append(
            {
                "address": address,
                "mode": "managed",
                "type": table.tf_type,
                "name": name,
                "provider_config_key": provider,
                "expressions": exprs,
                "schema_version": 0,
            }
        )
        plan.urns[address] = r.urn
        plan.names[address] = r.name
    plan.document = {
        "format_version": "1.2",
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": _provider_config(inventory),
            "root_module": {"resources": configuration},
        },
    }
    return plan


def _plain(outputs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: rpc.unwrap_rpc_secret(v) for k, v in outputs.items()}


def _resource(
    r: Registration, table: TfType, outputs: Mapping[str, tuple[str, Mapping[str, Any]]]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[str]]:
    converter = _Converter(table, outputs)
    values: dict[str, Any] = {}
    exprs: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    sensitive: list[str] = []
    for key, raw in r.inputs.items():
        if key in table.skipped or rpc.unwrap_rpc_secret(raw) is None:
            continue
        if not table.covers(key):
            raise UnmappedInputError(
                f"{r.type}.{key} ({r.name}): not in offline/scan/terraform_types.py "
                f"({table.tf_type}): map it or say why it is skipped"
            )
        name = table.name(key)
        converter.sensitive = False
        deps = [] if key in table.known else r.property_dependencies.get(key, [])
        value, expr, unk = converter.value(key, raw, deps)
        if value is not None:
            values[name] = value
        if expr:
            exprs[name] = expr
        if unk:
            unknown[name] = unk
        if converter.sensitive:
            sensitive.append(name)
    return values, exprs, unknown, sensitive


def _provider_config(inventory: Inventory) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for r in inventory.registrations:
        if r.type == "pulumi:providers:aws" and "aws" not in config:
            region = r.input("region")
            config["aws"] = {
                "name": "aws",
                "full_name": PROVIDERS["aws"],
                "expressions": {"region": {"constant_value": region}} if region else {},
            }
        if r.type == "pulumi:providers:gcp" and "google" not in config:
            project = r.input("project")
            config["google"] = {
                "name": "google",
                "full_name": PROVIDERS["google"],
                "expressions": {"project": {"constant_value": project}} if project else {},
            }
    return config
