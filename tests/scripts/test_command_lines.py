"""Every script a person or a workflow runs: a usage mistake is one line on stderr and exit
code 2 (never a traceback, never usage text plus the error), and `--help` only helps."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scripts import (
    bench,
    cost,
    exit_codes,
    gha,
    pr_stacks,
    preview_summary,
    release_approvals,
    release_refs,
)

MAINS: dict[str, Callable[[list[str]], int]] = {
    "scripts/cost.py": cost.main,
    "scripts/bench.py": bench.main,
    "python -m scripts.exit_codes": exit_codes.main,
    "python -m scripts.gha": gha.main,
    "python -m scripts.pr_stacks": pr_stacks.main,
    "python -m scripts.preview_summary": preview_summary.main,
    "python -m scripts.release_approvals": release_approvals.main,
    "python -m scripts.release_refs": release_refs.main,
}


def _exit(main: Callable[[list[str]], int], argv: list[str]) -> int | str | None:
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


@pytest.mark.parametrize("prog", sorted(MAINS))
def test_an_unknown_argument_is_one_line_and_exit_code_2(
    prog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit(MAINS[prog], ["--no-such-option"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.strip().splitlines()
    # argparse names the first thing wrong (a missing command or option, else the unknown one).
    assert line.startswith(f"{prog}: "), line
    assert line.endswith(f" (see {prog} --help)"), line
    assert "usage:" not in err


def test_cost_help_only_helps(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16: `scripts/cost.py --help` ignored --help and evaluated every stack."""
    assert _exit(cost.main, ["--help"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("usage: scripts/cost.py [-h] [--write-readme]")
    assert "--write-readme" in out
    assert "| driver |" not in out


@pytest.mark.parametrize("runs", ["0", "x", "101"])
def test_bench_refuses_a_run_count_it_cannot_use(
    runs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit(bench.main, ["--runs", runs]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("scripts/bench.py: argument --runs: ")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file or directory"),
        ("{", "not `pulumi stack ls --json` output"),
        (json.dumps({"name": "pr-1"}), "not `pulumi stack ls --json` output"),
    ],
)
def test_pr_stacks_refuses_a_stack_list_it_cannot_read(
    content: str | None, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "stacks.json"
    if content is not None:
        path.write_text(content)
    assert pr_stacks.main(["sweep", "--stacks", str(path)]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("python -m scripts.pr_stacks sweep: --stacks ")
    assert message in err
    assert len(err.strip().splitlines()) == 1
