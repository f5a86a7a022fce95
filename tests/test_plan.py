"""The offline plan command: pinned reports, parity with the allow-list, and error paths."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from offline import cli
from offline.engine import ROOT, STACKS, Inventory
from offline.report import Allowed, diff, load_allowlist, plan, render


@pytest.mark.parametrize("stack", STACKS)
def test_plan_report_is_pinned(
    inventories: dict[str, Inventory], stack: str, snapshot: SnapshotAssertion
) -> None:
    """The whole human report per stack; review its diff like code."""
    assert render(plan(inventories[stack])) == snapshot


def test_report_has_tree_settings_outputs_policy_and_counts(
    inventories: dict[str, Inventory],
) -> None:
    text = render(plan(inventories["prod"]))
    assert text.startswith(f"stack prod: {len(inventories['prod'].registrations)} resources")
    for heading in (
        "RESOURCES (by component)",
        "OUTPUTS",
        "POLICY aevon-guardrails: 0 mandatory",
        "COUNT BY TYPE",
    ):
        assert heading in text
    assert "  - database  [aevon:data:AuroraPostgres]" in text
    assert "    - database-cluster  [aws:rds/cluster:Cluster]" in text
    assert "deletionProtection=True" in text
    assert "protect=True" in text
    assert re.search(r"^\s+4  aws:ecs/service:Service$", text, re.MULTILINE)


def test_secret_outputs_are_redacted(inventories: dict[str, Inventory]) -> None:
    inventory = dataclasses.replace(inventories["dev"], secret_outputs={"cacheEndpoint"})
    report = plan(inventory)
    assert report.outputs["cacheEndpoint"] == "[secret]"
    assert report.outputs["vpcCidr"] == "10.10.0.0/16"
    assert "cacheEndpoint = [secret]" in render(report)


def test_json_shape(inventories: dict[str, Inventory]) -> None:
    document = plan(inventories["staging"]).to_json()
    assert set(document) == {
        "stack", "total", "counts", "resources", "outputs", "policy", "preflight", "stoodIn"
    }  # fmt: skip
    assert document["stoodIn"] == {
        "aevon:alarms.channels.platform-alerts.slackChannelId": "pulumi config set --stack "
        "staging --path 'aevon:alarms.channels.platform-alerts.slackChannelId' <CHANNEL_ID>",
        "aevon:errorTrackingDsn": "pulumi config set --secret --stack staging --path "
        "'aevon:errorTrackingDsn' <DSN>",
    }
    assert document["preflight"] == []
    assert document["total"] == len(document["resources"]) == sum(document["counts"].values())
    assert set(document["policy"]) == {"mandatory", "advisory"}
    assert document["policy"]["mandatory"] == []
    resource = next(r for r in document["resources"] if r["name"] == "database-cluster")
    assert set(resource) == {"urn", "type", "name", "component", "parent", "settings"}
    assert resource["component"] == "database"
    assert resource["settings"]["storageEncrypted"] is True
    json.dumps(document)  # serialisable as it is


def test_staging_matches_prod_except_for_the_allow_listed_differences(
    inventories: dict[str, Inventory],
) -> None:
    allowlist = load_allowlist(ROOT / "parity-allowlist.yaml")
    differences = diff(plan(inventories["staging"]), plan(inventories["prod"]), allowlist)
    assert differences, "sizes do differ"
    gaps = [d for d in differences if d.reason is None]
    assert gaps == []


def test_an_unlisted_difference_is_a_parity_gap(inventories: dict[str, Inventory]) -> None:
    allowlist = [a for a in load_allowlist(ROOT / "parity-allowlist.yaml") if a.field != "nodeType"]
    gaps = [
        d
        for d in diff(plan(inventories["staging"]), plan(inventories["prod"]), allowlist)
        if d.reason is None
    ]
    assert [(g.name, g.field) for g in gaps] == [("cache-group", "nodeType")]


def test_dev_is_not_prods_shape(inventories: dict[str, Inventory]) -> None:
    allowlist = load_allowlist(ROOT / "parity-allowlist.yaml")
    gaps = [
        d
        for d in diff(plan(inventories["dev"]), plan(inventories["prod"]), allowlist)
        if d.reason is None
    ]
    fields = {(g.type, g.field) for g in gaps}
    assert ("aws:ec2/natGateway:NatGateway", "presence") in fields
    assert ("aws:rds/clusterInstance:ClusterInstance", "presence") in fields
    assert ("aws:kms/key:Key", "presence") in fields


def test_allowlist_globs() -> None:
    entry = Allowed(type="aws:iam/*", name="database-*", field="presence", reason="r")
    assert entry.matches("aws:iam/role:Role", "database-monitoring-role", "presence")
    assert not entry.matches("aws:iam/role:Role", "app-api-task-role", "presence")


# ------------------------------------------------------------------ the command
@pytest.fixture
def evaluated(inventories: dict[str, Inventory], monkeypatch: pytest.MonkeyPatch) -> None:
    """The command with the session's evaluations (the same program on the same stack
    files), so these tests time the command, not the program again."""

    def run_stack(stack: str, project_dir: Path = ROOT) -> Inventory:
        assert project_dir == ROOT
        return inventories[stack]

    monkeypatch.setattr(cli, "run_stack", run_stack)


@pytest.mark.usefixtures("evaluated")
def test_command_plans_a_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["plan", "dev"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("stack dev: ")
    assert "running the program for stack 'dev'" in err


@pytest.mark.usefixtures("evaluated")
def test_command_diff_exits_zero_without_gaps_and_one_with(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli.main(["plan", "--diff", "staging", "prod"]) == 0
    assert "0 parity gap(s)" in capsys.readouterr().out
    empty = tmp_path / "allow.yaml"
    empty.write_text("intended: []\n")
    assert cli.main(["plan", "--diff", "staging", "prod", "--allowlist", str(empty), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["gaps"] > 0


def _project_copy(tmp_path: Path, stack: str, text: str | bytes) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "infra").symlink_to(ROOT / "infra")
    target = tmp_path / f"Pulumi.{stack}.yaml"
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text)
    return tmp_path


KNOWN = ", ".join(STACKS)
DEV = (ROOT / "Pulumi.dev.yaml").read_text()


def _line(text: str, start: str) -> int:
    """The 1-based number of the first line of `text` that starts with `start`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


NAT = _line(DEV, "    nat: instance")
AZ_COUNT = _line(DEV, "    azCount: 2")
# Config mistakes are the program's own message: a header naming the stack, one line each.
CONFIG_MISTAKES = ("typo", "namespace", "section", "bad")


@pytest.mark.parametrize(
    ("stack", "text", "message"),
    [
        (
            "nosuch",
            None,
            f"unknown stack 'nosuch': there is no Pulumi.nosuch.yaml; stacks: {KNOWN}",
        ),
        (
            # The real mistake is the unclosed list on line 2, not where the parser gave up.
            "broken",
            "config:\n  aevon:network: [unclosed\n  aws:region: us-east-1\n",
            "Pulumi.broken.yaml is not valid YAML (line 2, column 18): expected ',' or ']'",
        ),
        (
            # A key without ': ' runs on into the next line: its own line is the one to fix.
            "colon",
            DEV.replace("    nat: instance", "    nat instance"),
            f"Pulumi.colon.yaml is not valid YAML (line {NAT}, column 5): could not find "
            "expected ':'",
        ),
        (
            "indent",
            DEV.replace("    azCount: 2", "     azCount: 2"),
            # One line too deep: the line above runs on into it; the message names both.
            f"Pulumi.indent.yaml is not valid YAML (line {AZ_COUNT - 1}): the value on this "
            f"line runs on into line {AZ_COUNT}, where mapping values are not allowed here (a "
            f"key here without ': ', or line {AZ_COUNT} indented deeper than the key above it)",
        ),
        (
            # Issue 16: a Latin-1 "é" in a comment.
            "latin",
            "# café: dev's config\n".encode("latin-1") + DEV.encode(),
            "Pulumi.latin.yaml is not UTF-8 text: byte 0xe9 at line 1, column 6",
        ),
        ("empty", "# nothing\n", "Pulumi.empty.yaml must be a mapping with a 'config:' mapping"),
        (
            # Issue 16: reported as "aws:region: required key is missing", never naming the typo.
            "typo",
            DEV.replace("aws:region:", "aws:regoin:"),
            "aws:regoin: unknown key of aws; did you mean aws:region?",
        ),
        (
            "namespace",
            DEV.replace("aevon:network:", "aevonn:network:"),
            "did you mean aevon:network?",
        ),
        (
            "section",
            DEV.replace("aevon:database:", "aevon:databse:"),
            "aevon:databse: unknown key; did you mean aevon:database?",
        ),
        ("bad", DEV.replace("azCount: 2", "azCount: 9"), "stack 'bad': invalid configuration"),
    ],
)
def test_bad_input_gets_one_message_and_exit_code_2(
    stack: str,
    text: str | bytes | None,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if text is not None:
        monkeypatch.setattr(cli, "ROOT", _project_copy(tmp_path, stack, text))
    assert cli.main(["plan", stack]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert "Traceback" not in err
    if stack == "bad":
        assert "aevon:network.azCount = 9" in err
    if stack in CONFIG_MISTAKES:
        # One problem: the misspelled key, not also the key it was meant to be as missing.
        assert f"stack '{stack}': invalid configuration (1 problem(s))" in err, err
        assert len(err.strip().splitlines()) == 2, err
    else:
        assert len(err.strip().splitlines()) == 1, err


def _never_evaluated(*_: object, **__: object) -> None:
    raise AssertionError("bad input must be refused before any stack is evaluated")


@pytest.mark.parametrize(
    ("argv", "allowlist", "message"),
    [
        # Issue 16: staging was evaluated for 4 s before the unknown name was rejected.
        (["--diff", "staging", "nosuch"], None, "unknown stack 'nosuch'"),
        (
            ["--diff", "staging", "prod", "--allowlist", "nothere.yaml"],
            None,
            "nothere.yaml: no such file",
        ),
        (["--diff", "staging", "prod"], "intended: [\n  {type: x\n", "is not valid YAML"),
        (["--diff", "staging", "prod"], "x: 1\n", "intended: Field required"),
        (
            ["--diff", "staging", "prod"],
            "intended: []\nextra: 1\n",
            "extra = 1: Extra inputs are not permitted",
        ),
        (
            ["--diff", "staging", "prod"],
            "intended:\n  - {type: 'aws:*', field: cidrBlock}\n",
            "intended[0].reason: Field required",
        ),
        (
            ["--diff", "staging", "prod"],
            "intended:\n  - {type: 'aws:*', field: cidrBlock, reason: 7}\n",
            "intended[0].reason = 7: Input should be a valid string",
        ),
        (["--diff", "staging", "prod"], b"# \xe9\nintended: []\n", "is not UTF-8 text"),
        (["--diff", "staging"], None, "argument --diff: expected 2 arguments"),
        (["dev", "--diff", "staging", "prod"], None, "give either a stack or --diff"),
        (["--frist-deploy", "dev"], None, "unrecognized arguments: --frist-deploy"),
    ],
)
def test_bad_arguments_and_allowlists_are_refused_before_anything_runs(
    argv: list[str],
    allowlist: str | bytes | None,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli, "run_stack", _never_evaluated)
    if allowlist is not None:
        path = tmp_path / "allow.yaml"
        if isinstance(allowlist, bytes):
            path.write_bytes(allowlist)
        else:
            path.write_text(allowlist)
        argv = [*argv, "--allowlist", str(path)]
    try:
        code = cli.main(["plan", *argv])
    except SystemExit as exit_:  # argparse's own usage errors
        code = exit_.code
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1, err


def test_the_module_entry_point_exits_with_the_commands_code() -> None:
    """`python -m offline` runs `cli.run()`, which flushes and exits with main()'s code."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "offline", "plan", "nosuch"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    expected = f"unknown stack 'nosuch': there is no Pulumi.nosuch.yaml; stacks: {KNOWN}"
    assert result.stderr.strip() == f"aevon plan: {expected}"
