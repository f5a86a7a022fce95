"""Error rendering: one message naming the stack, each key, its value and what is allowed."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pydantic import BaseModel, ValidationError

from infra.config._base import FOREIGN_KEYS, PROJECT_NAMESPACE


class ConfigError(pulumi.RunError):
    """Invalid stack configuration.

    A `pulumi.RunError`, so the Pulumi language host prints the message alone,
    without a Python traceback.
    """


def _key_for(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return ""
    head = str(loc[0])
    foreign = {v: k for k, v in FOREIGN_KEYS.items()}
    root = foreign.get(head, f"{PROJECT_NAMESPACE}:{head}")
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
    return root + path


def _value_at(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> Any:
    value: Any = data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return "<missing>"
    return value


def message(stack: str, problems: Sequence[str]) -> str:
    """The one message: the stack, then one line per problem."""
    lines = [f"stack '{stack}': invalid configuration ({len(problems)} problem(s))"]
    return "\n".join([*lines, *(f"  - {p}" for p in problems)])


def explain(
    stack: str, error: ValidationError, data: Mapping[str, Any], root: type[BaseModel]
) -> str:
    """The one message for every problem pydantic found in `data` (validated as `root`)."""
    return message(stack, problems(error, data, root))


def problems(error: ValidationError, data: Mapping[str, Any], root: type[BaseModel]) -> list[str]:
    """One line per problem pydantic found in `data` (validated as `root`).

    Each line names the full key (`aevon:network.azCount`, `aws:region`), the value
    and the rule; an unknown key lists the keys allowed where it stands and the
    closest of them.
    """
    lines: list[str] = []
    for problem in error.errors(include_url=False):
        loc = tuple(problem["loc"])
        key = _key_for(loc)
        if problem["type"] == "extra_forbidden":
            allowed = _allowed_keys_at(root, loc[:-1])
            wrong = key if len(loc) == 1 else str(loc[-1])
            close = difflib.get_close_matches(wrong, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            lines.append(f"{key}: unknown key{hint} (allowed here: {', '.join(allowed)})")
            continue
        value = _value_at(data, loc)
        if problem["type"] == "missing":
            lines.append(f"{key}: required key is missing")
            continue
        rule = str(problem["msg"]).removeprefix("Value error, ")
        if not loc or isinstance(value, dict):
            # A cross-field rule: the message itself names the fields and their values.
            lines.append(f"{key or 'stack config'}: {rule}")
        else:
            lines.append(f"{key} = {json.dumps(value, default=str)}: {rule}")
    return lines


def _allowed_keys_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = next(
            (f for n, f in model.model_fields.items() if part in (n, f.alias)),
            None,
        )
        if field is None or not isinstance(field.annotation, type):
            return []
        model = field.annotation
    if not isinstance(model, type) or not issubclass(model, BaseModel):
        return []
    if model is root:
        internal = {"project", "stack", *FOREIGN_KEYS.values()}
        return [
            f"{PROJECT_NAMESPACE}:{f.alias}"
            for f in model.model_fields.values()
            if f.alias not in internal
        ]
    return [f.alias or n for n, f in model.model_fields.items()]
