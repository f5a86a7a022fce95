"""Pulumi.yaml and the stack files agree with the config schema and with what the CLI accepts."""

from __future__ import annotations

import re
import textwrap
import tomllib
from pathlib import Path

import pytest

from infra.config import PROJECT_NAMESPACE, StackConfig
from offline.engine import ROOT, STACKS, project_file, stack_file

# The CLI's project-config type check (the project.json schema of the pinned CLI).
CLI_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}
INTERNAL_FIELDS = {"project", "stack", "aws_region", "aws_allowed_account_ids"}


def _declared() -> dict[str, dict]:
    return dict(project_file()["config"])


def test_project_file_runs_infra_with_uv_and_ci_type_checks_it_once() -> None:
    """Issue 16: `typechecker: pyright` type-checked the whole project before every
    preview and up (three per pull request). The type check is CI's test job's."""
    project = project_file()
    assert project["name"] == "aevon"
    assert project["main"] == "infra/"
    assert (ROOT / project["main"] / "__main__.py").is_file()
    runtime = project["runtime"]
    assert runtime["name"] == "python"
    assert runtime["options"]["toolchain"] in {"uv", "pip"}
    assert runtime["options"]["virtualenv"] == ".venv"
    assert "typechecker" not in runtime["options"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "\nuv run pyright\n" in ci
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert "bash .ci/run" in workflow


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


def _readme_install_command() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Fresh machine") :]
    block = section[section.index("```bash\n") + len("```bash\n") :]
    return block[: block.index("```")].strip()


def test_the_readmes_install_command_works_on_a_stock_python_and_matches_ci() -> None:
    """Issue 16: `python3 -m pip install uv` is refused by a stock Debian Python (PEP 668).
    The README installs uv with its standalone installer, pinned to the version CI sets
    up, then runs exactly what .ci/run runs."""
    command = _readme_install_command()
    assert "\n" not in command, "one command"
    assert "pip install" not in command
    installer = re.search(r"https://astral\.sh/uv/(\d+\.\d+\.\d+)/install\.sh", command)
    assert installer, command
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert f'version: "{installer.group(1)}"' in ci, "README's uv is the one CI sets up"
    assert installer.group(1) in (ROOT / ".ci" / "run").read_text()
    assert command.endswith("&& uv sync --locked && uv run pytest")
    ci_run = (ROOT / ".ci" / "run").read_text()
    assert "\nuv run pytest\n" in ci_run
    assert "uv sync --locked" in ci_run


def test_uv_run_compiles_no_bytecode_on_every_run() -> None:
    """Issue 16: `compile-bytecode` in the project made every `uv run` (which syncs first)
    compile the whole environment again and print "Bytecode compiled N files"."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "compile-bytecode" not in pyproject["tool"]["uv"]
