"""Bookkeeping for per-PR ephemeral stacks (`pr-<number>`), from `pulumi stack ls --json`.

pulumi stack ls --json | python scripts/pr_stacks.py capacity pr-42 --max 5
    exit 0 if pr-42 exists or fewer than 5 pr-* stacks exist, else exit 1 with a message
pulumi stack ls --json | python scripts/pr_stacks.py stale --days 7
    print the pr-* stacks not updated for 7 days, one per line
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

PR_STACK = re.compile(r"^(?:[^/]+/)*pr-\d+$")


def pr_stacks(stacks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in stacks if PR_STACK.match(str(s.get("name", "")))]


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    capacity = sub.add_parser("capacity")
    capacity.add_argument("stack")
    capacity.add_argument("--max", type=int, default=5)
    old = sub.add_parser("stale")
    old.add_argument("--days", type=int, default=7)
    args = parser.parse_args(argv)
    stacks = json.load(sys.stdin)
    if args.command == "capacity":
        if has_capacity(stacks, args.stack, args.max):
            return 0
        print(f"{len(pr_stacks(stacks))} per-PR stacks exist (limit {args.max}); remove one first")
        return 1
    print("\n".join(stale(stacks, args.days, datetime.now(UTC))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
