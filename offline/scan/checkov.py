"""Run Checkov over plan files and read its findings.

Checkov lives in its own locked environment (`tools/checkov/`: its pins conflict
with Pulumi's), so it runs as a program:

    checkov --framework terraform_plan -o json --quiet --compact --skip-download -f a.json ...

(`--skip-download`: no call to Prisma Cloud for guidelines or custom policies, so
the scan is the same offline as online.) Checkov exits 1 when a rule fails;
`run()` reads the JSON either way and fails only when Checkov itself did.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.engine import ROOT

CHECKOV = ROOT / "tools" / "checkov" / ".venv" / "bin" / "checkov"


class CheckovError(RuntimeError):
    """Checkov is missing, crashed, or printed something that is not its JSON report."""


@dataclass(frozen=True)
class Failed:
    """One failed rule as Checkov reports it."""

    check: str
    title: str
    address: str  # the plan's resource address
    file: Path


def command(checkov: Path, plans: Sequence[Path]) -> list[str]:
    files = [arg for plan in plans for arg in ("-f", str(plan))]
    return [str(checkov), "--framework", "terraform_plan", "-o", "json", "--quiet",
            "--compact", "--skip-download", *files]  # fmt: skip


def parse_report(text: str, plans: Sequence[Path]) -> tuple[list[Failed], dict[str, Any]]:
    """The failed rules of Checkov's JSON report, and its summary.

    Raises CheckovError when the text is not a terraform_plan report.
    """
    try:
        report: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckovError(f"Checkov did not print its JSON report: {text[:300]!r}") from exc
    reports = report if isinstance(report, list) else [report]
    plan_reports = [r for r in reports if isinstance(r, dict) and r.get("check_type") in
                    ("terraform_plan", None) and "results" in r]  # fmt: skip
    if not plan_reports and isinstance(report, dict) and report.get("failed") == 0:
        return [], report  # Checkov's report when nothing at all was checked
    if not plan_reports:
        raise CheckovError(f"no terraform_plan results in Checkov's report: {text[:300]!r}")
    by_name = {p.name: p for p in plans}
    failed: list[Failed] = []
    for r in plan_reports:
        for item in r["results"].get("failed_checks", []):
            name = Path(str(item.get("file_path", ""))).name
            if name not in by_name:
                raise CheckovError(f"Checkov reported a file it was not given: {name}")
            failed.append(
                Failed(
                    check=str(item["check_id"]),
                    title=str(item.get("check_name", "")),
                    address=str(item["resource"]),
                    file=by_name[name],
                )
            )
    return failed, plan_reports[0].get("summary", {})


def ensure(checkov: Path = CHECKOV) -> None:
    """Raises CheckovError, saying how to install it, when `checkov` does not exist."""
    if not checkov.exists():
        raise CheckovError(
            f"{checkov} does not exist; install it with `uv sync --locked --project tools/checkov`"
        )


def run(plans: Sequence[Path], checkov: Path = CHECKOV) -> tuple[list[Failed], dict[str, Any]]:
    """Checkov over the plan files (one run for all of them).

    Raises CheckovError when Checkov is not installed or fails (exit code other than 0
    and 1, or no report).
    """
    ensure(checkov)
    done = subprocess.run(  # noqa: S603 - our own pinned Checkov on files we wrote
        command(checkov, plans), capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):
        raise CheckovError(
            f"Checkov exited {done.returncode}: {(done.stderr or done.stdout)[-1000:]}"
        )
    return parse_report(done.stdout, plans)
