"""Checkov over each stack's plan: every finding waived in `security-waivers.yaml`, or a failure.

    uv sync --locked --project tools/checkov          # Checkov's own environment, once
    uv run python -m scripts.checkov_plan             # dev, staging and prod
    uv run python -m scripts.checkov_plan prod --out /tmp/plans --json

For each stack it runs the real program under the mock engine, writes the
Terraform plan of its first `up` (`offline.scan.terraform_plan`) to `--out`
(`<stack>.tfplan.json`), runs Checkov once over all of them, and judges every
failed rule against the waiver file. Exit codes: 0 every finding waived and
every waiver used; 1 a finding no waiver covers, or a waiver nothing needs
(stale); 2 bad input (unknown stack, invalid config or waiver file, Checkov
missing or broken). Progress goes to stderr, the report to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from infra.config import ConfigError
from offline.engine import STACKS, run_stack
from offline.scan import checkov
from offline.scan.terraform_plan import Plan, UnmappedInputError, convert
from policy import waivers


def _findings(
    plans: dict[str, Plan], failed: list[checkov.Failed], files: dict[Path, str]
) -> list[waivers.Finding]:
    found = []
    for f in failed:
        stack = files[f.file]
        plan = plans[stack]
        found.append(
            waivers.Finding(
                stack=stack,
                check=f.check,
                title=f.title,
                address=f.address,
                name=plan.names.get(f.address, f.address),
                urn=plan.urns.get(f.address, ""),
            )
        )
    return sorted(found, key=lambda x: (x.stack, x.check, x.name))


def scan(
    stacks: list[str], out: Path, checkov_path: Path, waiver_file: Path
) -> tuple[waivers.Judgement, dict[str, int], dict]:
    entries = waivers.load(waiver_file, known_stacks=STACKS)
    checkov.ensure(checkov_path)
    plans: dict[str, Plan] = {}
    files: dict[Path, str] = {}
    out.mkdir(parents=True, exist_ok=True)
    for stack in stacks:
        start = time.perf_counter()
        plan = convert(run_stack(stack))
        path = out / f"{stack}.tfplan.json"
        path.write_text(json.dumps(plan.document, indent=1, sort_keys=True))
        plans[stack] = plan
        files[path] = stack
        print(
            f"checkov_plan: {stack}: {len(plan.urns)} resources in the plan "
            f"({time.perf_counter() - start:.1f} s) -> {path}",
            file=sys.stderr,
        )
    start = time.perf_counter()
    failed, summary = checkov.run(list(files), checkov_path)
    print(
        f"checkov_plan: Checkov {summary.get('checkov_version', '?')}: "
        f"{summary.get('passed', 0)} passed, {summary.get('failed', 0)} failed "
        f"({time.perf_counter() - start:.1f} s)",
        file=sys.stderr,
    )
    found = _findings(plans, failed, files)
    counts = Counter(f.stack for f in found)
    return waivers.judge(found, entries, stacks=stacks), {s: counts[s] for s in stacks}, summary


def render(judgement: waivers.Judgement, counts: dict[str, int]) -> str:
    lines = []
    for stack, total in counts.items():
        waived = sum(1 for f, _ in judgement.waived if f.stack == stack)
        open_ = sum(1 for f in judgement.unwaived if f.stack == stack)
        lines.append(f"{stack}: {total} finding(s), {waived} waived, {open_} not waived")
    if judgement.unwaived:
        lines.append("\nNOT WAIVED (fix it, or add a reviewed entry to security-waivers.yaml)")
        lines += [
            f"  {f.stack}  {f.check}  {f.name} [{f.address}]: {f.title}" for f in judgement.unwaived
        ]
    if judgement.stale:
        lines.append("\nSTALE WAIVERS (nothing needs them)")
        lines += [f"  {s}" for s in judgement.stale]
    if judgement.waived:
        lines.append("\nWAIVED")
        for f, w in judgement.waived:
            lines.append(f"  {f.stack}  {f.check}  {f.name}  (waiver #{w.index})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("stacks", nargs="*", help=f"stacks to scan (default: {', '.join(STACKS)})")
    parser.add_argument("--out", type=Path, help="where the plan files go (default: a temp dir)")
    parser.add_argument("--checkov", type=Path, default=checkov.CHECKOV, help="the checkov program")
    parser.add_argument("--waivers", type=Path, default=waivers.WAIVER_FILE)
    parser.add_argument("--json", action="store_true", help="the judgement as JSON")
    args = parser.parse_args(argv)
    stacks: list[str] = args.stacks or list(STACKS)
    unknown = [s for s in stacks if s not in STACKS]
    if unknown:
        print(
            f"checkov_plan: unknown stack '{unknown[0]}'; stacks: {', '.join(STACKS)}",
            file=sys.stderr,
        )
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="checkov-plan-") as tmp:
            judgement, counts, summary = scan(
                stacks, args.out or Path(tmp), args.checkov, args.waivers
            )
    except (waivers.WaiverFileError, checkov.CheckovError, ConfigError, UnmappedInputError) as exc:
        print(f"checkov_plan: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(
                {
                    "checkov": summary.get("checkov_version"),
                    "counts": counts,
                    "unwaived": [f.__dict__ for f in judgement.unwaived],
                    "waived": [{**f.__dict__, "waiver": w.index} for f, w in judgement.waived],
                    "stale": judgement.stale,
                },
                indent=2,
            )
        )
    else:
        print(render(judgement, counts))
    return 0 if judgement.clean else 1


if __name__ == "__main__":
    sys.exit(main())
