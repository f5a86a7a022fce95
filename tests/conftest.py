"""Fixtures over the one recording mock in `offline.engine` (which the plan command,
the scripts and these tests all use): each real stack, run once per session."""

from __future__ import annotations

import pytest

from offline.engine import STACKS, Inventory, run_stack

_INVENTORY_CACHE: dict[str, Inventory] = {}
_PR_STACK_CACHE: dict[str, Inventory] = {}


@pytest.fixture(scope="session")
def inventories() -> dict[str, Inventory]:
    """Each real stack, run once per session (the program is deterministic under mocks)."""
    for stack in STACKS:
        if stack not in _INVENTORY_CACHE:
            _INVENTORY_CACHE[stack] = run_stack(stack)
    return _INVENTORY_CACHE


@pytest.fixture(params=STACKS)
def inventory(request: pytest.FixtureRequest, inventories: dict[str, Inventory]) -> Inventory:
    return inventories[request.param]


@pytest.fixture(scope="session")
def pr_stack_inventory() -> Inventory:
    """A per-PR stack (`pr-42`, dev's config with the workflow's overrides), run once."""
    from tests.test_identity_and_platforms import pr_stack_overrides

    # Not in `inventories`: that fixture holds exactly the real stacks.
    if "pr-42" not in _PR_STACK_CACHE:
        _PR_STACK_CACHE["pr-42"] = run_stack("dev", pr_stack_overrides(42), as_stack="pr-42")
    return _PR_STACK_CACHE["pr-42"]
