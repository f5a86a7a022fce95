"""What users hand the offline tools, read with one clear line per mistake.

The stack files, the parity allow-list and the command lines of `aevon`,
`scripts/cost.py` and `scripts/bench.py` are typed by people. A mistake in any of
them is a `BadInputError` whose message is one line that names the file (and its
line and column) or the argument, the value and what is allowed; the commands
print it on stderr and exit with code 2, before anything is evaluated.

- `read_yaml(path)`: UTF-8 text (PyYAML and the Pulumi CLI both read YAML as
  UTF-8), then YAML; a syntax error names the line where the broken construct
  starts (PyYAML's `context_mark`, or the start of a plain value that ran on into
  the next line), not only the line where the parser gave up (`problem_mark`).
- `stack_document(stack)`: the stack file exists, is a mapping with a `config:`
  mapping, and sets no key that looks like a misspelling of a key the program
  reads (`aws:regoin` for `aws:region`, `aevonn:network` for `aevon:network`).
- `check_stacks(names)`: every name has a stack file (all checked before any is run).
- `ArgumentParser` (from `offline.args`): argparse whose usage errors are one line too.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from offline.args import ArgumentParser

__all__ = [
    "ArgumentParser",
    "BadInputError",
    "check_stacks",
    "fail",
    "misspelled_keys",
    "read_yaml",
    "stack_document",
    "stack_names",
]

ROOT = Path(__file__).resolve().parents[1]  # the repository: Pulumi.yaml and the stack files
# Config keys outside the project namespace that the program reads (infra/config/_base.py).
PROGRAM_KEYS = ("aws:region", "pulumi:disable-default-providers")
# The namespaces a stack file may use: the project's and its providers'.
NAMESPACES = ("aevon", "aws", "gcp", "github", "vercel", "random", "pulumi")


class BadInputError(Exception):
    """Input the user must fix; reported as one line and exit code 2."""


# ------------------------------------------------------------------------------ YAML files
def _decode(path: Path, label: str) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BadInputError(
            f"{label} is not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, "
            f"column {column}; save it as UTF-8 (YAML files are read as UTF-8)"
        ) from None


def _runaway_scalar_start(text: str, problem_line: int) -> int | None:
    """The line a plain value started on when it ran on into `problem_line` (0-based):
    a key without `: ` above, or a line indented deeper than the key above it, turns
    two lines into one value, and PyYAML notices only at the second line's `:`."""
    loader = yaml.SafeLoader(text)
    last: Any = None
    try:
        while loader.check_token():
            token = loader.get_token()
            if isinstance(token, yaml.ScalarToken) and token.plain:
                last = token
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    if last is not None and last.start_mark.line < problem_line <= last.end_mark.line:
        return last.start_mark.line
    return None


def _yaml_error(text: str, label: str, exc: yaml.YAMLError) -> BadInputError:
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    if problem_mark is None:
        return BadInputError(f"{label} is not valid YAML: {problem}")
    at = f"line {problem_mark.line + 1}, column {problem_mark.column + 1}"
    if context_mark is not None and context_mark.line < problem_mark.line:
        return BadInputError(
            f"{label} is not valid YAML (line {context_mark.line + 1}, column "
            f"{context_mark.column + 1}): {problem} ({context} that starts here; "
            f"noticed at {at})"
        )
    start = _runaway_scalar_start(text, problem_mark.line)
    if start is not None:
        return BadInputError(
            f"{label} is not valid YAML (line {start + 1}): the value on this line runs on "
            f"into line {problem_mark.line + 1}, where {problem} (a key here without ': ', "
            f"or line {problem_mark.line + 1} indented deeper than the key above it)"
        )
    return BadInputError(f"{label} is not valid YAML ({at}): {problem}")


def read_yaml(path: Path, label: str | None = None) -> Any:
    """The YAML document in `path`. Raises BadInputError (one line) for a missing file,
    bytes that are not UTF-8, and YAML syntax errors (with the line to look at)."""
    label = label or path.name
    if not path.is_file():
        raise BadInputError(f"{label}: no such file")
    text = _decode(path, label)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(text, label, exc) from None


# ------------------------------------------------------------------------------ stack files
def stack_names(project_dir: Path = ROOT) -> tuple[str, ...]:
    """The stacks that have a stack file (`Pulumi.<stack>.yaml`) in `project_dir`, by name.

    An environment is its stack file: the tests, snapshots, the cost table and the
    cross-stack checks cover whatever this finds (README, "Adding an environment").
    """
    return tuple(
        sorted(
            p.name.removeprefix("Pulumi.").removesuffix(".yaml")
            for p in project_dir.glob("Pulumi.*.yaml")
        )
    )


def check_stacks(names: Iterable[str], project_dir: Path = ROOT) -> None:
    """Every name has a stack file. Raises BadInputError naming the first unknown one."""
    known = stack_names(project_dir)
    for name in names:
        if name not in known:
            raise BadInputError(
                f"unknown stack '{name}': there is no Pulumi.{name}.yaml; "
                f"stacks: {', '.join(known)}"
            )


def _declared_keys(project_dir: Path) -> list[str]:
    project = read_yaml(project_dir / "Pulumi.yaml")
    return [
        *(k if ":" in k else f"{project['name']}:{k}" for k in project.get("config") or {}),
        *PROGRAM_KEYS,
    ]


def misspelled_keys(config: dict[str, Any], declared: list[str]) -> list[str]:
    """One message per key of `config` that looks like a misspelling of a key the program
    reads and the file does not set (`aws:regoin` -> `aws:region`), or whose namespace
    looks like a misspelling of a known one (`aevonn:` -> `aevon:`)."""
    problems = []
    for key in config:
        namespace, _, name = str(key).partition(":")
        if key in declared:
            continue
        if namespace not in NAMESPACES:
            close = difflib.get_close_matches(namespace, NAMESPACES, n=1, cutoff=0.6)
            if close:
                problems.append(
                    f"{key}: unknown namespace '{namespace}:'; did you mean "
                    f"'{close[0]}:{name}'? (namespaces: {', '.join(NAMESPACES)})"
                )
            continue
        unset = [k for k in declared if k not in config and k.startswith(f"{namespace}:")]
        close = difflib.get_close_matches(str(key), unset, n=1, cutoff=0.8)
        if close:
            problems.append(f"{key}: not a key the program reads; did you mean {close[0]}?")
    return problems


def stack_document(stack: str, project_dir: Path = ROOT) -> dict[str, Any]:
    """The stack file's document, checked: it exists and is YAML in UTF-8, a mapping with
    a `config:` mapping, without misspelled keys. Raises BadInputError (one line)."""
    check_stacks([stack], project_dir)
    label = f"Pulumi.{stack}.yaml"
    document = read_yaml(project_dir / label, label)
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise BadInputError(f"{label} must be a mapping with a 'config:' mapping")
    problems = misspelled_keys(document["config"], _declared_keys(project_dir))
    if problems:
        raise BadInputError(f"stack '{stack}' ({label}): {problems[0]}")
    return document


# ------------------------------------------------------------------------------ reporting
def fail(prog: str, error: BaseException) -> int:
    """Print the one message for bad input on stderr and return exit code 2."""
    print(f"{prog}: {error}", file=sys.stderr)
    return 2
