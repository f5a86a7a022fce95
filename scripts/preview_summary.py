"""One stack's section of the combined PR comment, from `pulumi preview --event-log`.

    pulumi preview --stack dev --policy-pack policy --event-log events.jsonl
    python -m scripts.preview_summary --stack dev --events events.jsonl --exit-code $?

The event log is one engine event per line (JSON), the stream the Automation API
itself reads (pulumi SDK `pulumi/automation/_stack.py`, `_watch_logs`, parsed by
`pulumi.automation.events.EngineEvent.from_json`, used here). `pulumi preview --json`
is not enough: its digest drops policy events, so a mandatory violation would show
as a bare "FAILED". From the events the section lists, in this order:

- each policy violation: enforcement level, policy (and pack), resource, message;
- first, a caution block naming every protected resource (`protect` set) that would
  be deleted or replaced (Pulumi refuses to delete one: the preview fails);
- deletions and replacements, one line per resource, marked PROTECTED where the
  resource has `protect` set;
- error diagnostics;
- the change counts of the summary event.

The header says why a non-zero exit failed (scripts/exit_codes.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pulumi.automation.events import EngineEvent, OpType

from offline.args import ArgumentParser
from scripts.exit_codes import describe

# Ops that lose the old resource: a replacement shows as several steps of one URN.
REPLACING = {
    OpType.REPLACE,
    OpType.CREATE_REPLACEMENT,
    OpType.DELETE_REPLACED,
    OpType.DISCARD_REPLACED,
    OpType.IMPORT_REPLACEMENT,
    OpType.READ_REPLACEMENT,
}
DELETING = {OpType.DELETE, OpType.DISCARD}
ENFORCEMENT_ORDER = {"mandatory": 0, "remediate": 1, "advisory": 2}
# Pulumi's colour directives (`<{%fg 1%}>`, `<{%reset%}>`) in event messages.
COLOR = re.compile(r"<\{%[^%]*%\}>")


def short(urn: str | None) -> str:
    """`type name` from a URN (the part a reviewer recognises); the stack for none."""
    if not urn:
        return "the stack"
    parts = urn.split("::")
    return f"{parts[-2].split('$')[-1]} {parts[-1]}" if len(parts) >= 4 else urn


def _clean(message: str) -> str:
    return " ".join(COLOR.sub("", message).split())


@dataclass(frozen=True)
class Violation:
    enforcement: str
    policy: str
    pack: str
    resource: str
    message: str


@dataclass
class Preview:
    """What a reviewer needs from one preview's events."""

    violations: list[Violation] = field(default_factory=list)
    # urn -> ("REPLACE" | "DELETE", protected)
    losses: dict[str, tuple[str, bool]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    changes: dict[str, int] | None = None
    unreadable: int = 0


def read_events(lines: list[str]) -> Preview:
    """Fold event-log lines into a Preview; lines that do not parse are counted."""
    preview = Preview()
    for line in lines:
        if not line.strip():
            continue
        try:
            event = EngineEvent.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError):
            preview.unreadable += 1
            continue
        if event.policy_event is not None:
            p = event.policy_event
            preview.violations.append(
                Violation(
                    enforcement=p.enforcement_level or "?",
                    policy=p.policy_name,
                    pack=p.policy_pack_name,
                    resource=short(p.resource_urn),
                    message=_clean(p.message),
                )
            )
        if event.resource_pre_event is not None:
            step = event.resource_pre_event.metadata
            kind = "REPLACE" if step.op in REPLACING else "DELETE" if step.op in DELETING else None
            if kind is not None:
                protected = bool(step.old and step.old.protect) or bool(
                    step.new and step.new.protect
                )
                earlier_kind, earlier_protected = preview.losses.get(step.urn, (kind, False))
                # A replacement's delete-replaced step must not downgrade it to DELETE.
                merged = "REPLACE" if "REPLACE" in (kind, earlier_kind) else "DELETE"
                preview.losses[step.urn] = (merged, protected or earlier_protected)
        if event.diagnostic_event is not None:
            d = event.diagnostic_event
            if d.severity == "error" and not d.ephemeral:
                preview.errors.append(f"{short(d.urn)}: {_clean(d.message)}")
        if event.summary_event is not None:
            preview.changes = {
                str(op): int(n) for op, n in event.summary_event.resource_changes.items()
            }
    return preview


def render(stack: str, preview: Preview, exit_code: int) -> str:
    """The Markdown section for one stack."""
    status = "passed" if exit_code == 0 else f"FAILED ({describe(exit_code)})"
    lines = [f"### `{stack}`: preview {status}", ""]
    protected_losses = sorted(
        (kind, short(urn)) for urn, (kind, is_protected) in preview.losses.items() if is_protected
    )
    if protected_losses:
        # First thing a reviewer reads: a protected resource (a database, a queue, a key)
        # would be lost. Pulumi refuses it while `protect` is set; a rename without an
        # alias or a forced replacement shows here before anyone turns protection off.
        lines.append(
            f"> [!CAUTION]\n> **{len(protected_losses)} PROTECTED resource(s) would be deleted "
            "or replaced:** "
            + ", ".join(f"{kind} `{name}`" for kind, name in protected_losses)
            + ". A renamed or moved resource needs an alias (README, The URN ledger)."
        )
        lines.append("")
    if preview.violations:
        lines.append(f"**Policy violations ({len(preview.violations)})**")
        for v in sorted(
            preview.violations,
            key=lambda v: (ENFORCEMENT_ORDER.get(v.enforcement, 9), v.policy, v.resource),
        ):
            lines.append(
                f"- **{v.enforcement}** `{v.policy}` ({v.pack}) on `{v.resource}`: {v.message}"
            )
        lines.append("")
    if preview.losses:
        protected = sum(1 for _, p in preview.losses.values() if p)
        lines.append(
            f"**{len(preview.losses)} replacement(s)/deletion(s): review before merging**"
            + (f" ({protected} of PROTECTED resources)" if protected else "")
        )
        for urn, (kind, is_protected) in sorted(
            preview.losses.items(), key=lambda item: (not item[1][1], item[1][0], short(item[0]))
        ):
            mark = " **PROTECTED**" if is_protected else ""
            lines.append(f"- :warning: **{kind}**{mark} `{short(urn)}`")
        lines.append("")
    if preview.errors:
        lines.append("**Errors**")
        lines += [f"- {e}" for e in preview.errors]
        lines.append("")
    if preview.unreadable:
        lines.append(f"_{preview.unreadable} event(s) could not be read; see the job log._")
        lines.append("")
    if preview.changes is None:
        lines.append("Changes: no summary (the preview stopped early; see the job log)")
    else:
        shown = ", ".join(
            f"{op}: {n}" for op, n in sorted(preview.changes.items()) if op != "same" and n
        )
        lines.append(f"Changes: {shown or 'none'} (unchanged: {preview.changes.get('same', 0)})")
    return "\n".join(lines) + "\n"


def summarize(stack: str, event_log: Path, exit_code: int) -> str:
    """The section for one stack from its event-log file (missing file: said so)."""
    if not event_log.is_file():
        preview = Preview(errors=["the preview wrote no event log (see the job log)"])
    else:
        preview = read_events(event_log.read_text(encoding="utf-8").splitlines())
    return render(stack, preview, exit_code)


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python -m scripts.preview_summary",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--stack", required=True)
    parser.add_argument("--events", type=Path, required=True, help="the --event-log file")
    parser.add_argument("--exit-code", type=int, required=True, help="pulumi preview's exit")
    args = parser.parse_args(argv)
    sys.stdout.write(summarize(args.stack, args.events, args.exit_code))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
