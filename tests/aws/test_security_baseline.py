"""The security baseline's AWS components built alone: the access-log bucket, the WAF, the
database backup plan and the cache token rotation (issue 14's scanner findings)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.aws.access_logs import AccessLogBucket, AccessLogBucketArgs
from infra.aws.alarms import AlarmTopics
from infra.aws.backup import DatabaseBackup, DatabaseBackupArgs
from infra.aws.cache_rotation import CacheTokenRotation, CacheTokenRotationArgs
from infra.aws.web_firewall import MANAGED_RULE_GROUPS, WebFirewall, WebFirewallArgs
from infra.blueprint import Service
from infra.config import AccessLogsConfig, BackupConfig, LogsConfig, WafConfig
from offline.engine import ELB_ACCOUNTS, RecordingMonitor, build

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/test"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alarms"
TOPICS = AlarmTopics(paging=TOPIC_ARN + "-paging", notify=TOPIC_ARN)
LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/aevon-test-public/1"
CLUSTER_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:aevon-test-database"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aevon-test/cache/auth-token-AbC"
GROUP_ARN = "arn:aws:elasticache:us-east-1:123456789012:replicationgroup:aevon-test-cache"
SERVICE_ARN = "arn:aws:ecs:us-east-1:123456789012:service/aevon-test-ecs/aevon-test-{}"


def _statements(policy: Any) -> list[dict[str, Any]]:
    return json.loads(policy)["Statement"]


# ------------------------------------------------------------------ access logs
def _access_logs(protect: bool) -> RecordingMonitor:
    settings = AccessLogsConfig(expire_days=30)
    return build(
        lambda: (
            AccessLogBucket(
                "public-logs", AccessLogBucketArgs(settings=settings, protect=protect)
            ).bucket_name
        )
    )


def test_access_log_bucket_is_private_encrypted_and_expires() -> None:
    rec = _access_logs(protect=True)
    (bucket,) = rec.of_type("aws:s3/bucket:Bucket")
    name = bucket.input("bucket")
    assert name == "aevon-test-public-logs-123456789012"
    assert bucket.protect is True
    assert bucket.input("forceDestroy") is False, "a protected stack keeps its logs"
    (block,) = rec.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    switches = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert all(block.input(k) is True for k in switches)
    (ownership,) = rec.of_type("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership.input("rule") == {"objectOwnership": "BucketOwnerEnforced"}
    (encryption,) = rec.of_type(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    (rule,) = encryption.input("rules")
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}, (
        "SSE-S3: the only encryption ELB writes access logs with"
    )
    (versioning,) = rec.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.input("versioningConfiguration") == {"status": "Enabled"}
    (lifecycle,) = rec.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    (expire,) = lifecycle.input("rules")
    assert expire["expiration"] == {"days": 30}
    assert expire["noncurrentVersionExpiration"] == {"noncurrentDays": 1}
    assert expire["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 1}
    (policy,) = rec.of_type("aws:s3/bucketPolicy:BucketPolicy")
    deny, write = _statements(policy.input("policy"))
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert write["Principal"] == {"AWS": f"arn:aws:iam::{ELB_ACCOUNTS['us-east-1']}:root"}
    assert write["Action"] == "s3:PutObject"
    assert write["Resource"] == f"arn:aws:s3:::{name}/AWSLogs/123456789012/*"


def test_an_unprotected_access_log_bucket_can_be_destroyed_with_its_logs() -> None:
    (bucket,) = _access_logs(protect=False).of_type("aws:s3/bucket:Bucket")
    assert bucket.input("forceDestroy") is True
    assert not bucket.protect


# ------------------------------------------------------------------ WAF
def _waf(rate: int = 1500) -> RecordingMonitor:
    args = WebFirewallArgs(
        settings=WafConfig(enabled=True, rate_limit=rate),
        logs=LogsConfig(retention_days=30),
        resource_arn=LB_ARN,
        kms_key_arn=KEY_ARN,
        protect=True,
    )
    return build(lambda: WebFirewall("public-waf", args).web_acl_arn)


def test_waf_rate_limits_and_applies_the_managed_rule_groups() -> None:
    rec = _waf(rate=1500)
    (acl,) = rec.of_type("aws:wafv2/webAcl:WebAcl")
    assert acl.input("scope") == "REGIONAL"
    assert acl.input("defaultAction") == {"allow": {}}
    rules = {r["name"]: r for r in acl.input("rules")}
    rate = rules["rate-limit"]
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rateBasedStatement"] == {"limit": 1500, "aggregateKeyType": "IP"}
    assert set(MANAGED_RULE_GROUPS) == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    for group in MANAGED_RULE_GROUPS:
        statement = rules[group]["statement"]["managedRuleGroupStatement"]
        assert statement == {"name": group, "vendorName": "AWS"}
        assert rules[group]["overrideAction"] == {"none": {}}, f"{group} must act, not count"
    priorities = [r["priority"] for r in acl.input("rules")]
    assert len(set(priorities)) == len(priorities)
    assert rules["rate-limit"]["priority"] == min(priorities)
    assert all(r["visibilityConfig"]["sampledRequestsEnabled"] for r in acl.input("rules"))


def test_waf_protects_the_load_balancer_and_logs_with_redaction() -> None:
    rec = _waf()
    (association,) = rec.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")
    (acl,) = rec.of_type("aws:wafv2/webAcl:WebAcl")
    assert association.input("resourceArn") == LB_ARN
    assert association.input("webAclArn") == acl.outputs["arn"]
    (logs,) = rec.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert str(logs.input("name")).startswith("aws-waf-logs-"), "WAF refuses any other name"
    assert logs.input("kmsKeyId") == KEY_ARN
    assert logs.protect is True
    (logging,) = rec.of_type("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    assert logging.input("logDestinationConfigs") == [logs.outputs["arn"]]
    assert {f["singleHeader"]["name"] for f in logging.input("redactedFields")} == {
        "authorization",
        "cookie",
    }


def test_waf_args_need_an_enabled_section() -> None:
    with pytest.raises(ValueError, match=r"an enabled security\.waf"):
        WebFirewallArgs(
            settings=WafConfig(enabled=False),
            logs=LogsConfig(retention_days=30),
            resource_arn=LB_ARN,
        )


# ------------------------------------------------------------------ backup
def test_database_backup_plan_keeps_recovery_points_in_a_kms_vault() -> None:
    args = DatabaseBackupArgs(
        settings=BackupConfig(enabled=True, retention_days=21),
        resource_arns=[CLUSTER_ARN],
        kms_key_arn=KEY_ARN,
        protect=True,
    )
    rec = build(lambda: DatabaseBackup("database-backup", args).plan_id)
    (vault,) = rec.of_type("aws:backup/vault:Vault")
    assert vault.input("kmsKeyArn") == KEY_ARN
    assert vault.protect is True
    (plan,) = rec.of_type("aws:backup/plan:Plan")
    (rule,) = plan.input("rules")
    assert rule["targetVaultName"] == vault.input("name")
    assert rule["lifecycle"] == {"deleteAfter": 21}
    assert rule["schedule"] == "cron(0 6 ? * * *)"
    (selection,) = rec.of_type("aws:backup/selection:Selection")
    assert selection.input("resources") == [CLUSTER_ARN]
    assert selection.input("planId") == plan.id
    (role,) = rec.of_type("aws:iam/role:Role")
    (trust,) = _statements(role.input("assumeRolePolicy"))
    assert trust["Principal"] == {"Service": "backup.amazonaws.com"}
    assert selection.input("iamRoleArn") == role.outputs["arn"]
    assert {a.input("policyArn").rsplit("/", 1)[-1]
            for a in rec.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")} == {
        "AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"}  # fmt: skip


def test_backup_args_refuse_nothing_to_back_up() -> None:
    with pytest.raises(ValueError, match="names nothing to back up"):
        DatabaseBackupArgs(
            settings=BackupConfig(enabled=True), resource_arns=[], kms_key_arn=KEY_ARN
        )


# ------------------------------------------------------------------ cache token rotation
def _rotation(kms: bool = True) -> RecordingMonitor:
    args = CacheTokenRotationArgs(
        rotation_days=30,
        logs=LogsConfig(retention_days=30),
        secret_arn=SECRET_ARN,
        replication_group_id="aevon-test-cache",
        replication_group_arn=GROUP_ARN,
        cluster_name="aevon-test-ecs",
        client_services={
            Service.CORE_WORKER: ("aevon-test-core-worker", SERVICE_ARN.format("core-worker")),
            Service.API: ("aevon-test-api", SERVICE_ARN.format("api")),
        },
        alarm_topics=TOPICS,
        kms_key_arn=KEY_ARN if kms else None,
    )
    return build(lambda: CacheTokenRotation("cache-rotation", args).function_name)


def test_rotation_runs_on_schedule_one_at_a_time_for_up_to_15_minutes() -> None:
    rec = _rotation()
    (fn,) = rec.of_type("aws:lambda/function:Function")
    assert fn.input("timeout") == 900
    assert fn.input("reservedConcurrentExecutions") == 1
    assert fn.input("tracingConfig") == {"mode": "Active"}
    assert fn.input("environment")["variables"] == {
        "REPLICATION_GROUP_ID": "aevon-test-cache",
        "ECS_CLUSTER": "aevon-test-ecs",
        "CLIENT_SERVICES": "aevon-test-api,aevon-test-core-worker",
    }
    (schedule,) = rec.of_type("aws:secretsmanager/secretRotation:SecretRotation")
    assert schedule.input("secretId") == SECRET_ARN
    assert schedule.input("rotationLambdaArn") == fn.outputs["arn"]
    assert schedule.input("rotationRules") == {"automaticallyAfterDays": 30}
    assert schedule.input("rotateImmediately") is False
    (permission,) = rec.of_type("aws:lambda/permission:Permission")
    assert permission.input("principal") == "secretsmanager.amazonaws.com"
    assert permission.input("sourceArn") == SECRET_ARN
    (alarm,) = rec.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert alarm.input("threshold") == 0, "the first failed rotation pages"


def test_rotation_function_may_touch_only_its_secret_group_and_clients() -> None:
    (policy,) = _rotation().of_type("aws:iam/rolePolicy:RolePolicy")
    by_sid = {s["Sid"]: s for s in _statements(policy.input("policy"))}
    assert by_sid["RotateTheTokenSecret"]["Resource"] == [SECRET_ARN]
    assert by_sid["RotateTheCacheToken"]["Resource"] == [GROUP_ARN]
    assert sorted(by_sid["RedeployTheClients"]["Resource"]) == sorted(
        SERVICE_ARN.format(s) for s in ("api", "core-worker")
    )
    assert by_sid["UseTheSecretsKeyThroughSecretsManager"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    }
    star = sorted(a for s in by_sid.values() if s["Resource"] == "*" for a in s["Action"])
    assert star == [
        "secretsmanager:GetRandomPassword",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    ], "only actions that take no resource are granted on '*'"
    assert "UseTheSecretsKeyThroughSecretsManager" not in {
        s["Sid"]
        for s in _statements(
            _rotation(kms=False).of_type("aws:iam/rolePolicy:RolePolicy")[0].input("policy")
        )
    }


def test_rotation_args_need_a_client() -> None:
    with pytest.raises(ValueError, match="client_services names no service"):
        CacheTokenRotationArgs(
            rotation_days=30,
            logs=LogsConfig(retention_days=30),
            secret_arn=SECRET_ARN,
            replication_group_id="g",
            replication_group_arn=GROUP_ARN,
            cluster_name="c",
            client_services={},
            alarm_topics=TOPICS,
        )
