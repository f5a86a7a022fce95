"""First deploy from empty accounts: does each stack's first `up` find what it reads?

`aevon plan <stack> --first-deploy` models the accounts and organisations as they
are before that stack's first `up`, in delivery order (`offline.delivery`):
bootstrap, then each stack after the one it promotes from. Every deployment's
program runs under the mock engine with invoke answers that depend on that world
(`offline.world`): a lookup of an object an earlier deployment created is answered
from that deployment's registration; one a person must create by hand is a
*prerequisite*, printed with its exact commands; one that nothing creates in time
is a failure, and the mock still answers so evaluation continues.

    simulation = Simulation(stack_deployments())
    result = simulation.check("dev")           # FirstDeploy
    result.failures                            # [Resolution] that fail the first `up`
    print(result.render()); result.to_json()

A lookup fails when the object it reads is created by a deployment that is not
certain to come first (a later stack, a sibling, or the stack itself: a lookup
runs before the stack's own resources exist), or by nothing at all when no person
may create it either. A reference (an object named in a resource's inputs) fails
the same way, except that the stack itself may create it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from offline.delivery import Deployment, ancestors, delivery_order
from offline.engine import Inventory, Registration, project_file, run_stack
from offline.world import (
    KINDS,
    LOOKUPS,
    ObjectKey,
    Prerequisite,
    Scope,
    answer_from,
    created,
    referenced,
)

Status = Literal["fact", "created", "prerequisite", "too-late", "missing", "no-rule"]
FAILING: frozenset[Status] = frozenset({"too-late", "missing", "no-rule"})


@dataclass(frozen=True, order=True)
class Need:
    """Something a deployment reads: by lookup (`via` = the invoke token) or by
    reference (`via` = the resource type naming it). `key` is None for a fact and
    for a lookup token no table row covers."""

    kind: Literal["lookup", "reference"]
    via: str
    key: ObjectKey | None


@dataclass(frozen=True)
class Resolution:
    """How the world answers one need before the deployment's first `up`."""

    need: Need
    count: int  # how many times the deployment reads it
    status: Status
    by: str | None  # the deployment that creates it, if any
    message: str

    @property
    def failed(self) -> bool:
        return self.status in FAILING

    def to_json(self) -> dict[str, Any]:
        key = self.need.key
        return {
            "kind": self.need.kind,
            "via": self.need.via,
            "object": key.describe() if key else None,
            "count": self.count,
            "status": self.status,
            "by": self.by,
            "message": self.message,
        }


@dataclass
class Run:
    """A deployment's program, run under the world of the deployments before it."""

    deployment: Deployment
    inventory: Inventory
    lookups: list[Need]

    @property
    def label(self) -> str:
        return self.deployment.label

    @property
    def project(self) -> str:
        return str(project_file(self.deployment.project_dir)["name"])

    @cached_property
    def creates(self) -> dict[ObjectKey, Registration]:
        """The objects of a kind in `offline.world.KINDS` its resources create."""
        return dict(created(self.inventory, self.deployment.account))

    @cached_property
    def references(self) -> list[Need]:
        """One need per resource naming an object (so the count says how many name it);
        `via` lists the short types of all that name the same object."""
        types: dict[ObjectKey, list[str]] = {}
        for key, r in referenced(self.inventory, self.deployment.account):
            short = r.type.rsplit(":", 1)[-1]
            if r.type.startswith("pulumi:providers:"):
                short = f"{short} provider"
            types.setdefault(key, []).append(short)
        # Values an operator sets in the stack's config (the engine stood in for them).
        config = self.inventory.config_stack or self.deployment.stack
        operator = [
            Need("reference", "stack config", ObjectKey("operator-value", config, value.key))
            for value in self.inventory.stand_ins
        ]
        return [
            Need("reference", ", ".join(sorted(set(names))), key)
            for key, names in types.items()
            for _ in names
        ] + operator

    @cached_property
    def needed(self) -> set[ObjectKey]:
        return {n.key for n in [*self.lookups, *self.references] if n.key is not None}


class _World:
    """The invoke hook: answers each lookup from the deployment that created the object
    (earlier in delivery order), and records every lookup for the resolution."""

    def __init__(self, deployment: Deployment, available: Mapping[ObjectKey, Registration]):
        self.deployment = deployment
        self.available = available
        self.lookups: list[Need] = []

    def __call__(
        self,
        token: str,
        args: dict[str, Any],
        provider: Mapping[str, Any],
        default: dict[str, Any],
    ) -> dict[str, Any]:
        if token not in LOOKUPS:
            self.lookups.append(Need("lookup", token, None))
            return default
        rule = LOOKUPS[token]
        key = None if rule is None else rule(args, Scope(self.deployment.account, provider))
        self.lookups.append(Need("lookup", token, key))
        creator = self.available.get(key) if key is not None else None
        return answer_from(key, creator, default) if key and creator else default


@dataclass
class FirstDeploy:
    """The first `up` of one deployment, checked against the world before it."""

    deployment: Deployment
    order: list[Deployment]
    before: list[Run]  # bootstrap and the stacks it promotes from, in order
    resolutions: list[Resolution]
    prerequisites: list[Prerequisite]
    # prerequisite -> the earlier deployment that already needed it
    already: dict[ObjectKey, str] = field(default_factory=dict)

    @property
    def failures(self) -> list[Resolution]:
        return [r for r in self.resolutions if r.failed]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.deployment.label,
            "order": [d.label for d in self.order],
            "before": [
                {
                    "deployment": run.label,
                    "project": run.project,
                    "stack": run.deployment.stack,
                    "account": run.deployment.account,
                    "resources": len(run.inventory.registrations),
                    "creates": [k.describe() for k in sorted(run.creates)],
                }
                for run in self.before
            ],
            "prerequisites": [
                {
                    "object": p.key.describe(),
                    "commands": list(p.commands),
                    "note": p.note,
                    "source": p.source,
                    "alreadyBefore": self.already.get(p.key),
                }
                for p in self.prerequisites
            ],
            "lookups": [r.to_json() for r in self.resolutions if r.need.kind == "lookup"],
            "references": [r.to_json() for r in self.resolutions if r.need.kind == "reference"],
            "failures": len(self.failures),
        }

    def render(self) -> str:
        label = self.deployment.label
        chain = " -> ".join([*(r.label for r in self.before), label])
        lines = [
            f"first deploy of {label}: {chain}",
            f"(delivery order: {', '.join(d.label for d in self.order)})",
            "",
            f"BEFORE {label}'s first up (what earlier deployments created)",
        ]
        for run in self.before:
            d = run.deployment
            lines.append(
                f"  {d.label}: project {run.project}, stack {d.stack}, account {d.account}, "
                f"{len(run.inventory.registrations)} resources"
            )
            lines += [f"    - {k.describe()}" for k in sorted(run.creates)]
        lines += ["", f"PREREQUISITES (a person creates these once, before {label}'s first up)"]
        for p in self.prerequisites:
            already = f"  (already before {self.already[p.key]})" if p.key in self.already else ""
            lines.append(f"  - {p.key.describe()}{already}")
            lines += [f"      $ {command}" for command in p.commands]
            if p.note:
                lines.append(f"      {p.note}")
        if not self.prerequisites:
            lines.append("  none")
        for kind, heading in (
            ("lookup", "LOOKUPS"),
            ("reference", "REFERENCES (objects its resources name)"),
        ):
            lines += ["", heading]
            for r in (r for r in self.resolutions if r.need.kind == kind):
                times = f" x{r.count}" if r.count > 1 else ""
                mark = "FAILED" if r.failed else r.status
                lines.append(f"  {mark:<12} {r.need.via}{times}: {r.message}")
        failures = self.failures
        lines += [
            "",
            f"{label}: {len(failures)} read(s) of something nothing creates in time"
            if failures
            else f"{label}: every lookup and reference is satisfied before the first up",
        ]
        return "\n".join(lines) + "\n"


class Simulation:
    """Every deployment's first `up`, in delivery order, each run once and cached.

    Raises `DeliveryOrderError` for an order that does not exist; a deployment's
    program raises `ConfigError` for invalid config.
    """

    def __init__(
        self,
        stacks: Sequence[Deployment],
        bootstrap: Deployment | Sequence[Deployment] | None = None,
    ) -> None:
        self.order = delivery_order(stacks, bootstrap)
        self.by_label = {d.label: d for d in self.order}
        self._runs: dict[str, Run] = {}

    def run(self, label: str) -> Run:
        """The deployment's program under the world its ancestors leave (run first)."""
        if label not in self._runs:
            available: dict[ObjectKey, Registration] = {}
            for earlier in ancestors(self.order, label):
                available.update(self.run(earlier.label).creates)
            d = self.by_label[label]
            world = _World(d, available)
            inventory = run_stack(
                d.config_from or d.stack,
                d.overrides,
                d.project_dir,
                as_stack=d.stack if d.config_from else None,
                invoke_hook=world,
            )
            self._runs[label] = Run(d, inventory, world.lookups)
        return self._runs[label]

    def check(self, label: str) -> FirstDeploy:
        """Resolve every lookup and reference of `label`'s first `up`.

        Runs every deployment (a later one may be the creator to name).
        """
        runs = [self.run(d.label) for d in self.order]
        target = self._runs[label]
        before = [self._runs[d.label] for d in ancestors(self.order, label)]
        needs = [*target.lookups, *target.references]
        resolutions: list[Resolution] = []
        prerequisites: dict[ObjectKey, Prerequisite] = {}
        for need in sorted(set(needs)):
            status, by, message, prerequisite = _resolve(need, target, before, runs)
            resolutions.append(Resolution(need, needs.count(need), status, by, message))
            if prerequisite is not None:
                prerequisites[prerequisite.key] = prerequisite
        already = {
            key: next(run.label for run in before if key in run.needed)
            for key in prerequisites
            if any(key in run.needed for run in before)
        }
        return FirstDeploy(
            target.deployment,
            self.order,
            before,
            resolutions,
            [prerequisites[k] for k in sorted(prerequisites)],
            already,
        )


def _resolve(
    need: Need, target: Run, before: Sequence[Run], runs: Sequence[Run]
) -> tuple[Status, str | None, str, Prerequisite | None]:
    """(status, the creating deployment, message, the prerequisite standing in)."""
    label = target.label
    if need.key is None:
        if need.via in LOOKUPS:
            return "fact", None, "exists in every account", None
        return (
            "no-rule",
            None,
            (
                f"{label} calls {need.via}, which offline/world.py's LOOKUPS does not cover: say "
                "what it reads, who creates it and which prerequisite may stand in"
            ),
            None,
        )
    key, what = need.key, need.key.describe()
    reads = "looks up" if need.kind == "lookup" else "names"
    earlier = next((run for run in before if key in run.creates), None)
    if earlier is None and need.kind == "reference" and key in target.creates:
        earlier = target  # a resource may name what its own stack creates: the engine orders them
    if earlier is not None:
        return "created", earlier.label, f"{what}: created by {earlier.label}", None
    late = next((run for run in runs if key in run.creates), None)
    if late is not None:
        return "too-late", late.label, f"{label} {reads} {what}{_too_late(label, late, runs)}", None
    prerequisite = KINDS[key.kind].prerequisite_for(
        key, target.inventory, [run.inventory for run in before]
    )
    if prerequisite is not None:
        return "prerequisite", None, f"{what}: a prerequisite", prerequisite
    return (
        "missing",
        None,
        (f"{label} {reads} {what}: nothing creates it and it is not a prerequisite"),
        None,
    )


def _too_late(label: str, creator: Run, runs: Sequence[Run]) -> str:
    if creator.label == label:
        return f": {label} itself creates it, and a lookup runs before {label}'s resources exist"
    order = [run.deployment for run in runs]
    if label in {d.label for d in ancestors(order, creator.label)}:
        return f", which {creator.label} creates; {creator.label} deploys after {label}"
    return (
        f", which {creator.label} creates; {creator.label} is not deployed before {label} "
        "(neither promotes from the other)"
    )


def check_all(simulation: Simulation) -> dict[str, FirstDeploy]:
    """Every stack's first deploy (not the bootstraps'), in delivery order."""
    return {d.label: simulation.check(d.label) for d in simulation.order if not d.bootstrap}
