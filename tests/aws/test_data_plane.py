"""Data-plane components built alone: Aurora, the cache, the queue pipeline, the key.

The image repositories are the account's (bootstrap/): tests/test_bootstrap.py."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pytest

from infra.aws.alarms import AlarmTopics
from infra.aws.cache import RedisCache, RedisCacheArgs
from infra.aws.database import AuroraPostgres, AuroraPostgresArgs
from infra.aws.kms import DataKey, DataKeyArgs
from infra.aws.messaging import MessagePipeline, MessagePipelineArgs
from infra.aws.placement import StorePlacement
from infra.blueprint import QUEUES, QueueRole, Service
from infra.config import (
    CacheConfig,
    DatabaseConfig,
    LogsConfig,
    MessagingConfig,
)
from offline.engine import RecordingMonitor, build, component_harness

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/test"
PAGING_ARN = "arn:aws:sns:us-east-1:123456789012:alarms-paging"
NOTIFY_ARN = "arn:aws:sns:us-east-1:123456789012:alarms"
TOPICS = AlarmTopics(paging=PAGING_ARN, notify=NOTIFY_ARN)
# Plain values where a stack wires the Network's outputs: no VPC is built here.
VPC_ID = "vpc-0a1b2c3d"
ISOLATED_SUBNETS = ["subnet-iso-a", "subnet-iso-b", "subnet-iso-c"]
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]
NETWORK_TYPES = ("aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aevon:network:Network")


WORKLOAD_SGS = {Service.API: "sg-api", Service.DELIVERY_WORKER: "sg-delivery"}


def _placement(**changes: Any) -> StorePlacement:
    values: dict[str, Any] = {
        "vpc_id": VPC_ID,
        "subnet_ids": ISOLATED_SUBNETS,
        "availability_zones": ZONES,
        "workload_security_group_ids": WORKLOAD_SGS,
    }
    values.update(changes)
    return StorePlacement(**values)


DATABASE: dict[str, Any] = {
    "engine_version": "16.15",
    "instances": 2,
    "min_capacity": 0.5,
    "max_capacity": 8,
    "backup_retention_days": 7,
    "deletion_protection": True,
    "final_snapshot": True,
    "performance_insights": True,
    "enhanced_monitoring_interval": 60,
    "slow_query_ms": 250,
    "clients": ["api", "delivery-worker"],
}


def _db_args(settings: Mapping[str, Any] | None = None, **wiring: Any) -> AuroraPostgresArgs:
    """Aurora's args: the database section (with `settings` changes) plus plain wiring."""
    values: dict[str, Any] = {
        "placement": _placement(),
        "alarm_topics": TOPICS,
        "settings": DatabaseConfig.model_validate({**DATABASE, **(settings or {})}),
        "logs": LogsConfig(retention_days=30),
        "kms_key_arn": KEY_ARN,
        "protect": True,
    }
    values.update(wiring)
    return AuroraPostgresArgs(**values)


# ------------------------------------------------------------------ Aurora
@pytest.fixture(scope="module")
def aurora() -> RecordingMonitor:
    return build(lambda: AuroraPostgres("db", _db_args()).endpoint)


def test_aurora_is_serverless_v2_with_managed_password_and_iam_auth(
    aurora: RecordingMonitor,
) -> None:
    (cluster,) = aurora.of_type("aws:rds/cluster:Cluster")
    assert cluster.input("engine") == "aurora-postgresql"
    assert cluster.input("engineMode") == "provisioned"
    assert cluster.input("engineVersion") == "16.15"
    assert cluster.input("serverlessv2ScalingConfiguration") == {
        "minCapacity": 0.5,
        "maxCapacity": 8,
    }
    assert cluster.input("manageMasterUserPassword") is True
    assert cluster.input("masterPassword") is None
    assert cluster.input("iamDatabaseAuthenticationEnabled") is True
    assert cluster.input("storageEncrypted") is True
    assert cluster.input("kmsKeyId") == KEY_ARN
    assert cluster.input("masterUserSecretKmsKeyId") == KEY_ARN


def test_aurora_protection_backups_and_logs(aurora: RecordingMonitor) -> None:
    (cluster,) = aurora.of_type("aws:rds/cluster:Cluster")
    assert cluster.protect is True
    assert cluster.input("deletionProtection") is True
    assert cluster.input("skipFinalSnapshot") is False
    assert cluster.input("finalSnapshotIdentifier") == "aevon-test-db-final"
    assert cluster.input("backupRetentionPeriod") == 7
    assert cluster.input("copyTagsToSnapshot") is True
    assert cluster.input("enabledCloudwatchLogsExports") == ["postgresql"]
    log_group = aurora.named("db-postgresql-logs")
    assert log_group.urn in cluster.depends_on, "the log group must exist before RDS writes to it"
    assert log_group.input("name") == "/aws/rds/cluster/aevon-test-db/postgresql"


def test_aurora_parameter_group_forces_tls_and_logs_slow_statements(
    aurora: RecordingMonitor,
) -> None:
    (params,) = aurora.of_type("aws:rds/clusterParameterGroup:ClusterParameterGroup")
    values = {p["name"]: p["value"] for p in params.input("parameters")}
    assert values["rds.force_ssl"] == "1"
    assert values["log_min_duration_statement"] == "250"
    assert params.input("family") == "aurora-postgresql16"


def test_aurora_instances_are_serverless_private_and_spread_over_azs(
    aurora: RecordingMonitor,
) -> None:
    instances = aurora.of_type("aws:rds/clusterInstance:ClusterInstance")
    assert [i.name for i in instances] == ["db-reader-1", "db-writer"]
    assert {i.input("availabilityZone") for i in instances} == {"us-east-1a", "us-east-1b"}
    for instance in instances:
        assert instance.input("instanceClass") == "db.serverless"
        assert instance.input("publiclyAccessible") is False
        assert instance.input("performanceInsightsEnabled") is True
        assert instance.input("monitoringInterval") == 60
        assert instance.input("monitoringRoleArn").endswith("role/aevon-test-db-monitoring")
        assert instance.protect is True


def test_aurora_lives_in_isolated_subnets_and_admits_only_its_clients(
    aurora: RecordingMonitor,
) -> None:
    (subnet_group,) = aurora.of_type("aws:rds/subnetGroup:SubnetGroup")
    assert subnet_group.input("subnetIds") == ISOLATED_SUBNETS
    (sg,) = aurora.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert sg.input("vpcId") == VPC_ID
    rules = aurora.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert sorted(r.input("referencedSecurityGroupId") for r in rules) == ["sg-api", "sg-delivery"]
    for rule in rules:
        assert rule.input("securityGroupId") == sg.id
        assert (rule.input("fromPort"), rule.input("toPort")) == (5432, 5432)
        assert rule.input("cidrIpv4") is None
        assert rule.input("description")


def test_dev_aurora_pauses_at_zero_and_is_not_protected() -> None:
    def program() -> object:
        args = _db_args(
            {
                "instances": 1,
                "min_capacity": 0,
                "max_capacity": 2,
                "seconds_until_auto_pause": 900,
                "deletion_protection": False,
                "final_snapshot": False,
                "performance_insights": False,
                "enhanced_monitoring_interval": 0,
            },
            kms_key_arn=None,
            protect=False,
        )
        return AuroraPostgres("db", args).endpoint

    rec = build(program)
    (cluster,) = rec.of_type("aws:rds/cluster:Cluster")
    assert cluster.input("serverlessv2ScalingConfiguration") == {
        "minCapacity": 0,
        "maxCapacity": 2,
        "secondsUntilAutoPause": 900,
    }
    assert cluster.input("skipFinalSnapshot") is True
    assert cluster.input("storageEncrypted") is True  # AWS-managed key, still encrypted
    assert not cluster.protect
    assert len(rec.of_type("aws:rds/clusterInstance:ClusterInstance")) == 1
    assert rec.of_type("aws:iam/role:Role") == [], "no monitoring role with monitoring off"


def test_aurora_builds_from_plain_inputs_without_a_network(aurora: RecordingMonitor) -> None:
    """Only Aurora's own resources: no VPC, subnet or Network component is built."""
    assert not [r.urn for r in aurora.registrations if r.type in NETWORK_TYPES]
    (component,) = aurora.of_type("aevon:data:AuroraPostgres")
    for r in aurora.registrations:
        assert r is component or r.parent == component.urn, r.urn


@pytest.mark.parametrize(
    ("settings", "wiring", "message"),
    [
        # The settings are the database section: its model refuses these (ValidationError).
        ({"instances": 0}, {}, "greater than or equal to 1"),
        ({"min_capacity": 4, "max_capacity": 2}, {}, r"minCapacity \(4.0\) must not exceed"),
        ({"min_capacity": 0}, {}, "needs secondsUntilAutoPause"),
        ({"clients": []}, {}, "at least 1 item"),
        # The wiring: the args refuse these.
        (
            {},
            {"placement": _placement(workload_security_group_ids={})},
            "no security group for client api",
        ),
    ],
)
def test_aurora_bad_args_fail_before_registration(
    settings: dict[str, Any], wiring: dict[str, Any], message: str
) -> None:
    with component_harness() as monitor:
        with pytest.raises(ValueError, match=message):
            _db_args(settings, **wiring)
        assert monitor.registrations == []


def test_a_store_needs_subnets_and_zones() -> None:
    with pytest.raises(ValueError, match="subnet_ids and availability_zones must not be empty"):
        _placement(subnet_ids=[])


# ------------------------------------------------------------------ cache
def _cache(nodes: int, protect: bool = False) -> RecordingMonitor:
    def program() -> object:
        cache = RedisCache(
            "cache",
            RedisCacheArgs(
                settings=CacheConfig.model_validate(
                    {
                        "engine": "valkey",
                        "engine_version": "8.0",
                        "node_type": "cache.t4g.small",
                        "nodes": nodes,
                        "snapshot_retention_days": 7 if protect else 0,
                        "clients": ["api"],
                    }
                ),
                logs=LogsConfig(retention_days=14),
                placement=_placement(),
                alarm_topics=TOPICS,
                kms_key_arn=KEY_ARN if protect else None,
                protect=protect,
            ),
        )
        return cache.primary_endpoint

    return build(program)


def test_cache_is_encrypted_with_required_tls_and_an_auth_token_from_a_secret() -> None:
    rec = _cache(nodes=2, protect=True)
    (group,) = rec.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert group.input("atRestEncryptionEnabled") is True
    assert group.input("transitEncryptionEnabled") is True
    assert group.input("transitEncryptionMode") == "required"
    assert group.input("kmsKeyId") == KEY_ARN
    assert group.is_secret_input("authToken"), "the AUTH token must reach the engine as a secret"
    (password,) = rec.of_type("random:index/randomPassword:RandomPassword")
    token = password.outputs["result"]
    assert group.input("authToken") == rpc_unwrap(token)
    (version,) = rec.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.is_secret_input("secretString")
    assert version.input("secretString") == rpc_unwrap(token)
    # Config owns MAJOR.MINOR: no upgrade campaign moves the group past it.
    assert group.input("autoMinorVersionUpgrade") is False
    assert group.input("snapshotRetentionLimit") == 7
    assert group.protect is True


def rpc_unwrap(value: Any) -> Any:
    from pulumi.runtime import rpc

    return rpc.unwrap_rpc_secret(value)


@pytest.mark.parametrize(("nodes", "multi_az"), [(1, False), (2, True), (3, True)])
def test_cache_multi_az_failover_follows_node_count(nodes: int, multi_az: bool) -> None:
    rec = _cache(nodes=nodes)
    (group,) = rec.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert group.input("numCacheClusters") == nodes
    assert group.input("multiAzEnabled") is multi_az
    assert group.input("automaticFailoverEnabled") is multi_az
    assert len(set(group.input("preferredCacheClusterAzs"))) == min(nodes, 3)


def test_cache_admits_only_its_clients_on_6379_from_isolated_subnets() -> None:
    rec = _cache(nodes=1)
    (rule,) = rec.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert rule.input("referencedSecurityGroupId") == "sg-api"
    assert (rule.input("fromPort"), rule.input("toPort")) == (6379, 6379)
    (subnets,) = rec.of_type("aws:elasticache/subnetGroup:SubnetGroup")
    assert subnets.input("subnetIds") == ISOLATED_SUBNETS
    (sg,) = rec.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert sg.input("vpcId") == VPC_ID


def test_cache_builds_from_plain_inputs_without_a_network() -> None:
    rec = _cache(nodes=2)
    assert not [r.urn for r in rec.registrations if r.type in NETWORK_TYPES]
    (component,) = rec.of_type("aevon:data:RedisCache")
    for r in rec.registrations:
        assert r is component or r.parent == component.urn, r.urn
    (group,) = rec.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert group.input("preferredCacheClusterAzs") == ZONES[:2]


# ------------------------------------------------------------------ queue pipeline
def _pipeline(encryption: str = "sqs", high_throughput: bool = False) -> RecordingMonitor:
    def program() -> object:
        pipeline = MessagePipeline(
            "pipe",
            MessagePipelineArgs(
                settings=MessagingConfig.model_validate(
                    {
                        "max_receive_count": 4,
                        "message_retention_days": 4,
                        "oldest_message_alarm_seconds": 600,
                        "outbound_high_throughput": high_throughput,
                        "encryption": encryption,
                    }
                ),
                alarm_topics=TOPICS,
                kms_key_arn=KEY_ARN,
            ),
        )
        return pulumi.Output.all(*pipeline.queue_urls.values())

    return build(program)


def test_pipeline_has_the_five_queues_of_the_blueprint_each_with_its_own_dlq() -> None:
    rec = _pipeline()
    queues = {q.name: q for q in rec.of_type("aws:sqs/queue:Queue")}
    assert set(queues) == {f"pipe-{r.value}" for r in QueueRole} | {
        f"pipe-{r.value}-dlq" for r in QueueRole
    }
    for role, spec in QUEUES.items():
        queue, dlq = queues[f"pipe-{role.value}"], queues[f"pipe-{role.value}-dlq"]
        redrive = json.loads(queue.input("redrivePolicy"))
        assert redrive == {"deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 4}
        assert dlq.input("messageRetentionSeconds") == 14 * 24 * 3600
        assert queue.input("visibilityTimeoutSeconds") == spec.visibility_timeout_seconds
        assert bool(queue.input("fifoQueue")) is spec.fifo
        assert bool(dlq.input("fifoQueue")) is spec.fifo, "a FIFO queue needs a FIFO DLQ"
        assert queue.input("name").endswith(".fifo") is spec.fifo


def test_outbound_is_fifo_with_content_based_deduplication() -> None:
    rec = _pipeline(high_throughput=True)
    outbound = rec.named("pipe-outbound")
    assert outbound.input("fifoQueue") is True
    assert outbound.input("contentBasedDeduplication") is True
    assert outbound.input("fifoThroughputLimit") == "perMessageGroupId"
    assert outbound.input("deduplicationScope") == "messageGroup"


def test_only_the_source_queue_may_redrive_into_its_dlq() -> None:
    rec = _pipeline()
    for policy in rec.of_type("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"):
        role = policy.name.removeprefix("pipe-").removesuffix("-dlq-redrive-allow")
        dlq, source = rec.named(f"pipe-{role}-dlq"), rec.named(f"pipe-{role}")
        assert policy.input("queueUrl") == dlq.outputs["url"]
        assert json.loads(policy.input("redriveAllowPolicy")) == {
            "redrivePermission": "byQueue",
            "sourceQueueArns": [source.outputs["arn"]],
        }
    assert len(rec.of_type("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy")) == len(QueueRole)


@pytest.mark.parametrize("encryption", ["sqs", "kms"])
def test_every_queue_is_encrypted_and_tls_only(encryption: str) -> None:
    rec = _pipeline(encryption)
    queues = rec.of_type("aws:sqs/queue:Queue")
    for queue in queues:
        if encryption == "sqs":
            assert queue.input("sqsManagedSseEnabled") is True, queue.urn
            assert queue.input("kmsMasterKeyId") is None
        else:
            assert queue.input("kmsMasterKeyId") == KEY_ARN, queue.urn
            assert queue.input("sqsManagedSseEnabled") is None
    policies = rec.of_type("aws:sqs/queuePolicy:QueuePolicy")
    assert len(policies) == len(queues)
    for policy in policies:
        (statement,) = json.loads(policy.input("policy"))["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_alarms_watch_dlq_depth_and_message_age_dead_letters_page() -> None:
    rec = _pipeline()
    alarms = rec.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == 2 * len(QueueRole)
    queue_names = {q.name: q.outputs["name"] for q in rec.of_type("aws:sqs/queue:Queue")}
    for alarm in alarms:
        if alarm.name.endswith("-dlq-not-empty"):
            queue = alarm.name.removesuffix("-not-empty")
            assert alarm.input("alarmActions") == [PAGING_ARN]
            assert alarm.input("tags") == {"Severity": "paging"}
            assert alarm.input("metricName") == "ApproximateNumberOfMessagesVisible"
            assert alarm.input("threshold") == 0
        else:
            assert alarm.input("alarmActions") == [NOTIFY_ARN]
            queue = alarm.name.removesuffix("-oldest-message")
            assert alarm.input("metricName") == "ApproximateAgeOfOldestMessage"
            assert alarm.input("threshold") == 600
        assert alarm.input("dimensions") == {"QueueName": queue_names[queue]}


def test_pipeline_kms_without_a_key_is_rejected() -> None:
    with pytest.raises(ValueError, match="encryption 'kms' needs kms_key_arn"):
        MessagePipelineArgs(
            settings=MessagingConfig.model_validate({"max_receive_count": 1, "encryption": "kms"}),
            alarm_topics=TOPICS,
        )


# ------------------------------------------------------------------ key and topic
def test_data_key_rotates_and_scopes_its_service_principals() -> None:
    rec = build(lambda: DataKey("key", DataKeyArgs()).key_arn)
    (key,) = rec.of_type("aws:kms/key:Key")
    assert key.input("enableKeyRotation") is True
    assert key.input("deletionWindowInDays") == 30
    statements = {s["Sid"]: s for s in json.loads(key.input("policy"))["Statement"]}
    logs = statements["CloudWatchLogsForThisAccountsLogGroups"]
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == (
        "arn:aws:logs:us-east-1:123456789012:log-group:*"
    )
    alarms = statements["CloudWatchAlarmsPublishToEncryptedTopics"]
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert "kms:*" not in json.dumps(alarms)
    assert "kms:*" not in json.dumps(logs)


def test_instances_wait_for_the_monitoring_role_policy(aurora: RecordingMonitor) -> None:
    attachment = aurora.named("db-monitoring-policy")
    for instance in aurora.of_type("aws:rds/clusterInstance:ClusterInstance"):
        assert attachment.urn in instance.depends_on, instance.urn
