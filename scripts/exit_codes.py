"""What a Pulumi CLI exit code means, for the workflows that read one.

Source: Pulumi docs, "Pulumi CLI exit codes" (docs/iac/cli/exit-codes; the mapping
holds from CLI v3.226.1, and `.pulumi.version` pins a later one): 0 success,
1 generic error, 2 configuration or validation, 3 authentication or authorization,
4 resource or deployment, 5 policy, 6 stack not found, 7 "no changes" expectation
not met (`--expect-no-changes` saw changes; pulumi/pulumi#5144, fixed by #22176),
8 cancelled, 9 timeout, 255 internal error. Only 0 and, with `--expect-no-changes`,
7 are answers; every other code is a failure that must fail the job.

    python -m scripts.exit_codes drift --refresh <code> --preview <code>
        step outputs drift=true|false and pending=true|false, a job-summary line
        each; exit 1 (and no outputs) when either command failed, naming why
"""

from __future__ import annotations

import argparse
from enum import StrEnum

from offline.args import ArgumentParser
from scripts import gha

CATEGORIES = {
    0: "success",
    1: "generic error",
    2: "configuration or validation error",
    3: "authentication or authorization error",
    4: "resource or deployment error",
    5: "policy failure",
    6: "stack not found",
    7: "changes found (--expect-no-changes)",
    8: "cancelled",
    9: "timeout",
    255: "internal CLI error",
}
CHANGES = 7


class Outcome(StrEnum):
    CLEAN = "clean"
    CHANGES = "changes"
    FAILED = "failed"


def describe(code: int) -> str:
    """`exit 3 (authentication or authorization error)`, for messages."""
    return f"exit {code} ({CATEGORIES.get(code, 'not a documented Pulumi exit code')})"


def classify(code: int, expect_no_changes: bool = True) -> Outcome:
    """CLEAN for 0; CHANGES for 7 when `--expect-no-changes` was given; else FAILED."""
    if code == 0:
        return Outcome.CLEAN
    if code == CHANGES and expect_no_changes:
        return Outcome.CHANGES
    return Outcome.FAILED


def drift_report(stack: str, refresh: int, preview: int) -> tuple[dict[str, str], list[str]]:
    """Outputs and failures of the drift job's two commands.

    `refresh` is the exit code of `pulumi refresh --preview-only --expect-no-changes`
    (changes: the cloud differs from the state, i.e. drift); `preview` that of
    `pulumi preview --expect-no-changes` (changes: merged code not yet deployed).
    Returns ({"drift": "true"|"false", "pending": ...}, []) or ({}, [reasons]).
    """
    failures = [
        f"{command} of {stack} failed: {describe(code)}"
        for command, code in (("pulumi refresh", refresh), ("pulumi preview", preview))
        if classify(code) is Outcome.FAILED
    ]
    if failures:
        return {}, failures
    return {
        "drift": str(classify(refresh) is Outcome.CHANGES).lower(),
        "pending": str(classify(preview) is Outcome.CHANGES).lower(),
    }, []


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python -m scripts.exit_codes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    drift = sub.add_parser("drift", help="classify the drift job's refresh and preview")
    drift.add_argument("--stack", required=True)
    drift.add_argument("--refresh", type=int, required=True)
    drift.add_argument("--preview", type=int, required=True)
    args = parser.parse_args(argv)

    outputs, failures = drift_report(args.stack, args.refresh, args.preview)
    if failures:
        for failure in failures:
            gha.error(failure)
        gha.add_summary(
            f"## `{args.stack}`: drift check FAILED\n"
            + "".join(f"- {f}\n" for f in failures)
            + "- the drift issue is left as it is; fix the job and re-run it\n"
        )
        return 1
    gha.set_outputs(**outputs)
    gha.add_summary(
        f"## `{args.stack}`\n"
        f"- drift (cloud differs from state): "
        f"{'DETECTED' if outputs['drift'] == 'true' else 'none'}\n"
        f"- pending (merged code not yet deployed): "
        f"{'yes' if outputs['pending'] == 'true' else 'none'}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
