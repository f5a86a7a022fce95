"""The data plane in each real stack: per-environment differences and invariants."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.runtime import rpc

from infra.blueprint import QueueRole
from offline.engine import ROOT, STACKS, Inventory, stack_file

PROTECTED = ("staging", "prod")


def _cfg(stack: str, key: str) -> Any:
    return stack_file(stack)["config"][f"aevon:{key}"]


def test_dev_is_the_cheap_shape(inventories: dict[str, Inventory]) -> None:
    dev = inventories["dev"]
    (cluster,) = dev.of_type("aws:rds/cluster:Cluster")
    scaling = cluster.input("serverlessv2ScalingConfiguration")
    assert scaling["minCapacity"] == 0, "dev's database pauses when idle"
    assert scaling["secondsUntilAutoPause"] > 0
    assert len(dev.of_type("aws:rds/clusterInstance:ClusterInstance")) == 1
    (cache,) = dev.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert cache.input("numCacheClusters") == 1
    assert cache.input("nodeType").startswith("cache.t4g.")
    assert dev.of_type("aws:kms/key:Key") == []
    # Only the Vercel project, which dev owns and the later-deployed stacks read.
    assert [r.name for r in dev.registrations if r.protect] == ["frontend-project"]


@pytest.mark.parametrize("stack", PROTECTED)
def test_staging_and_prod_are_highly_available_and_protected(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inv = inventories[stack]
    (cluster,) = inv.of_type("aws:rds/cluster:Cluster")
    assert cluster.protect is True
    assert cluster.input("deletionProtection") is True
    assert cluster.input("skipFinalSnapshot") is False
    assert cluster.input("backupRetentionPeriod") >= 7
    assert cluster.input("serverlessv2ScalingConfiguration")["minCapacity"] >= 0.5
    instances = inv.of_type("aws:rds/clusterInstance:ClusterInstance")
    assert len(instances) >= 2
    assert len({i.input("availabilityZone") for i in instances}) == len(instances)
    assert all(i.protect for i in instances)
    (cache,) = inv.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert cache.input("numCacheClusters") >= 2
    assert cache.input("multiAzEnabled") is True
    assert cache.input("automaticFailoverEnabled") is True
    assert cache.input("snapshotRetentionLimit") >= 1
    assert cache.protect is True
    (key,) = inv.of_type("aws:kms/key:Key")
    key_arn = key.outputs["arn"]
    assert cluster.input("kmsKeyId") == key_arn
    assert cache.input("kmsKeyId") == key_arn
    for queue in inv.of_type("aws:sqs/queue:Queue"):
        assert queue.input("kmsMasterKeyId") == key_arn, queue.urn
    for repo in inv.of_type("aws:ecr/repository:Repository"):
        assert repo.protect is True
        assert repo.input("encryptionConfigurations")[0]["kmsKey"] == key_arn


def test_prod_has_performance_insights_enhanced_monitoring_and_a_week_of_backups(
    inventories: dict[str, Inventory],
) -> None:
    prod = inventories["prod"]
    for instance in prod.of_type("aws:rds/clusterInstance:ClusterInstance"):
        assert instance.input("performanceInsightsEnabled") is True
        assert instance.input("monitoringInterval") > 0
    (cache,) = prod.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert cache.input("snapshotRetentionLimit") >= 7


def test_sizes_come_from_the_stack_file(inventory: Inventory) -> None:
    db, cache = _cfg(inventory.stack, "database"), _cfg(inventory.stack, "cache")
    (cluster,) = inventory.of_type("aws:rds/cluster:Cluster")
    assert cluster.input("engineVersion") == db["engineVersion"]
    assert cluster.input("serverlessv2ScalingConfiguration")["maxCapacity"] == db["maxCapacity"]
    assert len(inventory.of_type("aws:rds/clusterInstance:ClusterInstance")) == db["instances"]
    (group,) = inventory.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert group.input("engine") == cache["engine"]
    assert group.input("nodeType") == cache["nodeType"]
    assert group.input("numCacheClusters") == cache["nodes"]
    redrives = [
        json.loads(q.input("redrivePolicy"))["maxReceiveCount"]
        for q in inventory.of_type("aws:sqs/queue:Queue")
        if q.input("redrivePolicy")
    ]
    assert redrives == [_cfg(inventory.stack, "messaging")["maxReceiveCount"]] * len(QueueRole)


def test_data_stores_admit_only_their_configured_client_workloads(inventory: Inventory) -> None:
    workload_sgs = {
        r.name.removeprefix("workloads-"): r.id
        for r in inventory.of_type("aws:ec2/securityGroup:SecurityGroup")
        if r.name.startswith("workloads-")
    }
    for store, key, port in (("database", "database", 5432), ("cache", "cache", 6379)):
        store_sg = inventory.by_name(f"{store}-sg").id
        rules = [
            r
            for r in inventory.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            if r.input("securityGroupId") == store_sg
        ]
        allowed = {workload_sgs[c] for c in _cfg(inventory.stack, key)["clients"]}
        assert {r.input("referencedSecurityGroupId") for r in rules} == allowed
        for rule in rules:
            assert rule.input("cidrIpv4") is None
            assert rule.input("cidrIpv6") is None
            assert rule.input("fromPort") == rule.input("toPort") == port
            assert rule.input("description")


def test_nothing_stateful_is_public(inventory: Inventory) -> None:
    for instance in inventory.of_type("aws:rds/clusterInstance:ClusterInstance"):
        assert instance.input("publiclyAccessible") is False
    for r in inventory.custom():
        assert r.input("publiclyAccessible") in (None, False), r.urn
        assert r.input("mapPublicIpOnLaunch") in (None, False), r.urn


def _contains(haystack: Any, needle: str) -> bool:
    if rpc.is_rpc_secret(haystack):
        return False  # a secret-wrapped value is encrypted in state and masked in output
    if isinstance(haystack, dict):
        return any(_contains(v, needle) for v in haystack.values())
    if isinstance(haystack, list):
        return any(_contains(v, needle) for v in haystack)
    return isinstance(haystack, str) and needle in haystack


def test_generated_secrets_never_appear_in_plaintext(inventory: Inventory) -> None:
    passwords = inventory.of_type("random:index/randomPassword:RandomPassword")
    assert passwords, "the cache AUTH token is generated"
    for password in passwords:
        assert rpc.is_rpc_secret(password.outputs["result"])
        token = rpc.unwrap_rpc_secret(password.outputs["result"])
        for r in inventory.registrations:
            assert not _contains(r.inputs, token), f"{r.urn} holds the token in plaintext"
        for key, value in inventory.outputs.items():
            assert key in inventory.secret_outputs or not _contains(value, token), key


def test_outputs_expose_endpoints_secret_arns_queues_and_repositories(inventory: Inventory) -> None:
    out = inventory.outputs
    assert out["databaseEndpoint"].endswith(".rds.amazonaws.com")
    assert ":secret:" in out["databaseMasterSecretArn"]
    assert ":secret:" in out["cacheAuthSecretArn"]
    assert set(out["queueUrls"]) == {r.value for r in QueueRole}
    assert out["queueUrls"]["outbound"].endswith(".fifo")
    # The account's repositories (bootstrap/), one per image the stack's repositories build.
    images = {
        i for r in _cfg(inventory.stack, "github")["repositories"] for i in r.get("images", [])
    }
    account = stack_file(inventory.stack)["config"]["aws:allowedAccountIds"][0]
    registry = f"{account}.dkr.ecr.us-east-1.amazonaws.com"
    assert out["repositoryUrls"] == {image: f"{registry}/aevon/{image}" for image in images}
    assert out["ecrRegistry"] == registry


@pytest.mark.parametrize("stack", STACKS)
def test_every_log_group_has_a_retention(inventories: dict[str, Inventory], stack: str) -> None:
    for group in inventories[stack].of_type("aws:cloudwatch/logGroup:LogGroup"):
        assert group.input("retentionInDays"), group.urn


def test_the_readmes_data_plane_table_says_which_stacks_use_fifo_high_throughput() -> None:
    """Issue 16: the table said prod only, while staging's plan has it too."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Data plane") :]
    header = next(line for line in section.splitlines() if line.startswith("| |"))
    columns = [c.strip() for c in header.strip("|").split("|")][1:]
    row = next(line for line in section.splitlines() if line.startswith("| SQS encryption"))
    cells = [c.strip() for c in row.strip("|").split("|")][1:]
    for stack, cell in zip(columns, cells, strict=True):
        messaging = stack_file(stack)["config"]["aevon:messaging"]
        assert ("FIFO high throughput" in cell) is messaging.get("outboundHighThroughput", False), (
            stack,
            cell,
        )
