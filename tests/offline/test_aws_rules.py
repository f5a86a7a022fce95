"""AWS rules the schemas don't carry: pinned RDS versions are owned by code or are a floor, and
every stateful resource of a protected stack has protect."""

from __future__ import annotations

import json
from typing import Any

import pytest

from offline import preflight
from offline.engine import Inventory, Registration
from offline.preflight import aws_rules

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"


def _rules(*registrations: Registration) -> set[str]:
    return {f.rule for f in preflight.run(Inventory.of(*registrations))}


@pytest.mark.parametrize(
    ("token", "inputs", "options", "tripped"),
    [
        (CLUSTER, {"engine": "aurora-postgresql", "engineVersion": "16.15"}, {}, True),
        (INSTANCE, {"engineVersion": "16.15", "autoMinorVersionUpgrade": True}, {}, True),
        (CLUSTER, {"engineVersion": "16.15", "autoMinorVersionUpgrade": False}, {}, False),
        (INSTANCE, {"engineVersion": "16.15"}, {"ignore_changes": ["engineVersion"]}, False),
        (CLUSTER, {"engineVersion": "16"}, {}, False),  # a major version moves with the cloud
    ],
)
def test_a_pinned_rds_version_is_owned_or_a_floor(
    token: str, inputs: dict[str, Any], options: dict[str, Any], tripped: bool
) -> None:
    found = _rules(Registration.fixture(token, "db", inputs, **options))
    assert ("aws-engine-version-drift" in found) is tripped


def _provider(protection: str) -> Registration:
    tags = {"tags": {"Protection": protection, "project": "aevon"}}
    return Registration.fixture(
        "pulumi:providers:aws", "aws", {"region": "us-east-1", "defaultTags": json.dumps(tags)}
    )


@pytest.mark.parametrize(
    ("protection", "token", "protect", "tripped"),
    [
        ("protected", "aws:kms/key:Key", None, True),
        ("protected", "aws:sqs/queue:Queue", False, True),
        ("protected", "aws:cloudwatch/logGroup:LogGroup", None, True),
        ("protected", "aws:secretsmanager/secret:Secret", None, True),
        ("protected", "aws:kms/key:Key", True, False),
        ("unprotected", "aws:kms/key:Key", None, False),
        ("protected", "aws:sqs/queuePolicy:QueuePolicy", None, False),  # holds no data
        ("protected", "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", None, False),
    ],
)
def test_stateful_resources_of_protected_stacks_have_protect(
    protection: str, token: str, protect: bool | None, tripped: bool
) -> None:
    resource = Registration.fixture(token, "thing", {}, protect=protect)
    found = _rules(_provider(protection), resource)
    assert ("aws-stateful-resource-protected" in found) is tripped


def test_the_stateful_types_come_from_cfn_lints_list() -> None:
    types = aws_rules.stateful_pulumi_types()
    assert {"aws:kms/key:Key", "aws:rds/cluster:Cluster", "aws:sqs/queue:Queue"} <= types
    assert "aws:sqs/queuePolicy:QueuePolicy" not in types
    assert "AWS::KMS::Key" in aws_rules.stateful_cfn_types()


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_data_key_is_protected_where_the_stack_protects_state(
    inventories: dict[str, Inventory], stack: str
) -> None:
    key = inventories[stack].by_name("data-key-key")
    assert key.protect is True, f"{key.urn} encrypts protected stores and must be protected"


def test_aurora_minor_upgrades_are_owned_by_code(inventory: Inventory) -> None:
    for r in [*inventory.of_type(CLUSTER), *inventory.of_type(INSTANCE)]:
        assert r.input("autoMinorVersionUpgrade") is False, r.urn
        assert "engineVersion" not in r.ignore_changes, r.urn
