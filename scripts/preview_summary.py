"""Turn `pulumi preview --json` output into one stack's section of the PR comment.

    pulumi preview --stack dev --json > preview.json
    python scripts/preview_summary.py dev preview.json exit-code > summary.md

Replacements and deletions are listed first and marked, because they are what
loses data or causes downtime; policy violations and errors follow; then counts.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

DANGEROUS = {
    "replace": "REPLACE",
    "create-replacement": "REPLACE",
    "delete-replaced": "REPLACE",
    "delete": "DELETE",
}


def _short(urn: str) -> str:
    """`type::name` from a URN, the part a reviewer recognises."""
    parts = urn.split("::")
    return f"{parts[-2].split('$')[-1]} {parts[-1]}" if len(parts) >= 4 else urn


def summarize(stack: str, preview: dict[str, Any], exit_code: int) -> str:
    steps = preview.get("steps") or []
    counts = Counter(step.get("op", "?") for step in steps)
    dangerous = sorted(
        {(DANGEROUS[s["op"]], _short(s.get("urn", ""))) for s in steps if s.get("op") in DANGEROUS}
    )
    diagnostics = [
        d for d in preview.get("diagnostics") or [] if d.get("severity") in ("error", "warning")
    ]
    status = "passed" if exit_code == 0 else "FAILED"
    lines = [f"### `{stack}`: preview {status}", ""]
    if dangerous:
        lines.append(f"**{len(dangerous)} replacement(s)/deletion(s): review before merging**")
        lines += [f"- :warning: **{op}** `{name}`" for op, name in dangerous]
        lines.append("")
    if diagnostics:
        lines.append("**Policy violations and errors**")
        lines += [f"- `{d.get('severity')}` {d.get('message', '').strip()}" for d in diagnostics]
        lines.append("")
    summary = preview.get("changeSummary") or dict(counts)
    shown = ", ".join(f"{op}: {n}" for op, n in sorted(summary.items()) if op != "same")
    lines.append(f"Changes: {shown or 'none'} (unchanged: {summary.get('same', 0)})")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    stack, path, exit_code = argv[1], Path(argv[2]), int(argv[3])
    try:
        preview = json.loads(path.read_text() or "{}")
    except json.JSONDecodeError:
        preview = {
            "diagnostics": [
                {"severity": "error", "message": "preview produced no JSON (see the job log)"}
            ]
        }
    sys.stdout.write(summarize(stack, preview, exit_code))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
