"""Idle cost is a feature: dev stays within its budget, computed from the real inventory."""

from __future__ import annotations

import pytest

from offline.delivery import stacks_in_delivery_order
from offline.engine import ROOT, STACKS, Inventory
from scripts.cost import budget, idle_cost, markdown, total

DEV_BUDGET_PER_MONTH = 60.0  # issue 16: dev idles under $60 a month


def test_dev_idle_cost_is_within_budget(inventories: dict[str, Inventory]) -> None:
    lines = idle_cost(inventories["dev"])
    assert total(lines) < DEV_BUDGET_PER_MONTH, lines
    drivers = {line.driver: line for line in lines}
    assert "NAT gateways" not in drivers, "dev's egress is a NAT instance, not a gateway"
    assert (drivers["EC2 instances"].quantity, drivers["EC2 instances"].unit) == (1, "x t4g.nano")
    assert drivers["EBS volumes"].quantity == 8
    assert drivers["Aurora capacity at minimum"].monthly == 0


@pytest.mark.all_stacks
def test_every_public_address_is_counted(inventories: dict[str, Inventory]) -> None:
    """One per ALB subnet, one per Elastic IP (the NAT gateways') and one per instance
    launched with a public address (the NAT instance's primary interface)."""
    for stack, inventory in inventories.items():
        (alb,) = inventory.of_type("aws:lb/loadBalancer:LoadBalancer")
        expected = len(alb.input("subnets")) + len(inventory.of_type("aws:ec2/eip:Eip"))
        expected += sum(
            int(g.input("desiredCapacity"))
            for g in inventory.of_type("aws:autoscaling/group:Group")
        )
        drivers = {line.driver: line for line in idle_cost(inventory)}
        assert drivers["public IPv4 addresses"].quantity == expected, stack


def test_prod_pays_for_redundancy_not_for_idle_capacity(inventories: dict[str, Inventory]) -> None:
    lines = {line.driver: line for line in idle_cost(inventories["prod"])}
    assert lines["NAT gateways"].quantity == 3
    assert lines["Aurora capacity at minimum"].quantity <= 1.0, "0.5 ACU per instance at idle"


@pytest.mark.all_stacks
def test_readme_cost_table_is_the_computed_one(inventories: dict[str, Inventory]) -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- cost:start")
    table = readme[readme.index("\n", start) + 1 : readme.index("<!-- cost:end -->")].strip()
    # A column per stack file, in delivery order: a new stack's column appears by itself.
    ordered = stacks_in_delivery_order()
    computed = markdown(
        {stack: idle_cost(inventories[stack]) for stack in ordered},
        {stack: budget(inventories[stack]) for stack in ordered},
    )
    fix = "uv run python scripts/cost.py --write-readme"
    assert table == computed, f"README cost table is stale: run `{fix}`"


def test_an_idle_stack_stays_below_its_budgets_first_alert(
    inventories: dict[str, Inventory],
) -> None:
    """Issue 15: the budget (from the stack file) and the idle cost (the README's table) agree:
    a stack doing nothing never alerts, and the limit is what the stack file says."""
    from infra.config import parse
    from offline.engine import stack_config

    for stack in STACKS:
        registered = budget(inventories[stack])
        settings = parse("aevon", stack, stack_config(stack)[0]).budget
        assert registered.limit == settings.monthly_limit_usd, stack
        assert registered.lowest_alert == settings.lowest_alert_usd(), stack
        idle = total(idle_cost(inventories[stack]))
        assert idle < registered.lowest_alert, (
            f"{stack}: idle ${idle:,.2f} reaches the budget's first alert "
            f"${registered.lowest_alert:,.2f}: raise aevon:budget.monthlyLimitUsd"
        )
