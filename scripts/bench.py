"""Benchmark: evaluate each stack under the Pulumi mock engine and time it.

A script, not a timed test. It prints, per stack, the resource count and the
seconds one evaluation of the real program takes (median of --runs, after one
warm-up run that pays the one-off SDK import), the SDK's own floor for as many
resources (the same mock engine registering that many plain `aws.sns.Topic`s, with
the providers already imported: what any program of that size pays, target: the
real evaluation within 1.5x of it), the cold start of a fresh
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

from infra.config import ConfigError  # noqa: E402
from offline.delivery import stack_deployment  # noqa: E402
from offline.engine import STACKS, build, run_stack  # noqa: E402
from offline.inputs import ArgumentParser, BadInputError, fail, stack_document  # noqa: E402


def _cold_start(stack: str) -> float:
    """A fresh interpreter: start-up, SDK imports and one evaluation, as `pulumi preview`
    pays them; timed by the child to the end of the evaluation (not its teardown)."""
    code = (
        "import sys, time; from offline.engine import run_stack; "
        f"run_stack({stack!r}); print(time.time() - float(sys.argv[1]))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, repr(time.time())],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def _floor(count: int) -> float:
    """One evaluation of a program that only registers `count` plain resources (an SNS
    topic each, no inputs but its name) under the same mock engine: the SDK's floor."""
    import pulumi_aws as aws  # noqa: PLC0415 - imported by the warm-up already

    start = time.perf_counter()
    build(lambda: [aws.sns.Topic(f"floor-{i}") for i in range(count)])
    return time.perf_counter() - start


def _plan_command(stack: str) -> float:
    """`aevon plan <stack>` end to end in a fresh interpreter (target: under 5 s)."""
    start = time.perf_counter()
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "offline", "plan", stack],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def _runs(text: str) -> int:
    try:
        runs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= runs <= 100:
        raise argparse.ArgumentTypeError(f"{runs} is outside 1-100")
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="scripts/bench.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--runs", type=_runs, default=5, help="evaluations per stack, 1-100 (median)"
    )
    parser.add_argument("--suite", action="store_true", help="also time `pytest -q`")
    args = parser.parse_args(argv)
    try:
        # Every stack file readable and its config valid, before any timing starts.
        for stack in STACKS:
            stack_document(stack, ROOT)
            stack_deployment(stack, ROOT)
    except (BadInputError, ConfigError) as exc:
        return fail("scripts/bench.py", exc)

    # Fresh processes first, while this one is still idle: after in-process runs the
    # runtime's leftover threads here would compete with them for the two cores.
    cold = {s: statistics.median(_cold_start(s) for _ in range(3)) for s in STACKS}
    plan = {s: statistics.median(_plan_command(s) for _ in range(3)) for s in STACKS}

    run_stack(STACKS[0])  # warm-up: imports the SDKs once
    header = ("stack", "resources", "eval s", "floor s", "x floor", "cold s", "plan s")
    print(
        f"{header[0]:<10}{header[1]:>10}{header[2]:>9}{header[3]:>9}{header[4]:>9}"
        f"{header[5]:>9}{header[6]:>9}"
    )
    worst_eval = worst_ratio = 0.0
    for stack in STACKS:
        timings = []
        count = 0
        for _ in range(args.runs):
            start = time.perf_counter()
            inventory = run_stack(stack)
            timings.append(time.perf_counter() - start)
            count = len(inventory.registrations)
        median = statistics.median(timings)
        floor = statistics.median(_floor(count) for _ in range(args.runs))
        worst_eval = max(worst_eval, median)
        worst_ratio = max(worst_ratio, median / floor)
        print(
            f"{stack:<10}{count:>10}{median:>9.3f}{floor:>9.3f}{median / floor:>9.2f}"
            f"{cold[stack]:>9.2f}{plan[stack]:>9.2f}"
        )
    worst_cold, worst_plan = max(cold.values()), max(plan.values())
    for label, value, limit in (
        ("evaluation within 1.5x the SDK's floor for as many resources", worst_ratio, 1.5),
        ("evaluation of each stack < 3 s", worst_eval, 3),
        ("cold start (interpreter + SDK imports + evaluation) < 3 s", worst_cold, 3),
        ("aevon plan per stack < 5 s", worst_plan, 5),
    ):
        print(f"target: {label} -> {'met' if value < limit else 'MISSED'} (worst {value:.2f})")

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
