"""Issue 15's components built alone: alarm routing, the migration task, the budget, the
dashboard and error tracking."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from infra.aws.alarms import CHATBOT_GUARDRAIL, AlarmRouting, AlarmRoutingArgs
from infra.aws.budget import StackBudget, StackBudgetArgs
from infra.aws.dashboard import DashboardSources, dashboard_body
from infra.aws.database import DatabaseAccess
from infra.aws.error_tracking import ErrorTracking, ErrorTrackingAccess, ErrorTrackingArgs
from infra.aws.limits import CHATBOT_API_REGION
from infra.aws.migrations import MigrationTask, MigrationTaskArgs
from infra.blueprint import Service
from infra.config import (
    AlarmsConfig,
    BudgetConfig,
    ComputeConfig,
    LogsConfig,
    MigrationsConfig,
)
from offline.engine import RecordingMonitor, Registration, build

KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
PAGER = "https://events.pagerduty.com/integration/00112233445566778899aabbccddeeff/enqueue"
DB_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc-AbCdEf"
DSN_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aevon-test/errors/dsn-XyZ"
TOPIC = "arn:aws:sns:us-east-1:123456789012:aevon-test-alarms"

ALARMS: dict[str, Any] = {
    "slack_workspace": "aevon",
    "channels": {
        "team": {"slack": "#aevon-alerts", "slack_channel_id": "C07TEAM0001"},
        "oncall": {"slack": "#aevon-oncall", "slack_channel_id": "C07ONCALL01"},
        "pagerduty": {"pager": True},
        "lead": {"email": "lead@aevon.dev"},
    },
    "routes": {"paging": ["oncall", "pagerduty", "lead"], "notify": ["team", "lead"]},
}


def _statements(policy: Registration) -> dict[str, dict[str, Any]]:
    return {s.get("Sid", s["Effect"]): s for s in json.loads(policy.input("policy"))["Statement"]}


# ------------------------------------------------------------------ alarm routing
@pytest.fixture(scope="module")
def routing() -> RecordingMonitor:
    def program() -> object:
        args = AlarmRoutingArgs(
            settings=AlarmsConfig.model_validate(ALARMS),
            pager_urls={"pagerduty": PAGER},
            kms_key_arn=KEY,
        )
        return AlarmRouting("alarms", args).topics.paging

    return build(program)


def test_each_severity_has_its_own_encrypted_topic_open_to_this_accounts_alarms(
    routing: RecordingMonitor,
) -> None:
    topics = {t.name: t for t in routing.of_type("aws:sns/topic:Topic")}
    # The notify topic keeps the only topic's names of before (no replacement).
    assert set(topics) == {"alarms-topic", "alarms-paging-topic"}
    assert topics["alarms-topic"].input("name") == "aevon-test-alarms"
    for topic in topics.values():
        assert topic.input("kmsMasterKeyId") == KEY
    policies = {p.name: _statements(p) for p in routing.of_type("aws:sns/topicPolicy:TopicPolicy")}
    for statements in policies.values():
        alarms = statements["CloudWatchAlarmsOfThisAccount"]
        assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert alarms["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
        (deny,) = [s for s in statements.values() if s["Effect"] == "Deny"]
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    budgets = policies["alarms-policy"]["BudgetsOfThisAccount"]
    assert budgets["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert budgets["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:budgets::123456789012:*"
    assert "BudgetsOfThisAccount" not in policies["alarms-paging-policy"], "budgets notify"
    (component,) = routing.of_type("aevon:observability:AlarmRouting")
    assert [a.type for a in component.aliases] == ["aevon:observability:AlarmTopic"], (
        "aliased to the AlarmTopic type it replaces"
    )


def test_each_slack_channel_gets_a_chatbot_configuration_for_its_routed_severities(
    routing: RecordingMonitor,
) -> None:
    topics = {t.name: t.outputs["arn"] for t in routing.of_type("aws:sns/topic:Topic")}
    chats = {
        c.name: c
        for c in routing.of_type("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
    }
    assert set(chats) == {"alarms-chat-team", "alarms-chat-oncall"}
    assert chats["alarms-chat-team"].input("snsTopicArns") == [topics["alarms-topic"]]
    assert chats["alarms-chat-oncall"].input("snsTopicArns") == [topics["alarms-paging-topic"]]
    assert chats["alarms-chat-oncall"].input("slackChannelId") == "C07ONCALL01"
    (role,) = routing.of_type("aws:iam/role:Role")
    for chat in chats.values():
        assert chat.input("slackTeamId").startswith("T"), "looked up by the workspace's name"
        assert chat.input("guardrailPolicyArns") == [CHATBOT_GUARDRAIL], "never AdministratorAccess"
        assert chat.input("userAuthorizationRequired") is True
        assert chat.input("region") == CHATBOT_API_REGION
        assert chat.input("iamRoleArn") == role.outputs["arn"]
    trust = json.loads(role.input("assumeRolePolicy"))["Statement"][0]
    assert trust["Principal"] == {"Service": "chatbot.amazonaws.com"}
    (policy,) = routing.of_type("aws:iam/rolePolicy:RolePolicy")
    actions = {a for s in _statements(policy).values() for a in s["Action"]}
    assert all(a.startswith("cloudwatch:") and ":Put" not in a for a in actions), actions


def test_the_pager_gets_an_https_subscription_whose_url_stays_secret(
    routing: RecordingMonitor,
) -> None:
    subs = {s.name: s for s in routing.of_type("aws:sns/topicSubscription:TopicSubscription")}
    assert set(subs) == {"alarms-paging-pagerduty", "alarms-paging-lead", "alarms-notify-lead"}
    pager = subs["alarms-paging-pagerduty"]
    assert pager.input("protocol") == "https"
    assert pager.is_secret_input("endpoint"), "the integration URL is secret in state"
    assert rpc.unwrap_rpc_secret(pager.inputs["endpoint"]) == PAGER
    assert pager.additional_secret_outputs == ["endpoint"]
    assert pager.input("endpointAutoConfirms") is True
    assert subs["alarms-notify-lead"].input("protocol") == "email"
    for r in routing.registrations:
        plain = {k: v for k, v in r.inputs.items() if not rpc.is_rpc_secret(v)}
        assert PAGER not in json.dumps(plain, default=str), r.urn


def test_a_pager_channel_without_its_url_is_refused() -> None:
    with pytest.raises(ValueError, match=r"pager channels \['pagerduty'\] have no URL"):
        AlarmRoutingArgs(settings=AlarmsConfig.model_validate(ALARMS))


# ------------------------------------------------------------------ migration task
def _migration_args(**changes: Any) -> MigrationTaskArgs:
    values: dict[str, Any] = {
        "settings": MigrationsConfig.model_validate(
            {"command": ["python", "-m", "aevon.migrate"], "timeout_minutes": 20}
        ),
        "logs": LogsConfig(retention_days=30),
        "compute": ComputeConfig.model_validate(
            {
                "container_insights": False,
                "spot_weight": 1,
                "on_demand_weight": 0,
                "wait_for_steady_state": False,
                "image_tag_source": "config",
                "image_tag": "abc1234",
                "allow_plain_http": True,
                "services": {
                    s.value: {"cpu": 256, "memory": 512, "desired": 1, "min": 1, "max": 1}
                    for s in Service
                },
            }
        ),
        "repository_urls": {"api": "123456789012.dkr.ecr.us-east-1.amazonaws.com/aevon-test/api"},
        "repository_arns": {"api": "arn:aws:ecr:us-east-1:123456789012:repository/aevon-test/api"},
        "database": DatabaseAccess(
            endpoint="db.cluster.internal",
            port=5432,
            name="aevon",
            secret_arn=DB_SECRET,
            cluster_resource_id="cluster-ABC",
            clients=(Service.API, Service.DELIVERY_WORKER),
        ),
        "region": "us-east-1",
        "cluster_name": "aevon-test-ecs",
        "subnet_ids": ["subnet-private-a", "subnet-private-b"],
        "security_group_ids": {Service.API: "sg-api", Service.WEB: "sg-web"},
        "kms_key_arn": KEY,
        "protect": True,
        "error_tracking": ErrorTrackingAccess(dsn_secret_arn=DSN_SECRET, environment_name="test"),
    }
    values.update(changes)
    return MigrationTaskArgs(**values)


@pytest.fixture(scope="module")
def migration() -> RecordingMonitor:
    return build(lambda: MigrationTask("migrations", _migration_args()).run_task)


def _container(rec: RecordingMonitor) -> dict[str, Any]:
    (task,) = rec.of_type("aws:ecs/taskDefinition:TaskDefinition")
    (container,) = json.loads(task.input("containerDefinitions"))
    return container


def test_the_migration_is_a_hardened_one_off_task_of_the_api_image(
    migration: RecordingMonitor,
) -> None:
    container = _container(migration)
    assert container["image"].endswith("/aevon-test/api:abc1234")
    assert container["command"] == ["python", "-m", "aevon.migrate"]
    assert container["readonlyRootFilesystem"] is True
    assert container["user"] == "10001:10001"
    assert container["privileged"] is False
    assert container["linuxParameters"]["capabilities"] == {"drop": ["ALL"]}
    assert "portMappings" not in container
    assert not migration.of_type("aws:ecs/service:Service"), "no service, no load balancer"
    assert not [r for r in migration.registrations if r.type.startswith("aws:lb/")]
    (group,) = migration.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert group.input("name") == "/aevon-test/ecs/migrations"
    assert group.protect is True
    assert container["logConfiguration"]["options"]["awslogs-group"] == group.input("name")


def test_the_migration_gets_the_apis_database_access_and_the_dsn_only_as_references(
    migration: RecordingMonitor,
) -> None:
    container = _container(migration)
    environment = {e["name"]: e["value"] for e in container["environment"]}
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert environment == {
        "AEVON_SERVICE": "migrations",
        "DB_HOST": "db.cluster.internal",
        "DB_PORT": "5432",
        "DB_NAME": "aevon",
        "SENTRY_ENVIRONMENT": "test",
    }
    assert secrets == {
        "DB_USERNAME": f"{DB_SECRET}:username::",
        "DB_PASSWORD": f"{DB_SECRET}:password::",
        "SENTRY_DSN": DSN_SECRET,
    }
    policies = {p.name: p for p in migration.of_type("aws:iam/rolePolicy:RolePolicy")}
    execution = json.loads(policies["migrations-execution-policy"].input("policy"))["Statement"]
    (read,) = [s for s in execution if s["Action"] == ["secretsmanager:GetSecretValue"]]
    assert set(read["Resource"]) == {DB_SECRET, DSN_SECRET}
    connect = _statements(policies["migrations-task-policy"])["ConnectToAuroraWithIam"]
    assert connect["Resource"] == ["arn:aws:rds-db:us-east-1:123456789012:dbuser:cluster-ABC/api"]


def test_the_run_task_output_names_the_task_its_network_and_timeout(
    migration: RecordingMonitor,
) -> None:
    (task,) = migration.of_type("aws:ecs/taskDefinition:TaskDefinition")
    (component,) = migration.of_type("aevon:operations:MigrationTask")
    assert task.input("family") == "aevon-test-migrations"
    assert task.parent == component.urn


def test_the_migration_needs_the_api_as_a_database_client() -> None:
    access = DatabaseAccess(
        endpoint="db", port=5432, name="aevon", secret_arn=DB_SECRET,
        cluster_resource_id="cluster-ABC", clients=(Service.DELIVERY_WORKER,),
    )  # fmt: skip
    with pytest.raises(ValueError, match="the migration uses the api service's database access"):
        _migration_args(database=access)


# ------------------------------------------------------------------ budget
def test_the_budget_filters_the_stacks_tags_and_notifies_the_topic() -> None:
    settings = BudgetConfig.model_validate(
        {
            "monthly_limit_usd": 250,
            "actual_alert_percent": [100, 80],
            "forecast_alert_percent": [110],
        }
    )
    rec = build(
        lambda: (
            StackBudget("budget", StackBudgetArgs(settings=settings, topic_arn=TOPIC)).budget_name
        )
    )
    (budget,) = rec.of_type("aws:budgets/budget:Budget")
    assert budget.input("limitAmount") == "250.00"
    assert budget.input("timeUnit") == "MONTHLY"
    assert budget.input("budgetType") == "COST"
    tags = [a["tags"] for a in budget.input("filterExpression")["ands"]]
    assert tags == [
        {"key": "Project", "values": ["aevon"]},
        {"key": "Environment", "values": ["test"]},
    ]
    notifications = [
        (n["notificationType"], n["threshold"], n["subscriberSnsTopicArns"])
        for n in budget.input("notifications")
    ]
    assert notifications == [
        ("ACTUAL", 80, [TOPIC]), ("ACTUAL", 100, [TOPIC]), ("FORECASTED", 110, [TOPIC])
    ]  # fmt: skip


# ------------------------------------------------------------------ dashboard (pure)
def _sources(**changes: Any) -> DashboardSources:
    values: dict[str, Any] = {
        "region": "us-east-1",
        "load_balancer": "app/aevon-test-public/0123456789abcdef",
        "cluster": "aevon-test-ecs",
        "services": {"api": "aevon-test-app-api", "core-worker": "aevon-test-app-core-worker"},
        "container_insights": True,
        "queues": {"normalised": "aevon-test-pipeline-normalised"},
        "dead_letter_queues": {"normalised": "aevon-test-pipeline-normalised-dlq"},
        "database": "aevon-test-database",
        "database_instances": 2,
        "cache_nodes": ["aevon-test-cache-001", "aevon-test-cache-002"],
        "functions": {"ingest-lambda": "aevon-test-ingest-fn"},
    }
    values.update(changes)
    return DashboardSources(**values)


def _metric_lines(body: dict[str, Any]) -> list[list[Any]]:
    return [m for w in body["widgets"] if w["type"] == "metric" for m in w["properties"]["metrics"]]


def test_the_dashboard_grids_its_widgets_and_names_only_the_sources() -> None:
    body = dashboard_body(_sources())
    assert len(body["widgets"]) == 16
    for widget in body["widgets"]:
        assert widget["width"] == 12
        assert widget["height"] == 6
        assert widget["x"] in (0, 12)
    values = {v for line in _metric_lines(body) for v in line[3::2] if isinstance(v, str)}
    assert "aevon-test-app-core-worker" in values
    assert "aevon-test-cache-002" in values
    json.dumps(body)


def test_without_insights_or_a_reader_the_dashboard_says_why_a_graph_is_missing() -> None:
    body = dashboard_body(_sources(container_insights=False, database_instances=1))
    notes = [w["properties"]["markdown"] for w in body["widgets"] if w["type"] == "text"]
    assert len(notes) == 2
    assert any("Container Insights is off" in n for n in notes)
    assert any("no reader" in n for n in notes)
    assert not any(
        line[1] in ("RunningTaskCount", "AuroraReplicaLagMaximum") for line in _metric_lines(body)
    )


# ------------------------------------------------------------------ error tracking
def test_the_dsn_is_a_secret_in_secrets_manager_and_reaches_services_as_an_arn() -> None:
    dsn = "https://0123456789abcdef@o1.ingest.us.sentry.io/2"

    def program() -> object:
        tracking = ErrorTracking(
            "errors",
            ErrorTrackingArgs(dsn=pulumi.Output.secret(dsn), kms_key_arn=KEY, protect=True),
        )
        return tracking.access.dsn_secret_arn

    rec = build(program)
    (secret,) = rec.of_type("aws:secretsmanager/secret:Secret")
    assert secret.protect is True
    assert secret.input("kmsKeyId") == KEY
    (version,) = rec.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.is_secret_input("secretString")
    assert rpc.unwrap_rpc_secret(version.inputs["secretString"]) == dsn
