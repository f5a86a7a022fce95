"""Failing case 6: the PR comment, built from `--json`, never showed policy violations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.preview_summary import main, read_events, render, summarize

URN = "urn:pulumi:dev::aevon::"
CLUSTER = URN + "aevon:data:AuroraPostgres$aws:rds/cluster:Cluster::database-cluster"
QUEUE = URN + "aws:sqs/queue:Queue::old"
REPO = URN + "aevon:registry:ContainerRegistry$aws:ecr/repository:Repository::registry-api"


def _type(urn: str) -> str:
    return urn.rsplit("::", 2)[-2].rsplit("$", 1)[-1]


def state(urn: str, protect: bool) -> dict[str, Any]:
    return {
        "type": _type(urn),
        "urn": urn,
        "custom": True,
        "delete": False,
        "id": "x",
        "parent": "",
        "protect": protect,
        "inputs": {},
        "outputs": {},
        "provider": "",
    }


def step(op: str, urn: str, protect: bool = False) -> dict[str, Any]:
    metadata = {"op": op, "urn": urn, "type": _type(urn), "old": state(urn, protect)}
    if op != "delete":
        metadata["new"] = state(urn, protect)
    return {"resourcePreEvent": {"metadata": metadata, "planning": True}}


def policy(name: str, level: str, urn: str | None, message: str) -> dict[str, Any]:
    return {
        "policyEvent": {
            "resourceUrn": urn,
            "message": message,
            "color": "raw",
            "policyName": name,
            "policyPackName": "aevon-guardrails",
            "policyPackVersion": "0.1.0",
            "policyPackVersionTag": "0.1.0",
            "enforcementLevel": level,
        }
    }


def log(*events: dict[str, Any]) -> list[str]:
    """Event-log lines as `pulumi preview --event-log` writes them (one JSON object each)."""
    return [
        json.dumps({"sequence": i, "timestamp": 1700000000 + i, **e}) for i, e in enumerate(events)
    ]


EVENTS = log(
    {"preludeEvent": {"config": {}}},
    step("same", URN + "aws:ec2/vpc:Vpc::network-vpc"),
    step("replace", CLUSTER, protect=True),
    step("create-replacement", CLUSTER, protect=True),
    step("delete-replaced", CLUSTER, protect=True),
    step("delete", QUEUE),
    policy(
        "ecr-immutable-tags", "mandatory", REPO, "<{%fg 1%}>ECR tags must be immutable<{%reset%}>"
    ),
    policy("required-tags", "advisory", None, "Owner tag missing"),
    {
        "diagnosticEvent": {
            "urn": CLUSTER,
            "prefix": "error: ",
            "color": "raw",
            "severity": "error",
            "message": "unable to replace protected resource\n",
        }
    },
    {
        "diagnosticEvent": {
            "message": "progress",
            "color": "raw",
            "severity": "info#err",
            "ephemeral": True,
        }
    },
    {
        "summaryEvent": {
            "maybeCorrupt": False,
            "durationSeconds": 3,
            "PolicyPacks": {},
            "resourceChanges": {"same": 200, "replace": 1, "delete": 1, "create": 0},
        }
    },
    {"cancelEvent": {}},
)


def test_each_policy_violation_shows_rule_enforcement_and_resource() -> None:
    text = render("dev", read_events(EVENTS), 5)
    assert text.startswith("### `dev`: preview FAILED (exit 5 (policy failure))")
    assert "**Policy violations (2)**" in text
    assert (
        "- **mandatory** `ecr-immutable-tags` (aevon-guardrails) on "
        "`aws:ecr/repository:Repository registry-api`: ECR tags must be immutable"
    ) in text
    assert (
        "- **advisory** `required-tags` (aevon-guardrails) on `the stack`: Owner tag missing"
        in text
    )
    assert text.index("mandatory") < text.index("advisory")


def test_replacements_and_deletions_once_each_protected_first() -> None:
    text = render("dev", read_events(EVENTS), 5)
    assert (
        "**2 replacement(s)/deletion(s): review before merging** (1 of PROTECTED resources)" in text
    )
    assert (
        "- :warning: **REPLACE** **PROTECTED** `aws:rds/cluster:Cluster database-cluster`" in text
    )
    assert "- :warning: **DELETE** `aws:sqs/queue:Queue old`" in text
    listed = [line for line in text.splitlines() if line.startswith("- :warning:")]
    assert sum("database-cluster`" in line for line in listed) == 1
    assert text.index("PROTECTED** `aws:rds") < text.index("DELETE** `aws:sqs")
    assert "aws:rds/cluster:Cluster database-cluster: unable to replace protected resource" in text
    assert "progress" not in text
    assert "Changes: delete: 1, replace: 1 (unchanged: 200)" in text


def test_protected_deletes_and_replaces_open_the_section() -> None:
    """A protected resource that would be lost is the first thing under the heading."""
    deleted = URN + "aevon:messaging:MessagePipeline$aws:sqs/queue:Queue::pipeline-normalised"
    text = render("prod", read_events([*EVENTS, *log(step("delete", deleted, protect=True))]), 5)
    heading, blank, caution, *_ = text.splitlines()
    assert heading.startswith("### `prod`")
    assert blank == ""
    assert caution == "> [!CAUTION]"
    assert text.splitlines()[3] == (
        "> **2 PROTECTED resource(s) would be deleted or replaced:** "
        "DELETE `aws:sqs/queue:Queue pipeline-normalised`, "
        "REPLACE `aws:rds/cluster:Cluster database-cluster`. "
        "A renamed or moved resource needs an alias (README, The URN ledger)."
    )
    assert text.index("CAUTION") < text.index("Policy violations")
    unprotected = render("dev", read_events(log(step("delete", QUEUE))), 0)
    assert "CAUTION" not in unprotected


def test_a_clean_preview_and_a_preview_that_stopped_early() -> None:
    quiet = render(
        "prod", read_events(log({"summaryEvent": {"resourceChanges": {"same": 250}}})), 0
    )
    assert quiet == "### `prod`: preview passed\n\nChanges: none (unchanged: 250)\n"
    early = render(
        "prod",
        read_events(
            ['{"sequence": 0, "resourcePreEvent": {"metadata": {"op": "teleport"}}}', "not json"]
        ),
        3,
    )
    assert "exit 3 (authentication or authorization error)" in early
    assert "_2 event(s) could not be read; see the job log._" in early
    assert "Changes: no summary (the preview stopped early; see the job log)" in early


def test_the_cli_reads_the_event_log_file(tmp_path: Path, capsys: Any) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(EVENTS) + "\n")
    assert main(["--stack", "dev", "--events", str(events), "--exit-code", "5"]) == 0
    assert "`ecr-immutable-tags`" in capsys.readouterr().out
    missing = summarize("dev", tmp_path / "none.jsonl", 2)
    assert "the preview wrote no event log (see the job log)" in missing
