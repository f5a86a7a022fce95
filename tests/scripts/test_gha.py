"""Failing case 9: fork pull requests could never pass the required preview checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts.gha import is_fork, main


def pull(head: str | None) -> dict[str, Any]:
    head_repo = {"full_name": head} if head else None
    return {
        "action": "synchronize",
        "pull_request": {
            "number": 7,
            "head": {"repo": head_repo},
            "base": {"repo": {"full_name": "aevon-os/aevon-infra"}},
        },
    }


def test_forks_are_pull_requests_from_another_repository() -> None:
    assert not is_fork(pull("aevon-os/aevon-infra"))
    assert is_fork(pull("someone/aevon-infra"))
    assert is_fork(pull(None)), "a deleted fork is still not this repository"
    assert not is_fork({"ref": "refs/heads/main"}), "not a pull request"


@pytest.mark.parametrize(
    ("head", "fork"), [("someone/aevon-infra", True), ("aevon-os/aevon-infra", False)]
)
def test_fork_guard_says_a_maintainer_is_needed(
    head: str, fork: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event, out, summary = tmp_path / "event.json", tmp_path / "out", tmp_path / "summary"
    event.write_text(json.dumps(pull(head)))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["fork-guard", "--stack", "prod"]) == 0, "the required check passes"
    assert out.read_text() == f"fork={str(fork).lower()}\n"
    if fork:
        text = summary.read_text()
        assert text.startswith("### `prod`: preview needs a maintainer")
        assert "git push origin HEAD:refs/heads/fork/pr-<number>" in text
    else:
        assert not summary.exists()
