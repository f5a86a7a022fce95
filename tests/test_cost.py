"""Idle cost is a feature: dev stays within its budget, computed from the real inventory."""

from __future__ import annotations

from offline.engine import ROOT, STACKS, Inventory
from scripts.cost import idle_cost, markdown, total

DEV_BUDGET_PER_MONTH = 90.0


def test_dev_idle_cost_is_within_budget(inventories: dict[str, Inventory]) -> None:
    lines = idle_cost(inventories["dev"])
    assert total(lines) < DEV_BUDGET_PER_MONTH, lines
    drivers = {line.driver: line for line in lines}
    assert drivers["NAT gateways"].quantity == 1, "dev shares one NAT gateway"
    assert drivers["Aurora capacity at minimum"].monthly == 0


def test_prod_pays_for_redundancy_not_for_idle_capacity(inventories: dict[str, Inventory]) -> None:
    lines = {line.driver: line for line in idle_cost(inventories["prod"])}
    assert lines["NAT gateways"].quantity == 3
    assert lines["Aurora capacity at minimum"].quantity <= 1.0, "0.5 ACU per instance at idle"


def test_readme_cost_table_is_the_computed_one(inventories: dict[str, Inventory]) -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- cost:start")
    table = readme[readme.index("\n", start) + 1 : readme.index("<!-- cost:end -->")].strip()
    computed = markdown({stack: idle_cost(inventories[stack]) for stack in STACKS})
    fix = "uv run python scripts/cost.py --write-readme"
    assert table == computed, f"README cost table is stale: run `{fix}`"
