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
something nothing creates in time), 2 bad input, as one line on stderr, before any
stack is evaluated where it can be (an unknown stack, a stack file or allow-list that
is missing, not UTF-8, not YAML or misshapen, a misspelled key, unknown options;
invalid config and no delivery order as the program's message; `offline.inputs`).
Progress goes to stderr, the report to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from infra.config import ConfigError, StackConfig, parse
from offline import ledger
from offline.delivery import DeliveryOrderError, delivery_order, stack_deployments
from offline.engine import PROJECT, ROOT, STACKS, run_stack, stack_config
from offline.first_deploy import FirstDeploy, Simulation
from offline.inputs import ArgumentParser, BadInputError, stack_document, stack_names
from offline.ownership import check_single_ownership
from offline.report import (
    Allowed,
    Plan,
    diff,
    diff_json,
    load_allowlist,
    plan,
    render,
    render_diff,
)
from policy import waivers

ALLOWLIST = ROOT / "parity-allowlist.yaml"


def _known_stacks() -> tuple[str, ...]:
    return stack_names(ROOT)


def _check_stack_file(stack: str) -> None:
    """The stack file is there, UTF-8, YAML, shaped right, and its config is valid
    (misspelled keys, values: `infra.config.parse`). Raises BadInputError (one line)."""
    stack_document(stack, ROOT)
    try:
        stack_settings(stack)
    except ConfigError as exc:
        raise BadInputError(str(exc)) from None


def stack_settings(stack: str) -> StackConfig:
    """A stack file's validated config (ConfigError otherwise)."""
    raw, secret_keys = stack_config(stack, project_dir=ROOT)
    return parse(PROJECT, stack, raw, secret_keys)


def _plan(stack: str) -> Plan:
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


def _parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="aevon", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
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
    return parser


def _checked(args: argparse.Namespace) -> tuple[list[str], list[Allowed] | None]:
    """Every stack named and the allow-list, checked before anything is evaluated."""
    if args.diff and args.first_deploy:
        raise BadInputError("--first-deploy takes one stack, not --diff LEFT RIGHT")
    if args.diff and args.stack:
        raise BadInputError("give either a stack or --diff LEFT RIGHT, not both")
    stacks = list(args.diff) if args.diff else [args.stack] if args.stack else []
    if not stacks:
        raise BadInputError(
            "name a stack (aevon plan dev) or two with --diff (aevon plan --diff staging prod)"
        )
    for stack in stacks:
        _check_stack_file(stack)
    try:
        # The policy pack reads the waiver file during every plan: refuse a broken one now.
        waivers.load(known_stacks=STACKS)
    except waivers.WaiverFileError as exc:
        raise BadInputError(str(exc)) from None
    return stacks, load_allowlist(args.allowlist) if args.diff else None


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0911 - one exit per command outcome
    args = _parser().parse_args(argv)
    try:
        if args.command == "ledger":
            return _ledger(args.action)
        stacks, allowlist = _checked(args)
        if allowlist is not None:
            left, right = (_plan(s) for s in stacks)
            differences = diff(left, right, allowlist)
            _emit(
                diff_json(left, right, differences)
                if args.json
                else render_diff(left, right, differences),
                args.json,
            )
            return 1 if any(d.reason is None for d in differences) else 0
        (stack,) = stacks
        if args.first_deploy:
            first = _first_deploy(stack)
            _emit(first.to_json() if args.json else first.render(), args.json)
            if first.failures:
                print(
                    f"aevon plan: {len(first.failures)} read(s) in '{stack}' of something "
                    "nothing creates before its first `up`",
                    file=sys.stderr,
                )
                return 1
            return 0
        result = _plan(stack)
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
