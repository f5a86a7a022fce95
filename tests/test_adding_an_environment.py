"""README, "Adding an environment", followed the way a person would, on a copy of the repository.

A `qa` stack made from staging's file with its own CIDR, GitHub environment and refs, TLS
name, no Vercel ownership and no GKE; then the README's commands, exactly as written there
(`uv run` is this interpreter, which is what `uv run` starts), in the copy. It passes only if
the stack file is the whole change: no code edit, and afterwards nothing differs from the
original but the new file, the generated cost table and the new snapshots.

The walk-through is slow (it runs the program, the cost table and the stack tests again
in the copy), so it is not in the default run: `uv run pytest -m slow` (`.ci/run` runs it).
That the README names every change it needs is checked in the default run.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from offline.engine import ROOT

NEW = "qa"
# What a person changes in the copied staging file (README step 1), as (old, new) edits;
# the README must name each key.
EDITS: list[tuple[str, str, str]] = [
    ("cidr", "    cidr: 10.20.0.0/16\n", "    cidr: 10.30.0.0/16\n"),
    ("`name` (`qa`)", "      name: staging\n", "      name: qa\n"),
    ('{tags: ["qa-*"]}', '      refs: {tags: ["rc-*"]}\n', '      refs: {tags: ["qa-*"]}\n'),
    ("hostName", "      hostName: staging.aevon.dev\n", "      hostName: qa.staging.aevon.dev\n"),
    ("manage: false", "  aevon:vercel:\n", "  aevon:vercel:\n    manage: false\n"),
    ("costCenter", "    costCenter: aevon-staging\n", "    costCenter: aevon-qa\n"),
    ("accountRoles: false", "    accountRoles: true\n", "    accountRoles: false\n"),
    ("artifactRegistry: true", "        artifactRegistry: true\n", ""),
]
# The copy keeps staging's `aevon:promotesFrom: dev`, which the README asks for (`dev`).
GENERATED = ("README.md", f"Pulumi.{NEW}.yaml", "tests/__snapshots__/", "ledger/")


def _section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("### Adding an environment")
    return readme[start : readme.index("\n## ", start)]


def _commands(section: str) -> list[str]:
    """The commands of the section's bash block, without their comments."""
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "README's Adding an environment has no bash block"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def _argv(command: str) -> list[str]:
    """`uv run X ...` with this interpreter: the console script `aevon` is `python -m
    offline`, `pytest` is `python -m pytest`, `python` is the interpreter itself."""
    words = shlex.split(command)
    assert words[:2] == ["uv", "run"], f"not a `uv run` command: {command}"
    program, *args = words[2:]
    launch = {
        "aevon": [sys.executable, "-m", "offline"],
        "pytest": [sys.executable, "-m", "pytest"],
        "python": [sys.executable],
    }
    return [*launch[program], *args]


def _gcp_off(text: str) -> str:
    """`aevon:gcp: {enabled: false}` in place of staging's GKE section (README step 1)."""
    start = text.index("  aevon:gcp:\n")
    # The section ends at the next top-level key (two spaces, then the key).
    following = re.search(r"^  \S", text[start + 1 :], re.MULTILINE)
    end = start + 1 + following.start() if following else len(text)
    return text[:start] + "  aevon:gcp:\n    enabled: false\n" + text[end:]


def _copy_repository(destination: Path) -> Path:
    """The repository's files as a fresh clone has them (tracked and new, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def _fingerprint(root: Path) -> dict[str, str]:
    """Every file but the ones the README's steps write, by content."""
    found = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if not path.is_file() or "__pycache__" in name or name.startswith(GENERATED):
            continue
        found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_the_readme_names_every_change_it_asks_for() -> None:
    section = _section()
    for key, _, _ in EDITS:
        assert key in section, f"README's Adding an environment does not mention {key}"
    for key in ("enabled: false", "aevon:promotesFrom", "`dev`"):
        assert key in section, key
    assert "STACKS" not in section, "no list of stacks to edit"


@pytest.mark.slow
def test_a_new_environment_is_one_stack_file(tmp_path: Path) -> None:
    copy = _copy_repository(tmp_path / "repo")
    text = _gcp_off((copy / "Pulumi.staging.yaml").read_text())
    for key, old, new in EDITS:
        assert old in text, f"staging's file no longer has {key}: update this test's edits"
        text = text.replace(old, new)
    assert "aevon:promotesFrom: dev\n" in text
    (copy / f"Pulumi.{NEW}.yaml").write_text(text)
    before = _fingerprint(copy)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}

    for command in _commands(_section()):
        argv = _argv(command)
        if argv[1:3] == ["-m", "pytest"]:
            # The whole suite runs in CI; here what a new stack adds: its own cases and the
            # tests over every stack together.
            argv += ["-q", "-p", "no:cacheprovider", "-k", f"{NEW} or all_stacks"]
        result = subprocess.run(  # noqa: S603 - this interpreter, the README's arguments
            argv, cwd=copy, env=env, capture_output=True, text=True, check=False, timeout=900
        )
        assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}\n{result.stderr}"
        if command.endswith(f"plan {NEW}"):
            assert "PREFLIGHT: 0 error(s)" in result.stdout
        if "--first-deploy" in command:
            assert f"{NEW}: every lookup and reference is satisfied" in result.stdout

    readme = (copy / "README.md").read_text()
    assert "| driver | dev | qa | staging | prod |" in readme, "the cost table gained qa"
    for snapshots in ("test_stacks.ambr", "test_plan.ambr"):
        text = (copy / "tests" / "__snapshots__" / snapshots).read_text()
        assert f"[{NEW}]" in text, f"{snapshots} has no snapshot of {NEW}"
    assert _fingerprint(copy) == before, "adding the stack changed a file besides its own"
