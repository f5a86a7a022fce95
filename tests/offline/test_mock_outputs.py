"""The realistic mock: every registered type has a row, ids have their provider's shape, and
every ARN the mock computes has the shape AWS's service authorization reference gives."""

from __future__ import annotations

import re

import pulumi_aws
import pytest

from offline import mock_outputs
from offline.engine import ROOT, Inventory, run_stack
from offline.preflight import iam_reference


@pytest.fixture(scope="module")
def bootstrap() -> Inventory:
    return run_stack("prod", project_dir=ROOT / "bootstrap")


def _all(inventories: dict[str, Inventory], bootstrap: Inventory) -> list[Inventory]:
    return [*inventories.values(), bootstrap]


def test_every_registered_type_has_a_row(
    inventories: dict[str, Inventory], bootstrap: Inventory
) -> None:
    types = {r.type for inv in _all(inventories, bootstrap) for r in inv.custom()}
    missing = sorted(t for t in types if t not in mock_outputs.ROWS)
    assert not missing, f"types without a row in offline/mock_outputs.py: {missing}"


def _sdk_class(token: str) -> type:
    module, _, _name = token.split(":")[1].partition("/")
    package = getattr(pulumi_aws, module if module != "lambda" else "lambda_")
    return getattr(package, token.rsplit(":", 1)[1])


def test_every_aws_type_with_an_arn_output_gets_one(
    inventories: dict[str, Inventory], bootstrap: Inventory
) -> None:
    for inv in _all(inventories, bootstrap):
        for r in inv.custom():
            if not r.type.startswith("aws:"):
                continue
            has_arn = isinstance(getattr(_sdk_class(r.type), "arn", None), property)
            if has_arn:
                assert str(r.outputs.get("arn", "")).startswith("arn:aws:"), (
                    f"{r.urn}: the provider returns an ARN; the mock's row gives none"
                )


def test_every_mock_arn_matches_its_resource_types_template(
    inventories: dict[str, Inventory], bootstrap: Inventory
) -> None:
    checked = 0
    for inv in _all(inventories, bootstrap):
        for r in inv.custom():
            row = mock_outputs.ROWS.get(r.type)
            arn = r.outputs.get(row.arn_output if row else "arn")
            if row is None or row.arn is None or not isinstance(arn, str):
                continue
            service, resource = row.arn
            template = iam_reference.arn_template(service, resource)
            assert iam_reference.arn_matches(service, resource, arn), (
                f"{r.urn}: {arn} does not match {template}"
            )
            checked += 1
    assert checked > 200


def test_arn_rows_name_a_resource_type_that_exists() -> None:
    for token, row in mock_outputs.ROWS.items():
        if row.arn:
            assert iam_reference.arn_template(*row.arn), token


@pytest.mark.parametrize(
    ("token", "pattern"),
    [
        # SQS: the id is the queue URL.
        ("aws:sqs/queue:Queue", r"https://sqs\.us-east-1\.amazonaws\.com/\d{12}/aevon-\S+"),
        # KMS: the id is the key id, a UUID.
        ("aws:kms/key:Key", r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
        # ECS: a service's id is its ARN (cluster/service form).
        ("aws:ecs/service:Service", r"arn:aws:ecs:us-east-1:\d{12}:service/aevon-\w+-ecs/\S+"),
        ("aws:ec2/vpc:Vpc", r"vpc-[0-9a-f]{17}"),
        ("aws:iam/role:Role", r"aevon-[\w-]+"),
        ("aws:rds/cluster:Cluster", r"aevon-\w+-database"),
        (
            "aws:lb/listener:Listener",
            r"arn:aws:elasticloadbalancing:us-east-1:\d{12}:"
            r"listener/app/aevon-\w+-public/[0-9a-f]{16}/[0-9a-f]{16}",
        ),
        (
            "aws:secretsmanager/secret:Secret",
            r"arn:aws:secretsmanager:us-east-1:\d{12}:secret:aevon-\S+-[A-Za-z0-9]{6}",
        ),
        (
            "gcp:container/cluster:Cluster",
            r"projects/aevon-platform-\w+/locations/us-central1/clusters/aevon-\w+-gke",
        ),
        (
            "gcp:serviceaccount/account:Account",
            r"projects/aevon-platform-\w+/serviceAccounts/[\w-]+@aevon-platform-\w+"
            r"\.iam\.gserviceaccount\.com",
        ),
        ("vercel:index/project:Project", r"prj_[A-Za-z0-9]{28}"),
    ],
)
def test_ids_have_their_providers_shape(
    inventories: dict[str, Inventory], token: str, pattern: str
) -> None:
    found = [r for inv in inventories.values() for r in inv.custom() if r.type == token]
    assert found, f"no {token} in any stack"
    for r in found:
        assert re.fullmatch(pattern, r.id), f"{r.urn}: id {r.id!r} is not {pattern}"


def test_outputs_are_deterministic() -> None:
    ctx = mock_outputs.Context(type="aws:sqs/queue:Queue", logical="q", inputs={"name": "a-q"})
    assert mock_outputs.outputs_for(ctx) == mock_outputs.outputs_for(ctx)
    assert mock_outputs.outputs_for(ctx)[1]["arn"] == "arn:aws:sqs:us-east-1:123456789012:a-q"
