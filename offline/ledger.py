"""The URN ledger: every URN a live stack holds, so a refactor cannot delete one unnoticed.

Pulumi identifies a resource by its URN: `urn:pulumi:<stack>::<project>::<parent type
chain>$<type>::<name>`. Renaming a resource, or moving it under another parent,
changes its URN, and `pulumi up` then deletes the old resource and creates a new
one (a new database, an emptied queue) unless the new registration carries an
`aliases` entry that maps the old URN (Pulumi docs, "Resource option: aliases").

`ledger/<project>.<stack>.txt` lists, one per line, the URNs of each stack as
reviewed and committed. It is not a syrupy snapshot: `pytest --snapshot-update`
never writes it. `check()` fails for every ledger URN that no resource of the
current program has and that no alias maps (`candidate_urns`, with the engine's
rule that a child also answers to its name under each of its parent's aliases).
After a reviewed, intended deletion or an added resource:

    uv run aevon ledger update            # every stack (and bootstrap's)
    uv run aevon ledger check             # what `update` would drop, exit 1 if any

New URNs are not an error (they are added by the next `update`); only a URN that
disappears is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from offline.engine import ROOT, STACKS, Inventory, Registration, child_urn, project_file, run_stack

LEDGER_DIR = ROOT / "ledger"
HEADER = (
    "# URNs of the stack as reviewed: a URN that disappears without an alias fails the tests\n"
    "# (offline/ledger.py). Update only after review: `uv run aevon ledger update`.\n"
)


def ledger_path(project: str, stack: str, directory: Path = LEDGER_DIR) -> Path:
    return directory / f"{project}.{stack}.txt"


def read(path: Path) -> list[str]:
    """The URNs of a ledger file (comments and blank lines skipped); [] if there is none."""
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def write(path: Path, urns: Iterable[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(f"{u}\n" for u in sorted(set(urns))), encoding="utf-8")


def urns_of(inventory: Inventory) -> list[str]:
    """The URNs the engine would hold for the inventory (the Stack resource is implicit)."""
    return sorted(r.urn for r in inventory.registrations)


def _stack_and_project(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    return parts[0].removeprefix("urn:pulumi:"), parts[1]


def candidate_urns(inventory: Inventory) -> dict[str, set[str]]:
    """URN -> every URN the resource answers to: its own and each one its aliases map.

    An alias spec's unset parts default to the resource's own name, type, stack,
    project and parent; an alias URN is taken as given. As the engine does, a child
    also answers to its (aliased) name and type under every URN its parent answers to.
    """
    by_urn: dict[str, Registration] = {r.urn: r for r in inventory.registrations}
    known: dict[str, set[str]] = {}

    def answers(r: Registration) -> set[str]:
        if r.urn in known:
            return known[r.urn]
        known[r.urn] = {r.urn}  # guards against a parent cycle
        stack, project = _stack_and_project(r.urn)
        parent = by_urn.get(r.parent)
        parents = answers(parent) if parent is not None else {r.parent}
        urns = {child_urn(p, r.type, r.name, stack, project) for p in parents}
        for alias in r.aliases:
            if alias.urn:
                urns.add(alias.urn)
                continue
            if alias.no_parent:
                alias_parents = {""}
            elif alias.parent_urn:
                aliased = by_urn.get(alias.parent_urn)
                alias_parents = answers(aliased) if aliased else {alias.parent_urn}
            else:
                alias_parents = parents
            for p in alias_parents:
                urns.add(
                    child_urn(
                        p,
                        alias.type or r.type,
                        alias.name or r.name,
                        alias.stack or stack,
                        alias.project or project,
                    )
                )
        known[r.urn] = urns | {r.urn}
        return known[r.urn]

    return {r.urn: answers(r) for r in inventory.registrations}


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


@dataclass(frozen=True)
class Lost:
    """A ledger URN the current program neither has nor maps by an alias."""

    urn: str
    stack: str
    ledger: Path

    def message(self) -> str:
        return (
            f"stack '{self.stack}': {self.urn} is in {_shown(self.ledger)} but no "
            "resource has that URN now and no alias maps it: `pulumi up` would delete it and "
            "create its successor. Give the renamed or moved resource "
            "`opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name=<old name>, "
            "parent=<old parent>)])`; if deleting it is intended, review it and run "
            "`uv run aevon ledger update`"
        )


def check(inventory: Inventory, ledger: Iterable[str], path: Path) -> list[Lost]:
    """Every ledger URN that disappears without an alias mapping it, in ledger order."""
    covered: set[str] = set()
    for urns in candidate_urns(inventory).values():
        covered |= urns
    return [Lost(urn, inventory.stack, path) for urn in ledger if urn not in covered]


BOOTSTRAP_DIR = ROOT / "bootstrap"


@dataclass(frozen=True)
class LedgerStack:
    """A live stack the ledger covers: the aevon stacks and each bootstrap stack."""

    project_dir: Path
    stack: str
    directory: Path = LEDGER_DIR

    @property
    def project(self) -> str:
        return str(project_file(self.project_dir)["name"])

    @property
    def path(self) -> Path:
        return ledger_path(self.project, self.stack, self.directory)

    def run(self) -> Inventory:
        return run_stack(self.stack, project_dir=self.project_dir)


def ledger_stacks() -> list[LedgerStack]:
    """`offline.engine.STACKS` and every `bootstrap/Pulumi.<stack>.yaml` (per-PR stacks are
    short-lived and have none)."""
    bootstrap = sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for p in BOOTSTRAP_DIR.glob("Pulumi.*.yaml")
    )
    return [LedgerStack(ROOT, s) for s in STACKS] + [
        LedgerStack(BOOTSTRAP_DIR, s) for s in bootstrap
    ]


def check_all(
    stacks: Iterable[LedgerStack], inventories: Mapping[str, Inventory] | None = None
) -> list[Lost]:
    """`check` over each stack (its inventory from `inventories` by ledger file name, or run)."""
    lost: list[Lost] = []
    for s in stacks:
        inventory = (inventories or {}).get(s.path.name) or s.run()
        lost += check(inventory, read(s.path), s.path)
    return lost


def update_all(stacks: Iterable[LedgerStack]) -> list[Path]:
    """Write each stack's ledger from its current program; the files written."""
    written = []
    for s in stacks:
        write(s.path, urns_of(s.run()))
        written.append(s.path)
    return written
