"""Provider and API rules the AWS schemas don't carry, one table row each.

Each row names the resource types it applies to, what the real provider or API
would do with a bad value, and where that rule is written down. Rows are plain
functions of one registration (`per_resource`) or of the whole inventory.
"""

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


# ------------------------------------------------------------------------ GitHub
def _self_review_needs_reviewers(r: Registration) -> Iterable[str]:
    reviewers = r.input("reviewers") or []
    named = any((entry.get("teams") or entry.get("users")) for entry in reviewers)
    if r.input("preventSelfReview") is True and not named:
        yield (
            f"environment {r.input('environment')!r} sets preventSelfReview with no reviewers; "
            "GitHub answers 422 'Required reviewers must have at least one reviewer to set "
            "prevent_self_review': send it only where reviewers exist"
        )


CHECKS: list[Check] = [
    per_resource(
        "github-self-review-needs-reviewers",
        "prevent_self_review only on environments with required reviewers",
        "GitHub REST 'Create or update an environment' (422); "
        "github-community-projects/safe-settings#628",
        types=("github:index/repositoryEnvironment:RepositoryEnvironment",),
        check=_self_review_needs_reviewers,
    ),
]
