"""Helpers to write rule tables: one `Check` per row, over single registrations or
over the whole inventory, and the dependency closure rules about ordering need."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from offline.engine import Inventory, Registration
from offline.preflight import Check, Severity


def per_resource(
    rule: str,
    title: str,
    source: str,
    *,
    types: tuple[str, ...],
    check: Callable[[Registration], Iterable[str]],
    severity: Severity = "error",
) -> Check:
    """A check of each registration of `types` on its own."""

    def run(inventory: Inventory) -> Iterable[tuple[str, str]]:
        for r in inventory.registrations:
            if r.type in types:
                for message in check(r):
                    yield r.urn, message

    return Check(rule, title, source, run, severity)


def whole_inventory(
    rule: str,
    title: str,
    source: str,
    *,
    check: Callable[[Inventory], Iterable[tuple[str, str]]],
    severity: Severity = "error",
) -> Check:
    """A check that needs more than one registration (ordering, pairs, lookups)."""
    return Check(rule, title, source, check, severity)


def waits_for(inventory: Inventory) -> Callable[[Registration], set[str]]:
    """URN -> every URN the engine creates before it: explicit `depends_on`, every
    property dependency, and theirs in turn (what a real `up` orders by)."""
    direct = {
        r.urn: {*r.depends_on, *(u for urns in r.property_dependencies.values() for u in urns)}
        for r in inventory.registrations
    }
    closure: dict[str, set[str]] = {}

    def of(urn: str) -> set[str]:
        if urn in closure:
            return closure[urn]
        closure[urn] = set()  # cycles cannot happen in a real program; guard anyway
        seen: set[str] = set()
        for dep in direct.get(urn, set()):
            seen.add(dep)
            seen |= of(dep)
        closure[urn] = seen
        return seen

    return lambda r: of(r.urn)


def names(values: Iterable[object]) -> str:
    return ", ".join(sorted(str(v) for v in values))
