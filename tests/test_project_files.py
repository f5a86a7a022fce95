"""Pulumi.yaml and the stack files agree with the config schema and with what the CLI accepts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from infra.config import PROJECT_NAMESPACE, StackConfig
from offline.engine import ROOT, STACKS, project_file, stack_file

# The CLI's project-config type check (the project.json schema of the pinned CLI).
CLI_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}
INTERNAL_FIELDS = {"project", "stack", "aws_region", "aws_allowed_account_ids"}


def _declared() -> dict[str, dict]:
    return dict(project_file()["config"])


def test_project_file_runs_infra_with_uv_and_a_type_checker() -> None:
    project = project_file()
    assert project["name"] == "aevon"
    assert project["main"] == "infra/"
    assert (ROOT / project["main"] / "__main__.py").is_file()
    runtime = project["runtime"]
    assert runtime["name"] == "python"
    assert runtime["options"]["toolchain"] in {"uv", "pip"}
    assert runtime["options"]["virtualenv"] == ".venv"
    assert runtime["options"]["typechecker"] in {"pyright", "mypy"}


def test_config_block_documents_exactly_the_schema_keys() -> None:
    schema = {
        field.alias
        for name, field in StackConfig.model_fields.items()
        if name not in INTERNAL_FIELDS
    }
    assert set(_declared()) == schema
    for key, decl in _declared().items():
        assert decl["type"] in CLI_TYPES, key
        assert len(decl["description"]) > 20, f"{key} needs a real description"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_satisfies_the_cli_type_check(stack: str) -> None:
    values = stack_file(stack)["config"]
    for key, decl in _declared().items():
        full = f"{PROJECT_NAMESPACE}:{key}"
        if "default" not in decl:
            assert full in values, f"Pulumi.{stack}.yaml misses required {full}"
        if full in values:
            assert isinstance(values[full], CLI_TYPES[decl["type"]]), f"{stack}: {full}"
    for key in values:
        namespace, _, name = key.partition(":")
        if namespace == PROJECT_NAMESPACE:
            assert name in _declared(), f"Pulumi.{stack}.yaml sets undeclared {key}"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_files_hold_no_plaintext_secret_looking_values(stack: str) -> None:
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text().lower()
    for word in ("password", "token:", "secret:", "apikey", "private_key"):
        assert word not in text, (
            f"Pulumi.{stack}.yaml mentions {word!r}: use `pulumi config set --secret`"
        )


def test_a_test_returning_an_output_without_the_decorator_fails(pytester: pytest.Pytester) -> None:
    """pytest's config turns a forgotten @pulumi.runtime.test into a failure."""
    pytester.makepyfile(
        test_forgotten=textwrap.dedent(
            """
            def test_returns_a_value():
                return "an Output would be silently ignored here"
            """
        )
    )
    result = pytester.runpytest(
        "-c",
        str(Path(ROOT / "pyproject.toml")),
        "--rootdir",
        str(pytester.path),
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(failed=1)
