"""Fixtures over the one recording mock (which lives in `infra.plan.engine`, shared with
the offline plan command): component harnesses and each real stack, run once per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pulumi
import pytest

from infra.plan.engine import (
    ACCOUNT_ID,
    PROJECT,
    ROOT,
    STACKS,
    TEST_SECRET_VALUE,
    Inventory,
    RecordingMocks,
    RecordingMonitor,
    Registration,
    _start,
    project_file,
    render_policy_document,
    run_stack,
    stack_config,
    stack_file,
)

__all__ = [
    "ACCOUNT_ID",
    "PROJECT",
    "ROOT",
    "STACKS",
    "TEST_SECRET_VALUE",
    "Inventory",
    "RecordingMocks",
    "RecordingMonitor",
    "Registration",
    "build",
    "component_harness",
    "project_file",
    "render_policy_document",
    "run_stack",
    "stack_config",
    "stack_file",
]


@contextmanager
def component_harness(stack: str = "test") -> Iterator[RecordingMonitor]:
    """Mocks for a component test; the recorded registrations are on the monitor."""
    monitor = _start(stack, {}, [])
    yield monitor


def build(program: Callable[[], object]) -> RecordingMonitor:
    """Run `program` (which builds components and may return an Output to await) as a
    `@pulumi.runtime.test`, wait for every registration, and return the recording."""
    with component_harness() as monitor:
        pulumi.runtime.test(program)()
    return monitor


_INVENTORY_CACHE: dict[str, Inventory] = {}


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
