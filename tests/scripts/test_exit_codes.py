"""Failing case 1: drift.yml read any non-zero exit as drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.exit_codes import Outcome, classify, drift_report, main


def test_only_zero_and_seven_are_answers() -> None:
    assert classify(0) is Outcome.CLEAN
    assert classify(7) is Outcome.CHANGES
    for code in (1, 2, 3, 4, 5, 6, 8, 9, 255, -1):
        assert classify(code) is Outcome.FAILED, code
    assert classify(7, expect_no_changes=False) is Outcome.FAILED


@pytest.mark.parametrize(
    ("refresh", "preview", "outputs"),
    [
        (0, 0, {"drift": "false", "pending": "false"}),
        (7, 0, {"drift": "true", "pending": "false"}),
        (0, 7, {"drift": "false", "pending": "true"}),
        (7, 7, {"drift": "true", "pending": "true"}),
    ],
)
def test_clean_drift_and_pending(refresh: int, preview: int, outputs: dict[str, str]) -> None:
    assert drift_report("prod", refresh, preview) == (outputs, [])


def test_a_revoked_token_is_a_failure_not_drift() -> None:
    outputs, failures = drift_report("prod", 3, 0)
    assert outputs == {}
    assert failures == [
        "pulumi refresh of prod failed: exit 3 (authentication or authorization error)"
    ]
    outputs, failures = drift_report("staging", 7, 255)
    assert outputs == {}
    assert failures == ["pulumi preview of staging failed: exit 255 (internal CLI error)"]


def test_the_cli_fails_the_job_and_writes_no_outputs_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, summary = tmp_path / "out", tmp_path / "summary"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["drift", "--stack", "dev", "--refresh", "4", "--preview", "0"]) == 1
    assert not out.exists(), "no drift/pending outputs: the issue step must not run"
    assert "drift check FAILED" in summary.read_text()
    assert main(["drift", "--stack", "dev", "--refresh", "7", "--preview", "0"]) == 0
    assert out.read_text() == "drift=true\npending=false\n"
