"""Preflight: every check trips on a fixture that breaks its rule, passes the right value,
and every real stack has no preflight error."""

from __future__ import annotations

import pytest

from offline import preflight
from offline.engine import Inventory, Registration

GITHUB_ENV = "github:index/repositoryEnvironment:RepositoryEnvironment"


def _rules(*registrations: Registration) -> set[str]:
    return {f.rule for f in preflight.run(Inventory.of(*registrations))}


def test_every_check_cites_its_source() -> None:
    for check in preflight.checks():
        assert check.source.strip(), f"{check.id} cites no source"
    ids = [c.id for c in preflight.checks()]
    assert len(ids) == len(set(ids)), "check ids must be unique"


@pytest.mark.parametrize(
    ("inputs", "tripped"),
    [
        ({"environment": "development", "preventSelfReview": True, "reviewers": []}, True),
        ({"environment": "development", "preventSelfReview": True}, True),
        ({"environment": "development", "preventSelfReview": False}, False),
        (
            {"environment": "prod", "preventSelfReview": True, "reviewers": [{"teams": [7]}]},
            False,
        ),
    ],
)
def test_self_review_needs_reviewers(inputs: dict[str, object], tripped: bool) -> None:
    found = _rules(Registration.fixture(GITHUB_ENV, "env", inputs))
    assert ("github-self-review-needs-reviewers" in found) is tripped


def test_no_stack_has_a_preflight_error(inventory: Inventory) -> None:
    errors = preflight.errors(preflight.run(inventory))
    assert not errors, "\n".join(f"{f.rule} {f.urn}: {f.message}" for f in errors)


def test_a_per_pr_stack_has_no_preflight_error(pr_stack_inventory: Inventory) -> None:
    # A per-PR stack is dev's config plus what .github/workflows/pr-stack.yml sets
    # (github.manage and vercel.manage false, its image tag): no GitHub or Vercel resource.
    inventory = pr_stack_inventory
    errors = preflight.errors(preflight.run(inventory))
    assert not errors, "\n".join(f"{f.rule} {f.urn}: {f.message}" for f in errors)
