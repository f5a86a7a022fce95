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
- `stack_document(stack)`: the stack file exists and is a mapping with a `config:`
  mapping; its keys and values are the program's config to judge
  (`infra.config.parse`: `aws:regoin` is named with `aws:region`).
- a mapping that gives a key twice is refused (`DuplicateKeyError`), where PyYAML
  and the Pulumi CLI would keep the last value silently.
- `check_stacks(names)`: every name has a stack file (all checked before any is run).
- `ArgumentParser` (from `offline.args`): argparse whose usage errors are one line too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from infra.config import ConfigError
from offline.args import ArgumentParser

__all__ = [
    "ArgumentParser",
    "BadInputError",
    "DuplicateKeyError",
    "check_stacks",
    "fail",
    "read_yaml",
    "stack_document",
    "stack_names",
]

ROOT = Path(__file__).resolve().parents[1]  # the repository: Pulumi.yaml and the stack files


class BadInputError(Exception):
    """Input the user must fix; reported as one line and exit code 2."""


class DuplicateKeyError(BadInputError, ConfigError):
    """A YAML mapping gives one key twice: one message naming the file, the key and both lines."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader, refusing a mapping that gives a key twice.

    PyYAML keeps the last value of a repeated key without a word, and so, by its
    source, does the Pulumi CLI: it reads stack files with gopkg.in/yaml.v2's
    non-strict `yaml.Unmarshal` (pulumi/pulumi sdk/go/common/encoding/marshal.go),
    and only yaml.v2's `UnmarshalStrict` reports a repeated key ("already set in map").
    A second `aevon:network` would silently replace the first.
    """

    label = ""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[arg-type]
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DuplicateKeyError(
                    f"{self.label} line {line}: key {key!r} is given twice (first at line "
                    f"{seen[key]}); YAML keeps only the last value without a word, and so "
                    "does the Pulumi CLI: keep one"
                )
            seen[key] = line
        return super().construct_mapping(node, deep)


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


def read_yaml(path: Path, label: str | None = None, stack: str | None = None) -> Any:
    """The YAML document in `path`. Raises BadInputError (one line) for a missing file,
    bytes that are not UTF-8, YAML syntax errors (with the line to look at) and a
    mapping key given twice (`DuplicateKeyError`, naming the stack when given)."""
    label = label or path.name
    if not path.is_file():
        raise BadInputError(f"{label}: no such file")
    text = _decode(path, label)

    class Loader(_UniqueKeyLoader):
        pass

    Loader.label = f"stack '{stack}': {label}" if stack else label
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
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


def stack_document(stack: str, project_dir: Path = ROOT) -> dict[str, Any]:
    """The stack file's document, checked: it exists and is YAML in UTF-8, a mapping with
    a `config:` mapping. Raises BadInputError (one line); the keys and values are the
    program's to judge (`infra.config.parse`, which names a misspelled key's fix)."""
    check_stacks([stack], project_dir)
    label = f"Pulumi.{stack}.yaml"
    document = read_yaml(project_dir / label, label)
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise BadInputError(f"{label} must be a mapping with a 'config:' mapping")
    return document


# ------------------------------------------------------------------------------ reporting
def fail(prog: str, error: BaseException) -> int:
    """Print the one message for bad input on stderr and return exit code 2."""
    print(f"{prog}: {error}", file=sys.stderr)
    return 2
