"""The one reviewed waiver file (`security-waivers.yaml`), and findings judged against it.

Shared by the Checkov scan (`scripts/checkov_plan.py`) and the policy pack, which
skips a rule on a resource a waiver covers for one of the Checkov ids the rule
cites: one file decides the exceptions for both.

Each entry accepts Checkov findings of the listed rule ids on the listed stacks'
resources (Pulumi logical names, `fnmatch` globs), and says why (`reason`) and
who accepted it on what grounds (`accepted`):

    waivers:
      - checks: [CKV_AWS_226]
        stacks: [dev, staging, prod]
        resources: ["database-writer", "database-reader-*"]
        reason: automatic minor upgrades are off: the engine version is owned by config ...
        accepted: platform-team: upgrades are reviewed config changes ...

`stacks: ["*"]` is every stack, the ones to come included: for a reason that holds
wherever the resource exists (a new environment is one stack file, not a waiver edit).

`judge()` splits findings into waived and unwaived and names every entry, rule
and stack that matched nothing (a stale waiver keeps the file from staying
small), so both directions fail the scan. A file that breaks these rules gets
one message naming the file, the entry, the key, the value and what is allowed.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

WAIVER_FILE = Path(__file__).resolve().parents[1] / "security-waivers.yaml"
_CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")
_FIELDS = ("checks", "stacks", "resources", "reason", "accepted")
EVERY_STACK = "*"
_MIN_TEXT = 20  # a reason or an acceptance is a sentence, not a word


class WaiverFileError(ValueError):
    """The waiver file breaks its format; the message says where and what is allowed."""


@dataclass(frozen=True)
class Waiver:
    index: int  # position in the file (1-based), for messages
    checks: tuple[str, ...]
    stacks: tuple[str, ...]
    resources: tuple[str, ...]  # fnmatch globs over Pulumi logical names
    reason: str
    accepted: str

    def applies_to(self, stack: str) -> bool:
        return EVERY_STACK in self.stacks or stack in self.stacks

    def covers(self, finding: Finding) -> bool:
        return (
            finding.check in self.checks
            and self.applies_to(finding.stack)
            and any(fnmatch.fnmatchcase(finding.name, glob) for glob in self.resources)
        )

    def label(self) -> str:
        return f"waiver #{self.index} ({', '.join(self.checks)})"


@dataclass(frozen=True)
class Finding:
    """One failed Checkov rule on one resource of one stack's plan."""

    stack: str
    check: str  # CKV_AWS_91
    title: str  # Checkov's name for the rule
    address: str  # aws_lb.public_alb
    name: str  # the Pulumi logical name (public-alb)
    urn: str


@dataclass(frozen=True)
class Judgement:
    waived: list[tuple[Finding, Waiver]]
    unwaived: list[Finding]
    stale: list[str]  # "waiver #3 (CKV_AWS_91): nothing in stack prod fails CKV_AWS_91 ..."

    @property
    def clean(self) -> bool:
        return not self.unwaived and not self.stale


def _strings(value: Any, *, where: str, key: str, allowed: str) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise WaiverFileError(f"{where}: {key} = {value!r}: must be {allowed}")
    if len(set(value)) != len(value):
        raise WaiverFileError(f"{where}: {key} = {value!r}: lists a value twice")
    return tuple(value)


def parse(
    document: Any, *, known_stacks: Sequence[str] | None, path: Path = WAIVER_FILE
) -> list[Waiver]:
    """The waivers of a loaded waiver file, validated (see the module docstring).

    `known_stacks`: the stacks an entry may name (None: any). Raises WaiverFileError
    naming the file, the entry, the key, the value and what is allowed.
    """
    name = path.name
    if not isinstance(document, dict) or set(document) != {"waivers"}:
        raise WaiverFileError(f"{name}: must be a mapping with one key, 'waivers'")
    entries = document["waivers"]
    if not isinstance(entries, list):
        raise WaiverFileError(f"{name}: waivers must be a list of entries")
    waivers = []
    for i, entry in enumerate(entries, start=1):
        where = f"{name} waiver #{i}"
        if not isinstance(entry, dict):
            raise WaiverFileError(f"{where}: must be a mapping with {', '.join(_FIELDS)}")
        unknown = sorted(set(entry) - set(_FIELDS))
        missing = [f for f in _FIELDS if f not in entry]
        if unknown or missing:
            raise WaiverFileError(
                f"{where}: "
                + "; ".join(
                    [f"unknown key {k!r}" for k in unknown] + [f"missing {k!r}" for k in missing]
                )
                + f" (keys: {', '.join(_FIELDS)})"
            )
        checks = _strings(
            entry["checks"], where=where, key="checks", allowed="a list of Checkov rule ids"
        )
        bad = [c for c in checks if not _CHECK_ID.match(c)]
        if bad:
            raise WaiverFileError(
                f"{where}: checks = {bad[0]!r}: not a Checkov rule id (CKV_AWS_91, CKV2_GCP_18)"
            )
        stacks = _strings(
            entry["stacks"],
            where=where,
            key="stacks",
            allowed=f'a list of stacks ({", ".join(known_stacks or ["dev"])}), or ["*"]',
        )
        strange = [
            s
            for s in stacks
            if known_stacks is not None and s not in known_stacks and s != EVERY_STACK
        ]
        if strange:
            raise WaiverFileError(
                f"{where}: stacks = {strange[0]!r}: not a stack; stacks: "
                + ", ".join(known_stacks or [])
            )
        resources = _strings(
            entry["resources"],
            where=where,
            key="resources",
            allowed="a list of Pulumi logical names or globs (public-alb, database-reader-*)",
        )
        texts = []
        for key, says in (("reason", "why"), ("accepted", "who accepted it and why that is fine")):
            text = entry[key]
            if not isinstance(text, str) or len(text.strip()) < _MIN_TEXT:
                raise WaiverFileError(
                    f"{where}: {key} = {text!r}: must say {says} in a sentence "
                    f"(at least {_MIN_TEXT} characters)"
                )
            texts.append(" ".join(text.split()))
        waivers.append(Waiver(i, checks, stacks, resources, texts[0], texts[1]))
    return waivers


class _UniqueKeys(yaml.SafeLoader):
    """SafeLoader refusing a mapping key given twice (PyYAML keeps the last silently: a
    second `stacks:` would quietly widen a waiver)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[arg-type]
            line = key_node.start_mark.line + 1
            if key in seen:
                raise WaiverFileError(
                    f"{WAIVER_FILE.name} line {line}: key {key!r} is given twice (first at "
                    f"line {seen[key]}); YAML would keep only the last: keep one"
                )
            seen[key] = line
        return super().construct_mapping(node, deep)


def load(path: Path = WAIVER_FILE, *, known_stacks: Sequence[str] | None) -> list[Waiver]:
    """Read and validate the waiver file. Raises WaiverFileError for a missing file, bytes
    that are not UTF-8, broken YAML, a key given twice and every rule of `parse`."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise WaiverFileError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise WaiverFileError(
            f"{path.name} is not UTF-8 text (byte offset {exc.start}): save it as UTF-8"
        ) from None
    try:
        document = yaml.load(text, Loader=_UniqueKeys)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise WaiverFileError(f"{path.name} is not valid YAML{where}: {problem}") from None
    return parse(document, known_stacks=known_stacks, path=path)


def judge(
    findings: Iterable[Finding], waivers: Sequence[Waiver], *, stacks: Sequence[str]
) -> Judgement:
    """Which findings a waiver covers, which none does, and which waivers match nothing.

    `stacks`: the stacks that were scanned; a waiver's (rule, stack) pair is stale
    only for a scanned stack.
    """
    waived: list[tuple[Finding, Waiver]] = []
    unwaived: list[Finding] = []
    used: set[tuple[int, str, str]] = set()
    for finding in findings:
        entry = next((w for w in waivers if w.covers(finding)), None)
        if entry is None:
            unwaived.append(finding)
        else:
            waived.append((finding, entry))
            used.add((entry.index, finding.check, finding.stack))
    stale = [
        f"{w.label()}: nothing in stack {stack} fails {check} on {', '.join(w.resources)}: "
        "remove it from the waiver (or the entry)"
        for w in waivers
        for check in w.checks
        for stack in w.stacks
        if stack in stacks and (w.index, check, stack) not in used
    ] + [
        f"{w.label()}: nothing in any stack fails {check} on {', '.join(w.resources)}: "
        "remove it from the waiver (or the entry)"
        for w in waivers
        if EVERY_STACK in w.stacks
        for check in w.checks
        if stacks and not any((w.index, check, stack) in used for stack in stacks)
    ]
    return Judgement(waived, unwaived, stale)


def covering(
    waivers: Sequence[Waiver], checks: Iterable[str], stack: str, name: str
) -> Waiver | None:
    """The first waiver that accepts any of `checks` on resource `name` of `stack`."""
    wanted = set(checks)
    for w in waivers:
        if (
            wanted & set(w.checks)
            and w.applies_to(stack)
            and any(fnmatch.fnmatchcase(name, glob) for glob in w.resources)
        ):
            return w
    return None
