"""The real entry point, run with each real `Pulumi.<stack>.yaml`, asserted on its inventory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc
from syrupy.assertion import SnapshotAssertion

from infra.config import ConfigError
from offline.engine import ROOT, STACKS, Inventory, Registration, run_stack, stack_file


def test_every_custom_resource_uses_the_explicit_provider(inventory: Inventory) -> None:
    providers = {
        r.urn: r.type.removeprefix("pulumi:providers:")
        for r in inventory.registrations
        if r.type.startswith("pulumi:providers:")
    }
    packages = sorted(providers.values())
    assert len(packages) == len(set(packages)), f"one provider per package: {packages}"
    for r in inventory.custom():
        # A provider reference is "<provider urn>::<provider id>"; empty means a default provider.
        provider_urn = r.provider.rsplit("::", 1)[0]
        assert provider_urn in providers, f"{r.urn} uses provider {r.provider!r}"
        assert providers[provider_urn] == r.type.split(":")[0], f"{r.urn}: wrong package"


def test_provider_tags_everything_with_project_environment_and_managed_by(
    inventory: Inventory,
) -> None:
    provider = inventory.one("pulumi:providers:aws")
    # Provider inputs reach the engine as JSON text, like provider config.
    tags = json.loads(provider.input("defaultTags"))["tags"]
    assert tags["Project"] == "aevon"
    assert tags["Environment"] == inventory.stack
    assert tags["ManagedBy"] == "pulumi"
    assert tags["Owner"]
    assert tags["CostCenter"]
    assert provider.input("region") == stack_file(inventory.stack)["config"]["aws:region"]


# Types whose `name` input is not an AWS resource name (a stage key, a DNS record).
NOT_PHYSICAL_NAMES = {"aws:apigatewayv2/stage:Stage", "aws:route53/record:Record"}


def test_physical_names_and_name_tags_carry_project_and_stack(inventory: Inventory) -> None:
    named = 0
    for r in inventory.custom():
        # AWS names; GitHub, Vercel and GCP objects live in their own (per-stack) namespaces.
        if r.type in NOT_PHYSICAL_NAMES or not r.type.startswith("aws:"):
            continue
        tags = r.input("tags") or {}
        if isinstance(tags, list):  # an Auto Scaling group's [{key, value, ...}]
            tags = {t["key"]: t["value"] for t in tags}
        labels = [r.input("name"), tags.get("Name")]
        for label in (x for x in labels if isinstance(x, str)):
            named += 1
            assert f"aevon-{inventory.stack}" in label, f"{r.urn}: {label!r}"
    assert named > 20


def test_every_resource_is_inside_a_component(inventory: Inventory) -> None:
    components = {r.urn for r in inventory.registrations if not r.custom}
    for r in inventory.custom():
        assert r.parent in components, f"{r.urn} is not parented to a component"


def test_network_shape_follows_the_stack_file(inventory: Inventory) -> None:
    """Subnets per AZ, and the NAT the stack file asks for: gateways (single: 1, per_az: one
    per AZ) or one NAT instance (dev: `nat: instance`)."""
    network = stack_file(inventory.stack)["config"]["aevon:network"]
    az_count, nat = network["azCount"], network["nat"]
    gateways = {"none": 0, "single": 1, "per_az": az_count, "instance": 0}[nat]
    assert len(inventory.of_type("aws:ec2/subnet:Subnet")) == 3 * az_count
    assert len(inventory.of_type("aws:ec2/natGateway:NatGateway")) == gateways
    groups = inventory.of_type("aws:autoscaling/group:Group")
    assert len(groups) == (1 if nat == "instance" else 0)
    assert len(inventory.outputs["privateSubnetIds"]) == az_count
    assert len(set(inventory.outputs["availabilityZones"])) == az_count


def test_dev_idles_on_a_nat_instance_and_the_protected_stacks_keep_a_gateway_per_az(
    inventories: dict[str, Inventory],
) -> None:
    assert stack_file("dev")["config"]["aevon:network"]["nat"] == "instance"
    for stack in ("staging", "prod"):
        assert len(inventories[stack].of_type("aws:ec2/natGateway:NatGateway")) == 3, stack


def test_flow_log_retention_comes_from_the_stack_file(inventory: Inventory) -> None:
    group = inventory.by_name("network-flow-logs")
    wanted = stack_file(inventory.stack)["config"]["aevon:network"]["flowLogs"]["retentionDays"]
    assert group.input("retentionInDays") == wanted
    assert group.input("name") == f"/aevon-{inventory.stack}/vpc/network/flow-logs"


@pytest.mark.all_stacks
def test_stacks_share_an_account_without_name_collisions(inventories: dict[str, Inventory]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for inv in inventories.values():
        for r in inv.custom():
            physical = r.input("name")
            if (
                isinstance(physical, str)
                and r.type.startswith("aws:")
                and r.type not in NOT_PHYSICAL_NAMES
            ):
                key = (r.type, physical)
                assert key not in seen, f"{r.urn} and {seen[key]} share physical name {physical}"
                seen[key] = r.urn


def test_no_config_error_reaches_a_half_created_stack() -> None:
    with pytest.raises(ConfigError, match=r"(?s)stack 'dev'.*aevon:network\.azCount = 9"):
        run_stack("dev", {"aevon:network": {"cidr": "10.10.0.0/16", "azCount": 9, "nat": "single"}})


def test_bad_config_registers_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from offline import engine

    started: list[Any] = []
    original = engine._start

    def spy(*args: Any) -> Any:
        started.append(original(*args))
        return started[-1]

    monkeypatch.setattr(engine, "_start", spy)
    with pytest.raises(ConfigError):
        run_stack("prod", {"aevon:network": {"cidr": "10.30.0.0/16", "azCount": 3, "nat": "all"}})
    assert started[0].registrations == []


def _redact(value: Any) -> Any:
    if rpc.is_rpc_secret(value):
        return "[secret]"
    if isinstance(value, pulumi.FileArchive):
        return f"<FileArchive {Path(value.path).resolve().relative_to(ROOT)}>"
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def _inventory_lines(inv: Inventory) -> list[str]:
    """Type, logical name, options and inputs of every resource: what reviewers diff."""

    def line(r: Registration) -> str:
        options = []
        if r.protect:
            options.append("protect")
        if r.retain_on_delete:
            options.append("retainOnDelete")
        inputs = {k: v for k, v in r.inputs.items() if k != "__defaults"}
        suffix = f" [{', '.join(options)}]" if options else ""
        return f"{r.type} {r.name}{suffix} {json.dumps(_redact(inputs), sort_keys=True)}"

    return sorted(line(r) for r in inv.registrations)


@pytest.mark.parametrize("stack", STACKS)
def test_inventory_snapshot(
    inventories: dict[str, Inventory], stack: str, snapshot: SnapshotAssertion
) -> None:
    """Committed per-stack inventory: any infrastructure change shows as a snapshot diff.

    After an intended change: `uv run pytest --snapshot-update` and commit the diff.
    """
    assert _inventory_lines(inventories[stack]) == snapshot
