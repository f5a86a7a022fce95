"""The waiver file: its format refused when broken, findings matched, stale entries named;
Checkov's report read; the scan script's bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.engine import STACKS
from offline.scan import checkov
from policy import waivers
from policy.waivers import Finding, WaiverFileError
from scripts import checkov_plan

REASON = "automatic minor upgrades would move the version past config"
ACCEPTED = "platform-team: upgrades are reviewed config changes"


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "checks": ["CKV_AWS_226"],
        "stacks": ["staging", "prod"],
        "resources": ["database-writer", "database-reader-*"],
        "reason": REASON,
        "accepted": ACCEPTED,
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def _finding(stack: str = "prod", check: str = "CKV_AWS_226", name: str = "database-reader-1"):
    return Finding(stack, check, "title", f"aws_x.{name}", name, f"urn:{name}")


BAD_FILES = [
    ({"waiver": []}, r"one key, 'waivers'"),
    ({"waivers": {"a": 1}}, r"waivers must be a list"),
    ({"waivers": [_entry(reason=None)]}, r"waiver #1: missing 'reason'"),
    ({"waivers": [{**_entry(), "stack": ["prod"]}]}, r"waiver #1: unknown key 'stack'"),
    (
        {"waivers": [_entry(checks=["CKV-AWS-226"])]},
        r"checks = 'CKV-AWS-226': not a Checkov rule id",
    ),
    ({"waivers": [_entry(checks=[])]}, r"checks = \[\]: must be a list of Checkov rule ids"),
    (
        {"waivers": [_entry(stacks=["no-such-stack"])]},
        rf"stacks = 'no-such-stack': not a stack; stacks: {', '.join(STACKS)}",
    ),
    ({"waivers": [_entry(stacks=["prod", "prod"])]}, r"stacks = .*lists a value twice"),
    ({"waivers": [_entry(resources="database-*")]}, r"resources = 'database-\*': must be a list"),
    ({"waivers": [_entry(reason="legacy")]}, r"reason = 'legacy': must say why"),
    ({"waivers": [_entry(accepted="ok")]}, r"accepted = 'ok': must say who accepted it and why"),
]


@pytest.mark.parametrize(("document", "message"), BAD_FILES)
def test_a_broken_waiver_file_is_refused_with_where_and_what(document: Any, message: str) -> None:
    with pytest.raises(WaiverFileError, match=message):
        waivers.parse(document, known_stacks=STACKS)


def test_broken_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "security-waivers.yaml"
    path.write_text("waivers:\n  - checks: [CKV_AWS_1\n")
    with pytest.raises(WaiverFileError, match=r"security-waivers.yaml is not valid YAML \(line"):
        waivers.load(path, known_stacks=STACKS)


def test_findings_are_waived_unwaived_and_unused_entries_are_stale() -> None:
    entries = waivers.parse({"waivers": [_entry()]}, known_stacks=STACKS)
    result = waivers.judge(
        [
            _finding("prod", name="database-writer"),
            _finding("prod", name="database-reader-1"),
            _finding("prod", name="cache-group"),  # no glob matches
            _finding("dev", name="database-writer"),  # dev is not listed
            _finding("prod", check="CKV_AWS_118", name="database-writer"),  # another rule
        ],
        entries,
        stacks=["dev", "staging", "prod"],
    )
    assert [f.name for f, _ in result.waived] == ["database-writer", "database-reader-1"]
    assert [(f.stack, f.check, f.name) for f in result.unwaived] == [
        ("prod", "CKV_AWS_226", "cache-group"),
        ("dev", "CKV_AWS_226", "database-writer"),
        ("prod", "CKV_AWS_118", "database-writer"),
    ]
    assert result.stale == [
        "waiver #1 (CKV_AWS_226): nothing in stack staging fails CKV_AWS_226 on database-writer, "
        "database-reader-*: remove it from the waiver (or the entry)"
    ]
    assert not result.clean
    # staging not scanned: its half of the entry is not stale
    only_prod = waivers.judge([_finding("prod")], entries, stacks=["prod"])
    assert only_prod.clean


def test_a_waiver_for_every_stack_covers_a_stack_added_later() -> None:
    """`stacks: ["*"]`: a new environment (README, "Adding an environment") needs no waiver
    edit; such an entry is stale only when no scanned stack uses it."""
    entries = waivers.parse({"waivers": [_entry(stacks=["*"])]}, known_stacks=["dev", "prod"])
    result = waivers.judge([_finding("qa")], entries, stacks=["qa"])
    assert (result.unwaived, result.stale) == ([], [])
    assert waivers.covering(entries, ["CKV_AWS_226"], "qa", "database-writer") is entries[0]
    unused = waivers.judge([], entries, stacks=["dev", "prod"])
    assert unused.stale == [
        "waiver #1 (CKV_AWS_226): nothing in any stack fails CKV_AWS_226 on database-writer, "
        "database-reader-*: remove it from the waiver (or the entry)"
    ]


def test_the_repository_waiver_file_is_valid() -> None:
    entries = waivers.load(known_stacks=STACKS)
    assert all(w.reason and w.accepted for w in entries)


def test_checkov_report_is_read(tmp_path: Path) -> None:
    plan = tmp_path / "prod.tfplan.json"
    report = {
        "check_type": "terraform_plan",
        "results": {
            "failed_checks": [
                {
                    "check_id": "CKV_AWS_91",
                    "check_name": "ELBv2 access logs",
                    "resource": "aws_lb.public_alb",
                    "file_path": f"/{plan.name}",
                }
            ]
        },
        "summary": {"passed": 3, "failed": 1, "checkov_version": "3.3.30"},
    }
    failed, summary = checkov.parse_report(json.dumps(report), [plan])
    assert failed == [checkov.Failed("CKV_AWS_91", "ELBv2 access logs", "aws_lb.public_alb", plan)]
    assert summary["failed"] == 1
    with pytest.raises(checkov.CheckovError, match=r"a file it was not given: prod\.tfplan\.json"):
        checkov.parse_report(json.dumps(report), [tmp_path / "dev.tfplan.json"])
    with pytest.raises(checkov.CheckovError, match="did not print its JSON report"):
        checkov.parse_report("Traceback (most recent call last)", [plan])
    assert checkov.command(Path("/c"), [plan])[-2:] == ["-f", str(plan)]


def test_the_scan_refuses_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert checkov_plan.main(["qa"]) == 2
    assert "unknown stack 'qa'" in capsys.readouterr().err
    assert checkov_plan.main(["dev", "--checkov", str(tmp_path / "none")]) == 2
    assert "does not exist; install it with `uv sync --locked --project tools/checkov`" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"waivers:\n  - checks: [CKV_AWS_226]\n\xff\n", r"is not UTF-8 text"),
        (
            b"waivers:\n  - checks: [CKV_AWS_226]\n    stacks: [dev]\n    stacks: ['*']\n",
            r"line 4: key 'stacks' is given twice \(first at line 3\)",
        ),
        (b"waivers:\n\t- checks: []\n", r"is not valid YAML \(line 2, column 1\)"),
    ],
)
def test_a_waiver_file_that_cannot_be_read_as_written_is_refused(
    tmp_path: Path, data: bytes, message: str
) -> None:
    """Bytes that are not UTF-8 and a key given twice (PyYAML keeps the last: a second
    `stacks:` would widen the waiver silently) are one WaiverFileError, like broken YAML."""
    path = tmp_path / "security-waivers.yaml"
    path.write_bytes(data)
    with pytest.raises(WaiverFileError, match=message):
        waivers.load(path, known_stacks=["dev"])


def test_aevon_plan_refuses_a_broken_waiver_file_before_evaluating(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from offline import cli

    broken = tmp_path / "security-waivers.yaml"
    broken.write_text(yaml.safe_dump({"waivers": [_entry(stacks=["devv"])]}))
    monkeypatch.setattr(waivers, "WAIVER_FILE", broken)
    monkeypatch.setattr(waivers.load, "__defaults__", (broken,))
    monkeypatch.setattr(cli, "run_stack", lambda *a, **k: pytest.fail("evaluated"))
    assert cli.main(["plan", "dev"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aevon plan: security-waivers.yaml waiver #1: ")
    assert "stacks = 'devv': not a stack" in err
    assert len(err.strip().splitlines()) == 1
