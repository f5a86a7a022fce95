"""The delivery workflows: hardening rules beyond what zizmor checks, and the helper scripts."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.engine import ROOT
from scripts.pr_stacks import has_capacity, stale
from scripts.preview_summary import summarize

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_the_expected_workflows_exist() -> None:
    names = {p.stem for p in WORKFLOWS}
    assert names == {"ci", "preview", "deploy", "drift", "pr-stack", "rollback"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    lines = path.read_text().splitlines()
    uses = [line.strip() for line in lines if line.strip().startswith(("uses:", "- uses:"))]
    assert uses
    for line in uses:
        reference, _, comment = line.split("uses:", 1)[1].partition("#")
        assert PINNED.match(reference.strip()), line
        assert re.match(r"\s*v\d+\.\d+\.\d+", comment), f"no version comment: {line}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.stem)
def test_least_privilege_and_no_injection(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {"contents": "read"}
    assert "pull_request_target" not in (workflow["on"] or {})
    for step in _steps(workflow):
        assert "${{ github.event" not in step.get("run", ""), f"{path.name}: pass it through env"
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions", {})
        if "pull-requests" in granted:
            assert (path.stem, name) == ("preview", "comment")
        for key, value in granted.items():
            assert key in ("contents", "id-token", "pull-requests", "issues"), f"{name}: {key}"
            if key == "contents":
                assert value == "read"


def test_no_long_lived_cloud_keys() -> None:
    for path in WORKFLOWS:
        text = path.read_text()
        for forbidden in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "PULUMI_ACCESS_TOKEN",
            "credentials_json",
        ):
            assert forbidden not in text, f"{path.name} uses {forbidden}"


def test_deploys_never_cancel_a_running_up_and_declare_their_environment() -> None:
    for stem in ("deploy", "rollback"):
        workflow = _load(ROOT / ".github" / "workflows" / f"{stem}.yml")
        job = workflow["jobs"]["deploy" if stem == "deploy" else "rollback"]
        assert job["concurrency"]["cancel-in-progress"] is False
        assert job["concurrency"]["group"].startswith("pulumi-up-")
        assert "environment" in job
        assert job["permissions"]["id-token"] == "write"


def test_deploy_maps_refs_to_stacks() -> None:
    workflow = _load(ROOT / ".github" / "workflows" / "deploy.yml")
    assert workflow["on"]["push"] == {"branches": ["main"], "tags": ["rc-*", "v*"]}
    script = workflow["jobs"]["resolve"]["steps"][0]["run"]
    for ref, stack in (
        ("refs/heads/main", "dev"),
        ("refs/tags/rc-*", "staging"),
        ("refs/tags/v*", "prod"),
    ):
        assert re.search(rf"{re.escape(ref)}\)\s+echo \"stack={stack}\"", script), ref


def test_drift_runs_daily_at_two_and_on_demand() -> None:
    workflow = _load(ROOT / ".github" / "workflows" / "drift.yml")
    assert workflow["on"]["schedule"] == [{"cron": "0 2 * * *"}]
    assert "workflow_dispatch" in workflow["on"]
    run = "\n".join(s.get("run", "") for s in _steps(workflow))
    assert 'pulumi refresh --stack "$STACK" --preview-only --expect-no-changes' in run


def test_cli_pin_matches_the_locked_sdk() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    sdk = next(p["version"] for p in lock["package"] if p["name"] == "pulumi")
    assert (ROOT / ".pulumi.version").read_text().strip() == sdk
    for path in WORKFLOWS:
        for step in _steps(_load(path)):
            if step.get("uses", "").startswith("pulumi/actions@"):
                assert step["with"] == {"pulumi-version-file": ".pulumi.version"}


# ------------------------------------------------------------------ helper scripts
def test_preview_summary_highlights_replacements_deletions_and_violations() -> None:
    preview = {
        "steps": [
            {"op": "same", "urn": "urn:pulumi:dev::aevon::aws:ec2/vpc:Vpc::network-vpc"},
            {
                "op": "replace",
                "urn": "urn:pulumi:dev::aevon::aevon:data:AuroraPostgres"
                + "$aws:rds/cluster:Cluster::database-cluster",
            },
            {"op": "delete", "urn": "urn:pulumi:dev::aevon::aws:sqs/queue:Queue::old"},
            {"op": "create", "urn": "urn:pulumi:dev::aevon::aws:sqs/queue:Queue::new"},
        ],
        "diagnostics": [
            {"severity": "error", "message": "mandatory policy violation: ecr-immutable-tags"}
        ],
        "changeSummary": {"same": 1, "replace": 1, "delete": 1, "create": 1},
    }
    text = summarize("dev", preview, 255)
    assert text.startswith("### `dev`: preview FAILED")
    assert "**2 replacement(s)/deletion(s)" in text
    assert ":warning: **REPLACE** `aws:rds/cluster:Cluster database-cluster`" in text
    assert ":warning: **DELETE** `aws:sqs/queue:Queue old`" in text
    assert "ecr-immutable-tags" in text
    assert "Changes: create: 1, delete: 1, replace: 1 (unchanged: 1)" in text
    quiet = summarize("prod", {"steps": [], "changeSummary": {"same": 200}}, 0)
    assert "replacement" not in quiet
    assert "Changes: none (unchanged: 200)" in quiet


def _stack(name: str, updated: str | None, busy: bool = False) -> dict[str, Any]:
    return {"name": f"org/aevon/{name}", "lastUpdate": updated, "updateInProgress": busy}


def test_pr_stack_capacity_allows_five_and_existing_ones() -> None:
    four = [_stack(f"pr-{n}", "2026-11-20T00:00:00Z") for n in range(4)] + [_stack("dev", None)]
    assert has_capacity(four, "pr-9", 5)
    five = [*four, _stack("pr-4", "2026-11-20T00:00:00Z")]
    assert not has_capacity(five, "pr-9", 5)
    assert has_capacity(five, "pr-3", 5), "an existing PR stack may always update"


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
    assert json.dumps(stale([], 7, now)) == "[]"
