"""Refactor safety: a URN of a live stack never disappears without an alias that maps it."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from offline import cli, ledger
from offline.engine import Alias, Inventory, Registration, run_stack

STACK_URN = "urn:pulumi:dev::aevon::"
PARENT = STACK_URN + "aevon:data:AuroraPostgres::database"
CHILD = STACK_URN + "aevon:data:AuroraPostgres$aws:ec2/securityGroup:SecurityGroup::database-sg"


@pytest.mark.parametrize("item", ledger.ledger_stacks(), ids=lambda s: s.path.name)
def test_no_ledger_urn_disappears_without_an_alias(
    item: ledger.LedgerStack, inventories: dict[str, Inventory]
) -> None:
    """Renaming or re-parenting a resource of a live stack needs an alias (or a reviewed
    `aevon ledger update`); `pytest --snapshot-update` does not write the ledger."""
    assert ledger.read(item.path), f"{item.path} is missing: run `uv run aevon ledger update`"
    inventory = inventories.get(item.stack) if item.project == "aevon" else None
    lost = ledger.check(inventory or item.run(), ledger.read(item.path), item.path)
    assert lost == [], "\n".join(x.message() for x in lost)


def _inventory(*registrations: Registration) -> Inventory:
    return Inventory("dev", list(registrations), {}, set(), [])


def _component(urn: str = PARENT, name: str = "database", **options: Any) -> Registration:
    return Registration.fixture("aevon:data:AuroraPostgres", name, urn=urn, custom=False, **options)


def _child(name: str, parent: str = PARENT, **options: Any) -> Registration:
    prefix = parent[: parent.rfind("::")]
    return Registration.fixture(
        "aws:ec2/securityGroup:SecurityGroup",
        name,
        urn=f"{prefix}$aws:ec2/securityGroup:SecurityGroup::{name}",
        parent=parent,
        **options,
    )


def test_a_renamed_child_without_an_alias_is_lost() -> None:
    now = _inventory(_component(), _child("database-security-group"))
    (lost,) = ledger.check(now, [PARENT, CHILD], Path(ledger.LEDGER_DIR / "aevon.dev.txt"))
    assert lost.urn == CHILD
    assert "no alias maps it" in lost.message()
    assert "aevon ledger update" in lost.message()


def test_an_alias_by_name_maps_the_old_urn() -> None:
    renamed = _child("database-security-group", aliases=[Alias(name="database-sg")])
    assert ledger.check(_inventory(_component(), renamed), [PARENT, CHILD], Path("x")) == []


def test_a_moved_child_needs_an_alias_naming_its_old_parent() -> None:
    other = STACK_URN + "aevon:data:StorePlacement::placement"
    moved = _child("database-sg", parent=other)
    placement = Registration.fixture(
        "aevon:data:StorePlacement", "placement", urn=other, custom=False
    )
    world = [_component(), placement]
    assert [x.urn for x in ledger.check(_inventory(*world, moved), [CHILD], Path("x"))] == [CHILD]
    aliased = replace(moved, aliases=[Alias(parent_urn=PARENT)])
    assert ledger.check(_inventory(*world, aliased), [CHILD], Path("x")) == []


def test_a_child_follows_its_parents_alias() -> None:
    """A URN holds the parent's type chain, not its name: a component whose type token
    changes moves every child, and the engine maps each child under every URN its parent
    answers to, so the component's alias covers them."""
    new_type = "aevon:database:AuroraPostgres"
    new_parent = f"{STACK_URN}{new_type}::database"
    component = Registration.fixture(
        new_type, "database", urn=new_parent, custom=False,
        aliases=[Alias(type="aevon:data:AuroraPostgres")],
    )  # fmt: skip
    child = _child("database-sg", parent=new_parent)
    assert ledger.check(_inventory(component, child), [PARENT, CHILD], Path("x")) == []
    bare = replace(component, aliases=[])
    assert [x.urn for x in ledger.check(_inventory(bare, child), [PARENT, CHILD], Path("x"))] == [
        PARENT,
        CHILD,
    ]


PROGRAM = """
import pulumi
import pulumi_random as random

class Store(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:store:Store", name, None, opts)
        random.RandomPassword(
            CHILD_NAME, length=16, opts=pulumi.ResourceOptions(parent=self, aliases=ALIASES)
        )
        self.register_outputs({})

Store("store")
"""


def _project(tmp_path: Path, child_name: str, aliases: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: fixture\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    program = PROGRAM.replace("CHILD_NAME", repr(child_name)).replace("ALIASES", aliases)
    (tmp_path / "__main__.py").write_text(textwrap.dedent(program))
    return tmp_path


def test_the_engine_records_the_aliases_the_sdk_sends(tmp_path: Path) -> None:
    old = (
        "urn:pulumi:dev::fixture::test:store:Store"
        "$random:index/randomPassword:RandomPassword::store-password"
    )
    kept = run_stack("dev", project_dir=_project(tmp_path, "store-password", "None"))
    assert old in ledger.urns_of(kept)
    renamed = run_stack(
        "dev",
        project_dir=_project(tmp_path, "store-secret", "[pulumi.Alias(name='store-password')]"),
    )
    (password,) = renamed.of_type("random:index/randomPassword:RandomPassword")
    assert password.aliases == [Alias(name="store-password")]
    assert ledger.check(renamed, [old], Path("x")) == []
    bare = run_stack("dev", project_dir=_project(tmp_path, "store-secret", "None"))
    assert [x.urn for x in ledger.check(bare, [old], Path("x"))] == [old]


def test_grandchildren_get_the_parents_whole_type_chain(inventories: dict[str, Inventory]) -> None:
    log = inventories["dev"].by_name("app-api-logs")
    assert log.urn == (
        "urn:pulumi:dev::aevon::aevon:compute:AppServices$aevon:compute:FargateService"
        "$aws:cloudwatch/logGroup:LogGroup::app-api-logs"
    )


def test_the_command_checks_and_updates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = ledger.LedgerStack(ledger.BOOTSTRAP_DIR, "prod", tmp_path)
    monkeypatch.setattr(ledger, "ledger_stacks", lambda: [stack])
    assert cli.main(["ledger", "update"]) == 0
    urns = ledger.read(stack.path)
    assert urns
    assert all(u.startswith("urn:pulumi:prod::aevon-bootstrap::") for u in urns)
    assert cli.main(["ledger", "check"]) == 0
    gone = "urn:pulumi:prod::aevon-bootstrap::aws:s3/bucket:Bucket::old-bucket"
    ledger.write(stack.path, [*urns, gone])
    capsys.readouterr()
    assert cli.main(["ledger", "check"]) == 1
    out = capsys.readouterr()
    assert gone in out.out
    assert "1 URN(s) would be deleted without an alias" in out.err
