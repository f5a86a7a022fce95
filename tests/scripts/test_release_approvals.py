"""Failing case 4: the two-person production release was checked by team slug only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.release_approvals import approvers, main, problems

GATES = ("production-approval", "production")


def review(login: str, *environments: str, state: str = "approved") -> dict[str, Any]:
    """One entry as GET /repos/{o}/{r}/actions/runs/{id}/approvals returns it."""
    return {
        "environments": [
            {"id": i, "name": name, "url": f"https://api.github.com/x/{name}"}
            for i, name in enumerate(environments)
        ],
        "state": state,
        "comment": "",
        "user": {"login": login, "id": hash(login) % 1000, "type": "User"},
    }


def test_two_different_people_pass() -> None:
    reviews = [review("ana", "production-approval"), review("bo", "production")]
    assert approvers(reviews, GATES) == {"production-approval": "ana", "production": "bo"}
    assert problems(reviews, GATES, actor="cy") == []


def test_one_person_in_both_teams_is_refused() -> None:
    reviews = [review("ana", "production-approval"), review("Ana", "production")]
    assert problems(reviews, GATES) == [
        "ana approved production and production-approval: the gates need two different people"
    ]


def test_a_missing_or_rejected_gate_is_refused() -> None:
    reviews = [review("ana", "production-approval"), review("bo", "production", state="rejected")]
    assert problems(reviews, GATES) == ["no approval recorded for environment production"]


def test_the_latest_approval_of_a_rerun_counts() -> None:
    # Attempt 1: ana then bo. The job is re-run and production asks again: ana approves.
    reviews = [
        review("ana", "production-approval"),
        review("bo", "production"),
        review("ana", "production"),
    ]
    assert "the gates need two different people" in problems(reviews, GATES)[0]


def test_the_person_who_started_the_run_may_not_approve() -> None:
    reviews = [review("ana", "production-approval"), review("bo", "production")]
    assert problems(reviews, GATES, actor="BO") == [
        "bo approved production but started this run: nobody approves their own release"
    ]


def test_the_cli_reads_the_api_answer(tmp_path: Path) -> None:
    answer = tmp_path / "approvals.json"
    answer.write_text(json.dumps([review("ana", *GATES)]))
    gates = ["--gate", GATES[0], "--gate", GATES[1]]
    assert main(["--approvals", str(answer), *gates]) == 1
    answer.write_text(json.dumps([review("ana", GATES[0]), review("bo", GATES[1])]))
    assert main(["--approvals", str(answer), *gates]) == 0
    answer.write_text('{"message": "Resource not accessible by integration"}')
    assert main(["--approvals", str(answer), *gates]) == 1
    assert main(["--approvals", str(answer), "--gate", "production"]) == 1
