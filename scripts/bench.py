"""Benchmark: evaluate each stack under the Pulumi mock engine and time it.

A script, not a timed test. It prints, per stack, the resource count and the
seconds one evaluation of the real program takes (median of --runs, after one
warm-up run that pays the one-off SDK import), the cold start of a fresh
interpreter and the `aevon plan` command end to end (each the median of three
fresh processes), and optionally the wall time of the whole test suite.

    uv run python scripts/bench.py            # stacks only
    uv run python scripts/bench.py --suite    # and the test suite
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import STACKS, run_stack  # noqa: E402


def _cold_start(stack: str) -> float:
    """A fresh interpreter: SDK imports plus one evaluation, as `pulumi preview` pays it."""
    code = f"from tests.conftest import run_stack; run_stack({stack!r})"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)  # noqa: S603
    return time.perf_counter() - start


def _plan_command(stack: str) -> float:
    """`aevon plan <stack>` end to end in a fresh interpreter (target: under 5 s)."""
    start = time.perf_counter()
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "infra.plan", stack],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--suite", action="store_true", help="also time `pytest -q`")
    args = parser.parse_args()

    run_stack(STACKS[0])  # warm-up: imports the SDKs once
    header = ("stack", "resources", "eval s (median)", "cold start s", "plan cmd s")
    print(f"{header[0]:<10}{header[1]:>10}{header[2]:>18}{header[3]:>15}{header[4]:>12}")
    worst_eval = worst_cold = worst_plan = 0.0
    for stack in STACKS:
        timings = []
        count = 0
        for _ in range(args.runs):
            start = time.perf_counter()
            inventory = run_stack(stack)
            timings.append(time.perf_counter() - start)
            count = len(inventory.registrations)
        median = statistics.median(timings)
        # Fresh interpreters vary with the page cache: take the median of three.
        cold = statistics.median(_cold_start(stack) for _ in range(3))
        plan_seconds = statistics.median(_plan_command(stack) for _ in range(3))
        worst_eval = max(worst_eval, median)
        worst_cold, worst_plan = max(worst_cold, cold), max(worst_plan, plan_seconds)
        print(f"{stack:<10}{count:>10}{median:>18.3f}{cold:>15.2f}{plan_seconds:>12.2f}")
    for label, value, limit in (
        ("evaluation of each stack < 3 s", worst_eval, 3),
        ("cold start (interpreter + SDK imports + evaluation) < 3 s", worst_cold, 3),
        ("aevon plan per stack < 5 s", worst_plan, 5),
    ):
        print(f"target: {label} -> {'met' if value < limit else 'MISSED'} (worst {value:.2f} s)")

    if args.suite:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT, check=True
        )
        suite = time.perf_counter() - start
        print(
            f"test suite: {suite:.1f} s wall (target < 60 s) -> {'met' if suite < 60 else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
