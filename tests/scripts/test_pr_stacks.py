"""Failing cases 3 and 8: per-PR stacks ran every push unreviewed, with admin tokens,
for every closed PR; the cap was checked per PR and the sweep stopped at a locked stack."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scripts.pr_stacks import config_commands, decide, exists, has_capacity, main, stale, sweep


def event(action: str, labels: Sequence[str] = (), label: str | None = None,
          fork: bool = False) -> dict[str, Any]:  # fmt: skip
    """A pull_request event payload, trimmed to what GitHub always sends."""
    base = {"full_name": "aevon-os/aevon-infra"}
    head = {"full_name": "someone/aevon-infra" if fork else "aevon-os/aevon-infra"}
    payload: dict[str, Any] = {
        "action": action,
        "pull_request": {
            "number": 42,
            "labels": [{"name": n} for n in labels],
            "head": {"sha": "0" * 40, "repo": head},
            "base": {"repo": base},
        },
    }
    if label:
        payload["label"] = {"name": label}
    return payload


@pytest.mark.parametrize(
    ("payload", "action"),
    [
        (event("labeled", ["preview-stack"], "preview-stack"), "up"),
        (event("labeled", ["bug"], "bug"), "none"),
        # A new push never deploys: it takes the label away until a reviewer adds it again.
        (event("synchronize", ["preview-stack"]), "revoke"),
        (event("reopened", ["preview-stack"]), "revoke"),
        (event("synchronize", []), "none"),
        # Destroy only for PRs that carried a label.
        (event("closed", ["preview-stack"]), "destroy"),
        (event("closed", ["preview-stack-outdated"]), "destroy"),
        (event("closed", ["bug"]), "none"),
        (event("unlabeled", [], "preview-stack"), "destroy"),
        (event("unlabeled", ["preview-stack-outdated"], "preview-stack"), "destroy"),
        (event("unlabeled", ["preview-stack"], "preview-stack-outdated"), "none"),
        (event("unlabeled", [], "bug"), "none"),
        # Forks: refused explicitly when they ask, otherwise nothing.
        (event("labeled", ["preview-stack"], "preview-stack", fork=True), "refuse"),
        (event("closed", ["preview-stack"], fork=True), "none"),
    ],
)
def test_what_each_event_asks_for(payload: dict[str, Any], action: str) -> None:
    assert decide("pull_request", payload)[0] == action


def test_schedule_and_dispatch_sweep() -> None:
    assert decide("schedule", {})[0] == "sweep"
    assert decide("workflow_dispatch", {})[0] == "sweep"


def test_decide_cli_refuses_a_fork(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, out = tmp_path / "event.json", tmp_path / "out"
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    path.write_text(json.dumps(event("labeled", ["preview-stack"], "preview-stack", fork=True)))
    assert main(["decide"]) == 1
    assert not out.exists()
    path.write_text(json.dumps(event("labeled", ["preview-stack"], "preview-stack")))
    assert main(["decide"]) == 0
    assert out.read_text() == "action=up\nnumber=42\n"


def test_per_pr_config_leaves_github_and_vercel_alone() -> None:
    commands = config_commands("pr-42", "a" * 40)
    assert commands[0] == ["pulumi", "config", "cp", "--stack", "dev", "--dest", "pr-42"]
    sets = {tuple(c[-2:]) for c in commands[1:]}
    assert ("aevon:github.manage", "false") in sets
    assert ("aevon:vercel.manage", "false") in sets
    assert ("aevon:protectStatefulResources", "false") in sets
    assert all(c[:5] == ["pulumi", "config", "set", "--stack", "pr-42"] for c in commands[1:])
    with pytest.raises(ValueError, match="not a per-PR stack"):
        config_commands("dev", "a" * 40)
    with pytest.raises(ValueError, match="must be a git SHA"):
        config_commands("pr-1", "$(curl evil)")


def _stack(name: str, updated: str | None, busy: bool = False) -> dict[str, Any]:
    return {"name": f"org/aevon/{name}", "lastUpdate": updated, "updateInProgress": busy}


def test_pr_stack_capacity_allows_five_and_existing_ones() -> None:
    four = [_stack(f"pr-{n}", "2026-11-20T00:00:00Z") for n in range(4)] + [_stack("dev", None)]
    assert has_capacity(four, "pr-9", 5)
    five = [*four, _stack("pr-4", "2026-11-20T00:00:00Z")]
    assert not has_capacity(five, "pr-9", 5)
    assert has_capacity(five, "pr-3", 5), "an existing PR stack may always update"
    assert exists(five, "pr-3")
    assert not exists(five, "pr-9")
    assert not exists(five, "dev")


def test_idle_pr_stacks_are_found_after_seven_days() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    stacks = [
        _stack("pr-1", "2026-11-10T00:00:00.000Z"),
        _stack("pr-2", "2026-11-21T00:00:00.000Z"),
        _stack("pr-3", None),
        _stack("pr-4", "2026-11-01T00:00:00Z", busy=True),
        _stack("prod", "2020-01-01T00:00:00Z"),
    ]
    assert stale(stacks, 7, now) == ["pr-1", "pr-3"]
    assert stale([], 7, now) == []


def test_the_sweep_reports_a_locked_stack_and_goes_on() -> None:
    ran: list[str] = []

    def run(argv: Sequence[str]) -> int:
        ran.append(argv[3])
        return 255 if argv[3] == "pr-1" else 0  # pr-1 is locked by another update

    assert sweep(["pr-1", "pr-3", "pr-5"], run) == [("pr-1", 255)]
    assert ran == ["pr-1", "pr-3", "pr-5"]


def test_sweep_cli_fails_after_trying_every_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stacks = tmp_path / "stacks.json"
    stacks.write_text(json.dumps([_stack("pr-1", None), _stack("pr-2", None)]))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary"))
    calls: list[str] = []

    def run(argv: Sequence[str]) -> int:
        calls.append(argv[3])
        return 1 if argv[3] == "pr-1" else 0

    assert main(["sweep", "--stacks", str(stacks), "--days", "7"], run) == 1
    assert calls == ["pr-1", "pr-2"]
    assert "removed: pr-2" in (tmp_path / "summary").read_text()
    assert "FAILED pr-1: exit 1" in (tmp_path / "summary").read_text()
