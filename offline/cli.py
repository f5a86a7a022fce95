"""`aevon plan`: what a stack would contain, with no cloud account and no Pulumi CLI.

    uv run aevon plan dev                     # the report
    uv run aevon plan dev --json              # the same, for machines
    uv run aevon plan --diff staging prod     # parity: exit 1 on a gap the allow-list lacks
    uv run aevon plan dev --first-deploy      # the first `up` from empty accounts
    uv run aevon ledger check                 # URNs that would be deleted (offline.ledger)
    uv run aevon ledger update                # after review: record the current URNs

It runs the real program (`infra/__main__.py`) under the Pulumi mock engine with
the real `Pulumi.<stack>.yaml`, exactly as the tests do, then runs the preflight
(`offline.preflight`): the rules the real providers and clouds enforce. With
--first-deploy it checks instead that the stack's first `up`, in delivery order,
finds every object it reads (`offline.first_deploy`). Exit codes: 0 done, 1
preflight errors (parity gaps with --diff; with --first-deploy, a read of
something nothing creates in time), 2 bad input (unknown stack, broken stack
file, invalid config, no delivery order). Progress goes to stderr, the report to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from infra.config import ConfigError, StackConfig, parse
from offline import ledger
from offline.delivery import DeliveryOrderError, delivery_order, stack_deployments
from offline.engine import (
    PROJECT,
    ROOT,
    DuplicateKeyError,
    load_yaml,
    run_stack,
    stack_config,
)
from offline.first_deploy import FirstDeploy, Simulation
from offline.ownership import check_single_ownership
from offline.report import Plan, diff, diff_json, load_allowlist, plan, render, render_diff

ALLOWLIST = ROOT / "parity-allowlist.yaml"


class BadInputError(Exception):
    """Input the user must fix; reported as one line and exit code 2."""


def _known_stacks() -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml")
    )


def _check_stack_file(stack: str) -> None:
    path = ROOT / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = ", ".join(_known_stacks())
        raise BadInputError(f"unknown stack '{stack}': there is no {path.name}; stacks: {known}")
    try:
        document = load_yaml(path, stack)
    except DuplicateKeyError as exc:
        raise BadInputError(str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BadInputError(f"{path.name} is not valid YAML{where}: {problem}") from None
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise BadInputError(f"{path.name} must be a mapping with a 'config:' mapping")


def stack_settings(stack: str) -> StackConfig:
    """A stack file's validated config (ConfigError otherwise)."""
    raw, secret_keys = stack_config(stack, project_dir=ROOT)
    return parse(PROJECT, stack, raw, secret_keys)


def _plan(stack: str) -> Plan:
    _check_stack_file(stack)
    print(
        f"aevon plan: running the program for stack '{stack}' under the mock engine",
        file=sys.stderr,
    )
    start = time.perf_counter()
    try:
        inventory = run_stack(stack, project_dir=ROOT)
    except ConfigError as exc:
        raise BadInputError(str(exc)) from None
    result = plan(inventory)
    elapsed = time.perf_counter() - start
    print(f"aevon plan: {len(result.resources)} resources in {elapsed:.2f} s", file=sys.stderr)
    return result


def _first_deploy(stack: str) -> FirstDeploy:
    _check_stack_file(stack)
    for other in _known_stacks():
        _check_stack_file(other)
    print(
        f"aevon plan: first deploy of '{stack}': running bootstrap and every stack in "
        "delivery order under the mock engine",
        file=sys.stderr,
    )
    start = time.perf_counter()
    try:
        deployments = stack_deployments(ROOT)
        delivery_order(deployments)  # an order exists (DeliveryOrderError otherwise)
        # One owner per shared object and per account's CI roles, accounts that fit
        # (offline.ownership): a clash is bad input, before any program runs.
        check_single_ownership({s: stack_settings(s) for s in _known_stacks()})
        result = Simulation(deployments).check(stack)
    except (ConfigError, DeliveryOrderError) as exc:
        raise BadInputError(str(exc)) from None
    elapsed = time.perf_counter() - start
    print(f"aevon plan: {len(result.order)} deployments in {elapsed:.2f} s", file=sys.stderr)
    return result


def _emit(text: str | dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(text, indent=2, sort_keys=True, default=str) + "\n")
    else:
        sys.stdout.write(str(text))


def _ledger(action: str) -> int:
    """`check`: every ledger URN still held or aliased (exit 1 naming each lost one);
    `update`: write every ledger from the current program (after review)."""
    stacks = ledger.ledger_stacks()
    try:
        if action == "update":
            for path in ledger.update_all(stacks):
                print(f"aevon ledger: wrote {path}", file=sys.stderr)
            return 0
        lost = ledger.check_all(stacks)
    except ConfigError as exc:
        raise BadInputError(str(exc)) from None
    for item in lost:
        print(item.message())
    print(f"aevon ledger: {len(lost)} URN(s) would be deleted without an alias", file=sys.stderr)
    return 1 if lost else 0


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0911 - one exit per command outcome
    parser = argparse.ArgumentParser(
        prog="aevon", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    plan_parser = sub.add_parser("plan", help="report what a stack would contain")
    plan_parser.add_argument("stack", nargs="?", help="the stack to plan (dev, staging, prod, ...)")
    plan_parser.add_argument(
        "--diff", nargs=2, metavar=("LEFT", "RIGHT"), help="compare two stacks"
    )
    plan_parser.add_argument("--json", action="store_true", help="machine-readable output")
    plan_parser.add_argument(
        "--first-deploy",
        action="store_true",
        help="check the stack's first `up` from empty accounts, in delivery order",
    )
    plan_parser.add_argument(
        "--allowlist", type=Path, default=ALLOWLIST, help="intended differences"
    )
    ledger_parser = sub.add_parser(
        "ledger", help="the committed URN ledger: check it, or record the current URNs"
    )
    ledger_parser.add_argument("action", choices=["check", "update"])
    args = parser.parse_args(argv)

    try:
        if args.command == "ledger":
            return _ledger(args.action)
        if args.diff and args.first_deploy:
            raise BadInputError("--first-deploy takes one stack, not --diff LEFT RIGHT")
        if args.diff:
            if args.stack:
                raise BadInputError("give either a stack or --diff LEFT RIGHT, not both")
            left, right = (_plan(s) for s in args.diff)
            differences = diff(left, right, load_allowlist(args.allowlist))
            _emit(
                diff_json(left, right, differences)
                if args.json
                else render_diff(left, right, differences),
                args.json,
            )
            return 1 if any(d.reason is None for d in differences) else 0
        if not args.stack:
            raise BadInputError(
                "name a stack (aevon plan dev) or two with --diff (aevon plan --diff staging prod)"
            )
        if args.first_deploy:
            first = _first_deploy(args.stack)
            _emit(first.to_json() if args.json else first.render(), args.json)
            if first.failures:
                print(
                    f"aevon plan: {len(first.failures)} read(s) in '{args.stack}' of something "
                    "nothing creates before its first `up`",
                    file=sys.stderr,
                )
                return 1
            return 0
        result = _plan(args.stack)
        _emit(result.to_json() if args.json else render(result), args.json)
        if result.preflight_errors:
            print(
                f"aevon plan: preflight found {result.preflight_errors} error(s) that a real "
                "`pulumi up` would hit",
                file=sys.stderr,
            )
            return 1
        return 0
    except BadInputError as exc:
        print(f"aevon plan: {exc}", file=sys.stderr)
        return 2


def run() -> None:
    """The console entry point: `main()`, then exit without interpreter teardown.

    Tearing down the interpreter after a run (the SDKs' tens of thousands of
    objects, the runtime's thread pool) takes longer than a second and does
    nothing for a finished report, so flush and leave.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
