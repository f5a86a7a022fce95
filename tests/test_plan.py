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
def test_command_plans_a_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["plan", "dev"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("stack dev: ")
    assert "running the program for stack 'dev'" in err


def test_command_diff_exits_zero_without_gaps_and_one_with(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert cli.main(["plan", "--diff", "staging", "prod"]) == 0
    assert "0 parity gap(s)" in capsys.readouterr().out
    empty = tmp_path / "allow.yaml"
    empty.write_text("intended: []\n")
    assert cli.main(["plan", "--diff", "staging", "prod", "--allowlist", str(empty), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["gaps"] > 0


def _project_copy(tmp_path: Path, stack: str, text: str) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "infra").symlink_to(ROOT / "infra")
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("stack", "text", "message"),
    [
        (
            "nosuch",
            None,
            "unknown stack 'nosuch': there is no Pulumi.nosuch.yaml; stacks: dev, prod, staging",
        ),
        (
            "broken",
            "config:\n  aevon:network: [unclosed\n",
            "Pulumi.broken.yaml is not valid YAML (line 3",
        ),
        ("empty", "# nothing\n", "Pulumi.empty.yaml must be a mapping with a 'config:' mapping"),
        ("bad", None, "stack 'bad': invalid configuration"),
    ],
)
def test_bad_input_gets_one_message_and_exit_code_2(
    stack: str,
    text: str | None,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if stack == "bad":
        good = (ROOT / "Pulumi.dev.yaml").read_text()
        text = good.replace("azCount: 2", "azCount: 9")
    if text is not None:
        monkeypatch.setattr(cli, "ROOT", _project_copy(tmp_path, stack, text))
    assert cli.main(["plan", stack]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert "Traceback" not in err
    if stack == "bad":
        assert "aevon:network.azCount = 9" in err
    else:
        assert len(err.strip().splitlines()) == 1


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
    expected = "unknown stack 'nosuch': there is no Pulumi.nosuch.yaml; stacks: dev, prod, staging"
    assert result.stderr.strip() == f"aevon plan: {expected}"
