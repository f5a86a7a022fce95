"""Two different people approved this run's two production gates, or the release stops.

GitHub asks one approval per environment, and `prevent_self_review` only keeps the
person who started the run from approving; someone in both reviewer teams could
approve both gates alone. So before `pulumi up`, deploy and rollback read the
run's review history and compare the approvers:

    gh api "repos/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/approvals" > approvals.json
    python -m scripts.release_approvals --approvals approvals.json \
        --gate production-approval --gate production --actor "$GITHUB_TRIGGERING_ACTOR"

Source: GitHub REST API, "Get the review history for a workflow run"
(`GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`, any token with read
access; GITHUB_TOKEN needs `actions: read`): a list of reviews, each with
`state` (approved | rejected | pending), `user.login` and `environments[].name`.

The approver of a gate is the user of its latest `approved` review: a re-run of a
job asks its environment again, and the newest approval is the one that let this
attempt through. Exit 0 when every gate has an approver, no two gates share one,
and none is the actor who started the run; otherwise exit 1 naming the problem.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from offline.args import ArgumentParser
from scripts import gha


def approvers(reviews: Sequence[dict[str, Any]], gates: Sequence[str]) -> dict[str, str]:
    """Gate -> login of its latest approval (gates without one are absent).

    The API lists reviews oldest first; a later approval of the same gate wins.
    """
    found: dict[str, str] = {}
    for review in reviews:
        if review.get("state") != "approved":
            continue
        login = (review.get("user") or {}).get("login")
        if not login:
            continue
        for environment in review.get("environments") or []:
            if environment.get("name") in gates:
                found[environment["name"]] = login
    return found


def problems(
    reviews: Sequence[dict[str, Any]], gates: Sequence[str], actor: str | None = None
) -> list[str]:
    """Why the release must stop; empty when two different people approved."""
    if len(set(gates)) < 2:
        return [f"name at least two different gates (got {', '.join(gates) or 'none'})"]
    found = approvers(reviews, gates)
    result = [f"no approval recorded for environment {g}" for g in gates if g not in found]
    by_person: dict[str, list[str]] = {}
    for gate, login in found.items():
        by_person.setdefault(login.lower(), []).append(gate)
    for login, shared in sorted(by_person.items()):
        if len(shared) > 1:
            result.append(
                f"{login} approved {' and '.join(sorted(shared))}: the gates need two "
                "different people"
            )
    if actor:
        result += [
            f"{login} approved {gate} but started this run: nobody approves their own release"
            for gate, login in sorted(found.items())
            if login.lower() == actor.lower()
        ]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python -m scripts.release_approvals",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--approvals", type=Path, required=True, help="the API's JSON answer")
    parser.add_argument("--gate", action="append", default=[], help="an environment name")
    parser.add_argument("--actor", default=None, help="who started the run")
    args = parser.parse_args(argv)
    try:
        reviews = json.loads(args.approvals.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        gha.error(f"cannot read the run's approvals from {args.approvals}: {err}")
        return 1
    if not isinstance(reviews, list):
        gha.error(f"{args.approvals} is not the approvals list the API returns: {reviews!r:.200}")
        return 1
    found = problems(reviews, args.gate, args.actor)
    if found:
        for problem in found:
            gha.error(problem)
        return 1
    who = approvers(reviews, args.gate)
    gha.add_summary(
        "Two-person release: " + ", ".join(f"{g} approved by {who[g]}" for g in args.gate)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
