"""The small part of the GitHub Actions runner protocol the workflow scripts use.

Step outputs go to the file named by `GITHUB_OUTPUT` (`key=value` lines), the job
summary to `GITHUB_STEP_SUMMARY` (Markdown), the triggering event's payload is the
JSON file named by `GITHUB_EVENT_PATH`, and `::error::` lines become annotations.
Source: GitHub Docs, "Workflow commands for GitHub Actions" and "Variables"
(default environment variables). Outside a runner (tests, a laptop) outputs and
summaries are written to stdout instead. Standard library only, so a job can run
it before installing anything:

    python3 -m scripts.gha fork-guard --stack dev
        step output fork=true|false; for a fork PR a job summary saying the
        preview needs a maintainer, and how one runs it
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from offline.args import ArgumentParser


def set_outputs(**values: str) -> None:
    """Append `key=value` step outputs (single-line values only)."""
    for key, value in values.items():
        if "\n" in value:
            raise ValueError(f"step output {key} must be a single line")
    lines = "".join(f"{key}={value}\n" for key, value in values.items())
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(lines)
    else:
        sys.stdout.write(lines)


def add_summary(markdown: str) -> None:
    """Append Markdown to the job summary."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    text = markdown if markdown.endswith("\n") else markdown + "\n"
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)


def error(message: str) -> None:
    """An error annotation on the run (one line)."""
    print(f"::error::{message.replace(chr(10), ' ')}", file=sys.stderr)


def load_event() -> dict[str, Any]:
    """The triggering event's payload; raises SystemExit outside a workflow run."""
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        raise SystemExit("GITHUB_EVENT_PATH is not set: run this inside a GitHub Actions job")
    return json.loads(Path(path).read_text(encoding="utf-8"))


def is_fork(event: dict[str, Any]) -> bool:
    """True for a pull request whose head branch lives in another repository.

    GitHub gives such runs no secrets, a read-only GITHUB_TOKEN and no OIDC token
    (GitHub Docs, "Events that trigger workflows": pull_request, workflows in
    forked repositories).
    """
    pull = event.get("pull_request") or {}
    head_repo = (pull.get("head") or {}).get("repo") or {}
    base_repo = (pull.get("base") or {}).get("repo") or {}
    if not pull:
        return False
    # A deleted fork has no head repository: it is still not this repository.
    return head_repo.get("full_name") != base_repo.get("full_name")


FORK_PREVIEW = (
    "### `{stack}`: preview needs a maintainer\n\n"
    "This pull request comes from a fork. GitHub gives runs for forks no secrets and no "
    "OIDC token, so no preview can read the clouds; this check passes without one. A "
    "maintainer who has reviewed the code runs the previews by pushing it to a branch of "
    "this repository and opening the pull request from there:\n\n"
    "    gh pr checkout <number> && git push origin HEAD:refs/heads/fork/pr-<number>\n"
    "    gh pr create --base main --head fork/pr-<number> --fill\n"
)


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python -m scripts.gha",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    guard = sub.add_parser("fork-guard", help="is this run for a fork pull request?")
    guard.add_argument("--stack", required=True)
    args = parser.parse_args(argv)
    fork = is_fork(load_event())
    set_outputs(fork=str(fork).lower())
    if fork:
        add_summary(FORK_PREVIEW.format(stack=args.stack))
        print(f"::notice::{args.stack}: preview needs a maintainer (pull request from a fork)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
