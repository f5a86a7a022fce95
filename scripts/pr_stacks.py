"""Per-PR ephemeral stacks (`pr-<number>`): what an event asks for, the cap, the sweep.

    python -m scripts.pr_stacks decide
        from the event (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH): step output
        action=up|revoke|destroy|sweep|none and number=<PR>; exit 1 for a fork
        PR labelled preview-stack (refused: such runs get no credentials)
    python -m scripts.pr_stacks capacity pr-42 --stacks stacks.json --max 5
        exit 0 if pr-42 exists or fewer than 5 pr-* stacks exist, else exit 1
    python -m scripts.pr_stacks exists pr-42 --stacks stacks.json
        step output exists=true|false
    python -m scripts.pr_stacks configure pr-42 --image-tag <sha>
        copy dev's config to pr-42 and apply the per-PR overrides (runs pulumi)
    python -m scripts.pr_stacks sweep --stacks stacks.json --days 7
        destroy and remove every pr-* stack idle for 7 days; a stack that fails
        (locked, say) is reported and the sweep goes on; exit 1 if any failed

`stacks.json` is `pulumi stack ls --json` written to a file first, so a failing
`pulumi stack ls` fails its own step instead of reading as "no stacks".

The label `preview-stack` asks for a stack for the PR's current head. A new push
(or a reopen) removes it and adds `preview-stack-outdated`: new code runs only
after a reviewer adds `preview-stack` again (and approves the `preview-stacks`
environment). A stack is destroyed when the PR closes or a person removes one of
the two labels (while `preview-stack` is not on the PR), and only for PRs that
carried one of them. Label changes made with the job's GITHUB_TOKEN start no
workflow run (GitHub Docs, "Triggering a workflow from a workflow").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from offline.args import ArgumentParser
from scripts import gha

PR_STACK = re.compile(r"^(?:[^/]+/)*pr-\d+$")
LABEL = "preview-stack"
OUTDATED = "preview-stack-outdated"
FORK_REFUSAL = (
    "per-PR stacks run only for branches of this repository: runs for forks get no "
    "credentials. A maintainer who has reviewed the code can push it to a branch here "
    "and open the pull request from there."
)


# ------------------------------------------------------------------ events
def decide(event_name: str, event: dict[str, Any]) -> tuple[str, str]:
    """(action, reason) for one workflow event.

    Actions: `up` (deploy the labelled head), `revoke` (new commits: drop the
    label), `destroy`, `sweep` (schedule and dispatch), `none`, and `refuse` (a
    fork asked for a stack).
    """
    if event_name != "pull_request":
        return "sweep", f"{event_name}: remove idle stacks"
    action = event.get("action", "")
    pull = event.get("pull_request") or {}
    labels = {label.get("name") for label in pull.get("labels") or []}
    changed = (event.get("label") or {}).get("name")
    stack_labels = {LABEL, OUTDATED}
    if gha.is_fork(event):
        asked = action == "labeled" and changed == LABEL
        result = (
            ("refuse", FORK_REFUSAL) if asked else ("none", "fork pull request: no per-PR stack")
        )
    elif action == "labeled" and changed == LABEL:
        result = ("up", f"{LABEL} added: deploy the head that was reviewed")
    elif action in ("synchronize", "reopened") and LABEL in labels:
        result = ("revoke", f"new commits: {LABEL} is removed until a reviewer adds it again")
    elif action == "closed" and labels & stack_labels:
        result = ("destroy", "the pull request closed")
    elif action == "unlabeled" and changed in stack_labels and LABEL not in labels:
        result = ("destroy", f"{changed} removed")
    else:
        result = ("none", "nothing to do for this event")
    return result


# ------------------------------------------------------------------ the cap
def pr_stacks(stacks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in stacks if PR_STACK.match(str(s.get("name", "")))]


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def exists(stacks: list[dict[str, Any]], wanted: str) -> bool:
    return wanted in {_short(s["name"]) for s in pr_stacks(stacks)}


def has_capacity(stacks: list[dict[str, Any]], wanted: str, limit: int) -> bool:
    existing = {_short(s["name"]) for s in pr_stacks(stacks)}
    return wanted in existing or len(existing) < limit


def stale(stacks: list[dict[str, Any]], days: int, now: datetime) -> list[str]:
    cutoff = now - timedelta(days=days)
    names = []
    for stack in pr_stacks(stacks):
        if stack.get("updateInProgress"):
            continue
        last = stack.get("lastUpdate")
        updated = datetime.fromisoformat(last.replace("Z", "+00:00")) if last else None
        if updated is None or updated < cutoff:
            names.append(_short(stack["name"]))
    return sorted(names)


# ------------------------------------------------------------------ config and sweep
def config_commands(stack: str, image_tag: str) -> list[list[str]]:
    """The pulumi commands that make `stack` a per-PR copy of dev.

    dev's current images (an infra PR builds none), pinned; nothing protected; no GitHub
    and no Vercel (the per-PR job has neither token, and shares no object with the real
    stacks); its deploy and release roles trust a GitHub environment named after the
    stack, which nobody creates, so no workflow can assume them.
    """
    if not PR_STACK.match(stack):
        raise ValueError(f"{stack!r} is not a per-PR stack name (pr-<number>)")
    if not re.fullmatch(r"[0-9a-f]{7,40}", image_tag):
        raise ValueError(f"image tag {image_tag!r} must be a git SHA")
    overrides = [
        ("--path", "aevon:compute.imageTagSource", "config"),
        ("--path", "aevon:compute.imageTag", image_tag),
        (None, "aevon:protectStatefulResources", "false"),
        ("--path", "aevon:vercel.manage", "false"),
        ("--path", "aevon:github.manage", "false"),
        ("--path", "aevon:github.environment.name", stack),
        # dev's account: dev owns its read-only roles, the per-PR stack shares them.
        ("--path", "aevon:ci.accountRoles", "false"),
    ]
    commands = [["pulumi", "config", "cp", "--stack", "dev", "--dest", stack]]
    for flag, key, value in overrides:
        commands.append(
            ["pulumi", "config", "set", "--stack", stack, *([flag] if flag else []), key, value]
        )
    return commands


Runner = Callable[[Sequence[str]], int]


def _run(argv: Sequence[str]) -> int:
    print("+ " + " ".join(argv), flush=True)
    return subprocess.run(list(argv), check=False).returncode  # noqa: S603 - fixed argv


def sweep(names: Sequence[str], run: Runner = _run) -> list[tuple[str, int]]:
    """Destroy and remove each stack; return the (stack, exit code) that failed.

    Every stack is tried: one locked or broken stack must not keep the others.
    """
    failed = []
    for name in names:
        code = run(["pulumi", "destroy", "--stack", name, "--yes", "--remove"])
        if code != 0:
            failed.append((name, code))
    return failed


# ------------------------------------------------------------------ CLI
class BadInputError(Exception):
    """A file or argument the caller must fix: one line, exit code 2."""


def _stacks(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInputError(f"--stacks {path}: {exc.strerror or exc}") from None
    except ValueError:  # not UTF-8, not JSON
        data = None
    if not isinstance(data, list):
        raise BadInputError(f"--stacks {path}: not `pulumi stack ls --json` output (a JSON list)")
    return data


def _decide(args: argparse.Namespace, run: Runner) -> int:
    event = gha.load_event()
    action, reason = decide(os.environ.get("GITHUB_EVENT_NAME", ""), event)
    print(f"{action}: {reason}")
    if action == "refuse":
        gha.error(reason)
        return 1
    gha.set_outputs(action=action, number=str((event.get("pull_request") or {}).get("number", "")))
    return 0


def _configure(args: argparse.Namespace, run: Runner) -> int:
    for command in config_commands(args.stack, args.image_tag):
        if (code := run(command)) != 0:
            gha.error(f"{' '.join(command)} failed with exit {code}")
            return 1
    return 0


def _capacity(args: argparse.Namespace, run: Runner) -> int:
    stacks = _stacks(args.stacks)
    if has_capacity(stacks, args.stack, args.max):
        return 0
    gha.error(
        f"{len(pr_stacks(stacks))} per-PR stacks exist (limit {args.max}); "
        "remove one (close its PR or drop its label) first"
    )
    return 1


def _exists(args: argparse.Namespace, run: Runner) -> int:
    gha.set_outputs(exists=str(exists(_stacks(args.stacks), args.stack)).lower())
    return 0


def _sweep(args: argparse.Namespace, run: Runner) -> int:
    names = stale(_stacks(args.stacks), args.days, datetime.now(UTC))
    failed = sweep(names, run)
    gone = [n for n in names if n not in dict(failed)]
    gha.add_summary(
        f"Idle per-PR stacks (> {args.days} days): {len(names)}; removed: "
        f"{', '.join(gone) or 'none'}"
        + "".join(f"\n- FAILED {n}: exit {code}" for n, code in failed)
    )
    for name, code in failed:
        gha.error(f"could not remove {name} (exit {code}); the sweep went on with the others")
    return 1 if failed else 0


def main(argv: list[str] | None = None, run: Runner = _run) -> int:
    parser = ArgumentParser(
        prog="python -m scripts.pr_stacks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    sub.add_parser("decide")
    capacity = sub.add_parser("capacity")
    capacity.add_argument("stack")
    capacity.add_argument("--max", type=int, default=5)
    there = sub.add_parser("exists")
    there.add_argument("stack")
    configure = sub.add_parser("configure")
    configure.add_argument("stack")
    configure.add_argument("--image-tag", required=True)
    old = sub.add_parser("sweep")
    old.add_argument("--days", type=int, default=7)
    for p in (capacity, there, old):
        p.add_argument("--stacks", type=Path, required=True, help="pulumi stack ls --json")
    args = parser.parse_args(argv)
    commands = {
        "decide": _decide,
        "configure": _configure,
        "capacity": _capacity,
        "exists": _exists,
        "sweep": _sweep,
    }
    try:
        return commands[args.command](args, run)
    except BadInputError as exc:
        print(f"{parser.prog} {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
