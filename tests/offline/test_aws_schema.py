"""The AWS schema check: every input the program sets is mapped to CloudFormation (or says why
not), the mapping names real schema properties, and AWS's constraints trip on bad values."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.runtime import rpc

from offline import preflight
from offline.engine import STACKS, Inventory, Registration, stack_file
from offline.preflight import aws_schema
from offline.preflight.aws_types import TYPES

QUEUE = "aws:sqs/queue:Queue"
CLUSTER = "aws:rds/cluster:Cluster"


def _schema_messages(*registrations: Registration) -> list[str]:
    inventory = Inventory.of(*registrations)
    return [f.message for f in preflight.run(inventory) if f.rule == "aws-schema"]


@pytest.mark.all_stacks
def test_every_input_the_stacks_set_is_mapped_or_says_why_not(
    inventories: dict[str, Inventory],
) -> None:
    gaps = set()
    for inventory in inventories.values():
        for r in inventory.custom():
            if not r.type.startswith("aws:"):
                continue
            table = TYPES.get(r.type)
            if table is None:
                gaps.add(f"{r.type}: no row in offline/preflight/aws_types.py")
                continue
            if table.cfn_type is None:
                assert table.reason, f"{r.type} has no CloudFormation type and no reason"
                continue
            for key in r.inputs:
                if key not in table.props and key not in table.unmapped:
                    gaps.add(f"{r.type}.{key}")
    assert not gaps, sorted(gaps)


def _schema_properties(cfn_type: str) -> set[str]:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", cfn_type).schema
    return set(schema["properties"])


@pytest.mark.parametrize("token", sorted(TYPES))
def test_mapped_property_names_exist_in_the_schema(token: str) -> None:
    table = TYPES[token]
    if table.cfn_type is None:
        assert table.reason
        return
    known = _schema_properties(table.cfn_type)
    named = {target for target in table.props.values() if isinstance(target, str)}
    assert named <= known, f"{token}: {sorted(named - known)} not in {table.cfn_type}"
    for key, reason in table.unmapped.items():
        assert reason.strip(), f"{token}.{key} is unmapped without a reason"


@pytest.mark.parametrize(
    ("token", "inputs", "expected"),
    [
        (QUEUE, {"name": "q", "visibilityTimeoutSeconds": 99999.0}, "43200"),
        ("aws:iam/role:Role", {"name": "r" * 65}, "maximum length: 64"),
        (QUEUE, {"name": "jobs", "fifoQueue": True}, ".fifo"),
        ("aws:cloudwatch/logGroup:LogGroup", {"name": "/a", "retentionInDays": 13.0}, "14"),
        (
            "aws:ecr/repository:Repository",
            {"name": "Api", "imageTagMutability": "LOCKED"},
            "IMMUTABLE",
        ),
        (CLUSTER, {"engine": "aurora-postgresql", "engineVersion": "16.6"}, "deprecated"),
        (CLUSTER, {"engine": "aurora-postgresql", "engineVersion": "16.99"}, "16.15"),
        (
            "aws:rds/clusterInstance:ClusterInstance",
            {
                "engine": "aurora-postgresql",
                "engineVersion": "16.6",
                "instanceClass": "db.serverless",
            },
            "deprecated",
        ),
    ],
)
def test_aws_constraints_trip(token: str, inputs: dict[str, Any], expected: str) -> None:
    messages = _schema_messages(Registration.fixture(token, "bad", inputs))
    assert any(expected in m for m in messages), messages


@pytest.mark.parametrize(
    ("token", "inputs"),
    [
        (QUEUE, {"name": "q.fifo", "visibilityTimeoutSeconds": 240.0, "fifoQueue": True}),
        ("aws:cloudwatch/logGroup:LogGroup", {"name": "/a", "retentionInDays": 14.0}),
        (
            CLUSTER,
            {
                "engine": "aurora-postgresql",
                "engineVersion": "16.15",
                "serverlessv2ScalingConfiguration": {
                    "minCapacity": 0.0,
                    "maxCapacity": 2.0,
                    "secondsUntilAutoPause": 900.0,
                },
            },
        ),
    ],
)
def test_allowed_values_pass(token: str, inputs: dict[str, Any]) -> None:
    assert _schema_messages(Registration.fixture(token, "good", inputs)) == []


def test_a_finding_names_resource_input_value_and_rule() -> None:
    [message] = _schema_messages(
        Registration.fixture(QUEUE, "jobs", {"name": "q", "visibilityTimeoutSeconds": 99999.0})
    )
    assert message.startswith("jobs (aws:sqs/queue:Queue) input visibilityTimeoutSeconds: 99999")
    assert "AWS::SQS::Queue VisibilityTimeout" in message


def test_secret_values_are_not_printed() -> None:
    secret = rpc.wrap_rpc_secret(98765.0)
    messages = _schema_messages(
        Registration.fixture(QUEUE, "jobs", {"name": "q", "visibilityTimeoutSeconds": secret})
    )
    assert messages
    assert all("98765" not in m for m in messages), messages
    assert any("<secret>" in m for m in messages), messages


@pytest.mark.parametrize("stack", STACKS)
def test_each_stacks_aurora_version_is_one_aws_offers_for_creation(stack: str) -> None:
    """From cfn-lint's published engine-version data, not typed from memory."""
    version = str(stack_file(stack)["config"]["aevon:database"]["engineVersion"])
    offered = aws_schema.offered_engine_versions("aurora-postgresql")
    assert version in offered, f"{stack}: {version} is not offered; AWS offers {offered}"


def test_the_translated_template_is_valid_json(inventories: dict[str, Inventory]) -> None:
    text = aws_schema.template(aws_schema.mapped_resources(inventories["prod"]))
    resources = json.loads(text)["Resources"]
    assert len(resources) > 200
