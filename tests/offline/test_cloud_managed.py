"""Values the cloud changes by itself: every row of `cloud_managed.ROWS` holds on every
stack (the program owns or ignores the value), and trips on a fixture that breaks it."""

from __future__ import annotations

import json

import pytest

from offline import preflight
from offline.engine import Inventory, Registration
from offline.preflight import cloud_managed
from offline.preflight.cloud_managed import ROWS, CloudManaged

fx = Registration.fixture
SHA = "0f3c2a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a"
URN = "urn:pulumi:test::aevon::"


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_each_value_the_cloud_moves_is_owned_or_ignored(
    row: CloudManaged, inventories: dict[str, Inventory]
) -> None:
    """The list: one case per value the cloud moves, checked on every stack (only this
    row's check: the whole preflight of every stack runs in tests/offline/test_preflight.py)."""
    for stack, inventory in inventories.items():
        findings = row.check().findings(inventory)
        assert findings == [], (stack, [f.message for f in findings])


def _containers(image: str) -> str:
    return json.dumps([{"name": "api", "image": image}])


def _provider_tags(*keys: str) -> Registration:
    tags = json.dumps({"tags": dict.fromkeys(keys, "x")})
    return fx("pulumi:providers:aws", "aws", {"defaultTags": tags}, custom=True)


def _aurora(ignore: bool, instance_upgrades: bool | None) -> list[Registration]:
    cluster = fx(
        "aws:rds/cluster:Cluster",
        "db",
        {"engineVersion": "16.6", "manageMasterUserPassword": True},
        ignore_changes=["engineVersion"] if ignore else [],
    )
    if instance_upgrades is None:
        return [cluster]
    instance = fx(
        "aws:rds/clusterInstance:ClusterInstance",
        "db-writer",
        {"autoMinorVersionUpgrade": instance_upgrades, "caCertIdentifier": "rds-ca-rsa2048-g1"},
        property_dependencies={"clusterIdentifier": [f"{URN}aws:rds/cluster:Cluster::db"]},
    )
    return [cluster, instance]


SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
GKE = "gcp:container/cluster:Cluster"
POOL = "gcp:container/nodePool:NodePool"
CHANNEL = {"channel": "REGULAR"}
ENI = "aws:ec2/networkInterface:NetworkInterface"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"

SECRET_URN = f"{URN}aws:secretsmanager/secret:Secret::cache-auth-secret"
ROTATED = fx(
    "aws:secretsmanager/secretRotation:SecretRotation",
    "cache-rotation-schedule",
    {"secretId": "arn:aws:secretsmanager:us-east-1:1:secret:s"},
    property_dependencies={"secretId": [SECRET_URN]},
)


def _first_value(*ignored: str) -> Registration:
    return fx(
        "aws:secretsmanager/secretVersion:SecretVersion",
        "cache-auth-secret-value",
        {"secretString": "t"},
        property_dependencies={"secretId": [SECRET_URN]},
        ignore_changes=list(ignored),
    )


CASES: list[tuple[str, list[Registration], bool]] = [
    (
        "cloud-managed-elasticache-replicationgroup-authtoken",
        [ROTATED, fx(CACHE, "c", {"authToken": "t"})],
        True,
    ),
    (
        "cloud-managed-elasticache-replicationgroup-authtoken",
        [ROTATED, fx(CACHE, "c", {"authToken": "t"}, ignore_changes=["authToken"])],
        False,
    ),
    (
        "cloud-managed-secretsmanager-secretversion-secretstring",
        [ROTATED, _first_value("secretString")],
        True,
    ),
    (
        "cloud-managed-secretsmanager-secretversion-secretstring",
        [ROTATED, _first_value("secretString", "versionStages")],
        False,
    ),
    ("cloud-managed-ecs-service-desiredcount", [fx(SERVICE, "s", {"desiredCount": 2})], True),
    (
        "cloud-managed-ecs-service-desiredcount",
        [fx(SERVICE, "s", {"desiredCount": 2}, ignore_changes=["desiredCount"])],
        False,
    ),
    (
        "cloud-managed-ecs-taskdefinition-containerdefinitions",
        [fx(TASK, "t", {"containerDefinitions": _containers("1.dkr.ecr/api:latest")})],
        True,
    ),
    (
        "cloud-managed-ecs-taskdefinition-containerdefinitions",
        [fx(TASK, "t", {"containerDefinitions": _containers(f"1.dkr.ecr/api:{SHA}")})],
        False,
    ),
    (
        "cloud-managed-ssm-parameter-value",
        [fx("aws:ssm/parameter:Parameter", "p", {"name": "/aevon-dev/release/image-tag"})],
        True,
    ),
    (
        "cloud-managed-ssm-parameter-value",
        [fx("aws:ssm/parameter:Parameter", "p", {"name": "/aevon-dev/release/migration-tag"})],
        True,
    ),
    (
        "cloud-managed-ssm-parameter-value",
        [fx("aws:ssm/parameter:Parameter", "p", {"name": "/aevon-dev/feature-flags"})],
        False,
    ),
    (
        "cloud-managed-elasticache-replicationgroup-engineversion",
        [fx(CACHE, "c", {"engineVersion": "8.0", "autoMinorVersionUpgrade": True})],
        True,
    ),
    (
        "cloud-managed-elasticache-replicationgroup-engineversion",
        [fx(CACHE, "c", {"engineVersion": "8.0.1", "autoMinorVersionUpgrade": False})],
        True,
    ),
    (
        "cloud-managed-elasticache-replicationgroup-engineversion",
        [fx(CACHE, "c", {"engineVersion": "8.0", "autoMinorVersionUpgrade": False})],
        False,
    ),
    ("cloud-managed-rds-cluster-engineversion", _aurora(False, True), True),
    ("cloud-managed-rds-cluster-engineversion", _aurora(False, None), True),
    ("cloud-managed-rds-cluster-engineversion", _aurora(True, True), False),
    ("cloud-managed-rds-cluster-engineversion", _aurora(False, False), False),
    (
        "cloud-managed-rds-cluster-masterpassword",
        [fx("aws:rds/cluster:Cluster", "db", {"masterPassword": "p"})],
        True,
    ),
    ("cloud-managed-rds-cluster-masterpassword", _aurora(True, None), False),
    (
        "cloud-managed-rds-clusterinstance-cacertidentifier",
        [fx("aws:rds/clusterInstance:ClusterInstance", "i", {})],
        True,
    ),
    ("cloud-managed-rds-clusterinstance-cacertidentifier", _aurora(True, True), False),
    (
        "cloud-managed-container-cluster-minmasterversion",
        [fx(GKE, "g", {"releaseChannel": CHANNEL, "minMasterVersion": "1.30"})],
        True,
    ),
    ("cloud-managed-container-cluster-minmasterversion", [fx(GKE, "g", {})], True),
    (
        "cloud-managed-container-cluster-minmasterversion",
        [fx(GKE, "g", {"releaseChannel": CHANNEL})],
        False,
    ),
    (
        "cloud-managed-container-nodepool-version",
        [fx(POOL, "p", {"version": "1.30", "management": {"autoUpgrade": True}})],
        True,
    ),
    (
        "cloud-managed-container-nodepool-version",
        [fx(POOL, "p", {"management": {"autoUpgrade": True}})],
        False,
    ),
    (
        "cloud-managed-ec2-networkinterface-attachments",
        [
            fx(
                ENI,
                "nat-eni",
                {"attachments": [{"instance": "i-0123456789abcdef0", "deviceIndex": 1}]},
            )
        ],
        True,
    ),
    (
        "cloud-managed-ec2-networkinterface-attachments",
        [fx(ENI, "nat-eni", {"sourceDestCheck": False})],
        False,
    ),
    (
        "cloud-managed-ec2-launchtemplate-imageid",
        [fx(TEMPLATE, "t", {"imageId": "ami-0123456789abcdef0"})],
        True,
    ),
    (
        "cloud-managed-ec2-launchtemplate-imageid",
        [fx(TEMPLATE, "t", {"imageId": f"resolve:ssm:{AL2023}"})],
        False,
    ),
    (
        "cloud-managed-aws-tags",
        [_provider_tags("Project"), fx("aws:s3/bucket:Bucket", "b", {"tags": {"Project": "y"}})],
        True,
    ),
    (
        # An Auto Scaling group's tags are a list of {key, value}.
        "cloud-managed-aws-tags",
        [
            _provider_tags("Project"),
            fx("aws:autoscaling/group:Group", "g", {"tags": [{"key": "Project", "value": "y"}]}),
        ],
        True,
    ),
    (
        "cloud-managed-aws-tags",
        [_provider_tags("Project"), fx("aws:s3/bucket:Bucket", "b", {"tags": {"Name": "b"}})],
        False,
    ),
]


@pytest.mark.parametrize(
    ("rule", "registrations", "tripped"),
    CASES,
    ids=[f"{r}-{'trips' if t else 'passes'}-{i}" for i, (r, _, t) in enumerate(CASES)],
)
def test_cloud_managed_row(rule: str, registrations: list[Registration], tripped: bool) -> None:
    found = [f for f in preflight.run(Inventory.of(*registrations)) if f.rule == rule]
    assert bool(found) is tripped, [f.message for f in found]


def test_every_row_has_both_cases() -> None:
    covered = {(rule, tripped) for rule, _, tripped in CASES}
    for check in cloud_managed.CHECKS:
        assert (check.id, True) in covered, f"{check.id} has no fixture that trips it"
        assert (check.id, False) in covered, f"{check.id} has no fixture that passes it"
