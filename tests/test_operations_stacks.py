"""Issue 15 on the real stacks: alert routes, severities, the dashboard, the migration task,
the budget, error tracking, and no pager, chat or DSN secret in plain text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.runtime import rpc

from infra.blueprint import QueueRole, Service
from infra.config import Severity, parse
from offline import mock_outputs
from offline.engine import STACKS, Inventory, Registration, stack_config, stack_file


def _config(stack: str) -> Any:
    return parse("aevon", stack, stack_config(stack)[0])


def _alarms(inv: Inventory) -> dict[str, Registration]:
    return {a.name: a for a in inv.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}


# ------------------------------------------------------------------ routes and severities
@pytest.mark.parametrize("stack", STACKS)
def test_alert_routes_follow_the_stack_file(inventories: dict[str, Inventory], stack: str) -> None:
    inv, settings = inventories[stack], _config(stack).alarms
    topics = {Severity.PAGING: inv.outputs["pagingAlarmTopicArn"],
              Severity.NOTIFY: inv.outputs["alarmTopicArn"]}  # fmt: skip
    chats = {
        c.name.removeprefix("alarms-chat-"): c
        for c in inv.of_type("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")
    }
    slack = {n for n, c in settings.channels.items() if c.slack}
    assert set(chats) == slack
    for name, chat in chats.items():
        expected = [topics[s] for s in settings.severities_of(name)]
        assert chat.input("snsTopicArns") == expected, name
        assert chat.input("slackChannelId") == settings.channels[name].slack_channel_id
    subscriptions = {s.name: s for s in inv.of_type("aws:sns/topicSubscription:TopicSubscription")}
    pagers = {n for n, c in settings.channels.items() if c.pager}
    expected_subs = {f"alarms-{s.value}-{n}" for n in pagers for s in settings.severities_of(n)}
    assert set(subscriptions) == expected_subs
    for sub in subscriptions.values():
        assert sub.input("protocol") == "https"
        assert sub.input("topic") in topics.values()
    routes = inv.outputs["alarmRoutes"]
    assert set(routes) == {"paging", "notify"}
    assert all(routes.values()), "both severities reach someone"


def test_prod_pages_its_on_call_and_the_others_page_nobody(
    inventories: dict[str, Inventory],
) -> None:
    prod = inventories["prod"].outputs["alarmRoutes"]["paging"]
    assert any(r.startswith("pager pagerduty") for r in prod)
    assert any("#aevon-prod-oncall" in r for r in prod)
    for stack in ("dev", "staging"):
        assert not inventories[stack].of_type("aws:sns/topicSubscription:TopicSubscription")


@pytest.mark.parametrize("stack", STACKS)
def test_every_alarm_has_a_severity_and_notifies_its_topic(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inv = inventories[stack]
    topics = {"paging": inv.outputs["pagingAlarmTopicArn"], "notify": inv.outputs["alarmTopicArn"]}
    for alarm in _alarms(inv).values():
        if alarm.name.endswith(("-backlog-out", "-backlog-in")):
            continue  # scaling alarms act on a scaling policy, not on people
        severity = alarm.input("tags")["Severity"]
        assert alarm.input("alarmActions") == [topics[severity]], alarm.name
        assert alarm.input("okActions") == [topics[severity]], alarm.name
        assert alarm.input("alarmDescription").startswith(f"[{severity}] "), alarm.name


@pytest.mark.parametrize("stack", STACKS)
def test_paging_alarms_are_5xx_dead_letters_and_unavailable_stores(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inv = inventories[stack]
    paging = {
        n for n, a in _alarms(inv).items() if (a.input("tags") or {}).get("Severity") == "paging"
    }
    expected = {
        "public-5xx",
        "ingest-fn-dlq-not-empty",
        "cache-unavailable",
        *(f"pipeline-{q.value}-dlq-not-empty" for q in QueueRole),
    }
    # A cluster that pauses at 0 ACU (dev) reports nothing while paused: no such alarm.
    if _config(stack).database.min_capacity > 0:
        expected.add("database-unavailable")
    assert paging == expected


def test_the_unavailability_alarms_watch_the_writer_and_every_cache_node(
    inventories: dict[str, Inventory],
) -> None:
    inv = inventories["prod"]
    alarms = _alarms(inv)
    (cluster,) = inv.of_type("aws:rds/cluster:Cluster")
    database = alarms["database-unavailable"]
    assert database.input("dimensions") == {
        "DBClusterIdentifier": cluster.outputs["clusterIdentifier"], "Role": "WRITER"
    }  # fmt: skip
    assert database.input("treatMissingData") == "breaching"
    (group,) = inv.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    cache = alarms["cache-unavailable"]
    nodes = [
        q["metric"]["dimensions"]["CacheClusterId"]
        for q in cache.input("metricQueries")
        if q.get("metric")
    ]
    assert nodes == sorted(group.outputs["memberClusters"])
    assert cache.input("treatMissingData") == "breaching"


# ------------------------------------------------------------------ the dashboard
def _dashboard(inv: Inventory) -> dict[str, Any]:
    (dashboard,) = inv.of_type("aws:cloudwatch/dashboard:Dashboard")
    return json.loads(dashboard.input("dashboardBody"))


def _stack_names(inv: Inventory) -> dict[str, set[str]]:
    """Dimension -> the values of that dimension the stack's resources have."""
    services = inv.of_type("aws:ecs/service:Service")
    return {
        "LoadBalancer": {r.outputs["arnSuffix"] for r in inv.of_type("aws:lb/loadBalancer:LoadBalancer")},
        "ClusterName": {r.outputs["name"] for r in inv.of_type("aws:ecs/cluster:Cluster")},
        "ServiceName": {r.outputs["name"] for r in services},
        "QueueName": {r.outputs["name"] for r in inv.of_type("aws:sqs/queue:Queue")},
        "DBClusterIdentifier": {r.outputs["clusterIdentifier"] for r in inv.of_type("aws:rds/cluster:Cluster")},
        "CacheClusterId": {
            m for r in inv.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
            for m in r.outputs["memberClusters"]
        },
        "FunctionName": {r.outputs["name"] for r in inv.of_type("aws:lambda/function:Function")},
    }  # fmt: skip


def _widget_dimensions(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(widget title, dimension, value) for every metric line of every graph."""
    found = []
    for widget in body["widgets"]:
        if widget["type"] != "metric":
            continue
        for line in widget["properties"]["metrics"]:
            pairs = [p for p in line[2:] if not isinstance(p, dict)]
            found += [
                (widget["properties"]["title"], pairs[i], pairs[i + 1])
                for i in range(0, len(pairs), 2)
            ]
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_widget_points_at_a_resource_of_this_stack(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inv = inventories[stack]
    names = _stack_names(inv)
    dimensions = _widget_dimensions(_dashboard(inv))
    assert dimensions
    for title, dimension, value in dimensions:
        if dimension == "Role":
            continue
        assert value in names[dimension], f"{stack}: widget {title!r} names {dimension}={value}"
    for widget in _dashboard(inv)["widgets"]:
        if widget["type"] == "metric":
            assert widget["properties"]["region"] == _config(stack).aws_region


@pytest.mark.parametrize("stack", STACKS)
def test_the_dashboard_covers_every_service_queue_and_data_store(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inv = inventories[stack]
    shown: dict[str, set[str]] = {}
    for _, dimension, value in _widget_dimensions(_dashboard(inv)):
        shown.setdefault(dimension, set()).add(value)
    for dimension, values in _stack_names(inv).items():
        assert values <= shown.get(dimension, set()), (
            f"{stack}: {dimension} {values - shown.get(dimension, set())}"
        )
    titles = {
        w["properties"].get("title") or w["properties"]["markdown"].splitlines()[0]
        for w in _dashboard(inv)["widgets"]
    }
    for needed in ("ECS: CPU % per service", "ECS: memory % per service", "Queues: visible messages",
                   "Queues: age of the oldest message (s)", "Dead-letter queues: messages",
                   "Aurora: capacity (ACU)", "Aurora: connections", "Cache: engine CPU %",
                   "Cache: memory used %", "Cache: evictions", "Lambda: errors and throttles",
                   "Load balancer: requests", "Load balancer: 5xx responses",
                   "Load balancer: p95 target response time (s)"):  # fmt: skip
        assert needed in titles, f"{stack}: no {needed!r} widget"
    running = "ECS: running tasks per service"
    assert running in titles or f"### {running}" in titles


@pytest.mark.parametrize("stack", STACKS)
def test_the_dashboard_uses_the_names_the_alarms_use(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inv = inventories[stack]
    shown = {(d, v) for _, d, v in _widget_dimensions(_dashboard(inv))}
    for alarm in _alarms(inv).values():
        dims = dict(alarm.input("dimensions") or {})
        for query in alarm.input("metricQueries") or []:
            dims |= (query.get("metric") or {}).get("dimensions") or {}
        for dimension, value in dims.items():
            if dimension != "Role":
                assert (dimension, value) in shown, (
                    f"{stack}: {alarm.name} watches {dimension}={value}"
                )


# ------------------------------------------------------------------ the migration task
@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_has_its_migration_task_with_the_apis_database_access(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inv = inventories[stack]
    definitions = {d.name: d for d in inv.of_type("aws:ecs/taskDefinition:TaskDefinition")}
    (migration,) = json.loads(definitions["migrations-task"].input("containerDefinitions"))
    (api,) = json.loads(definitions["app-api-task"].input("containerDefinitions"))
    assert migration["command"] == stack_file(stack)["config"]["aevon:migrations"]["command"]
    assert migration["image"].rsplit(":", 1)[0] == api["image"].rsplit(":", 1)[0], "the api image"

    def db(container: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        env = {
            e["name"]: e["value"] for e in container["environment"] if e["name"].startswith("DB_")
        }
        refs = {
            s["name"]: s["valueFrom"] for s in container["secrets"] if s["name"].startswith("DB_")
        }
        return env, refs

    assert db(migration) == db(api)
    assert inv.outputs["migrationTask"]["taskDefinition"] not in {
        s.input("taskDefinition") for s in inv.of_type("aws:ecs/service:Service")
    }, "no service runs it"
    task = inv.outputs["migrationTask"]
    assert task["subnets"] == inv.outputs["privateSubnetIds"]
    assert task["securityGroups"] == [inv.by_name("workloads-api").outputs["id"]]
    assert task["timeoutMinutes"] == _config(stack).migrations.timeout_minutes
    (group,) = [
        g for g in inv.of_type("aws:cloudwatch/logGroup:LogGroup") if g.name == "migrations-logs"
    ]
    assert group.input("retentionInDays") == _config(stack).logs.retention_days
    assert bool(group.protect) is _config(stack).protect_stateful_resources


# ------------------------------------------------------------------ budget, error tracking
@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_has_a_budget_over_its_tags_alerting_the_notify_topic(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inv = inventories[stack]
    (budget,) = inv.of_type("aws:budgets/budget:Budget")
    settings = _config(stack).budget
    assert float(budget.input("limitAmount")) == settings.monthly_limit_usd
    assert [a["tags"] for a in budget.input("filterExpression")["ands"]] == [
        {"key": "Project", "values": ["aevon"]}, {"key": "Environment", "values": [stack]}
    ]  # fmt: skip
    for notification in budget.input("notifications"):
        assert notification["subscriberSnsTopicArns"] == [inv.outputs["alarmTopicArn"]]
    policies = {p.name: p for p in inv.of_type("aws:sns/topicPolicy:TopicPolicy")}
    notify = json.loads(policies["alarms-policy"].input("policy"))["Statement"]
    assert any(s.get("Principal") == {"Service": "budgets.amazonaws.com"} for s in notify)
    for key in inv.of_type("aws:kms/key:Key"):  # the topics' key admits AWS Budgets too
        statements = json.loads(key.input("policy"))["Statement"]
        assert any(s.get("Principal") == {"Service": "budgets.amazonaws.com"} for s in statements)


@pytest.mark.parametrize("stack", STACKS)
def test_the_dsn_reaches_every_service_only_as_a_secret_reference(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inv = inventories[stack]
    (secret,) = [
        s for s in inv.of_type("aws:secretsmanager/secret:Secret") if s.name == "errors-dsn"
    ]
    containers = {
        d.name: json.loads(d.input("containerDefinitions"))[0]
        for d in inv.of_type("aws:ecs/taskDefinition:TaskDefinition")
    }
    assert len(containers) == len(Service) + 1
    for name, container in containers.items():
        refs = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        assert refs["SENTRY_DSN"] == secret.outputs["arn"], name
        assert "SENTRY_DSN" not in {e["name"] for e in container["environment"]}, name


# ------------------------------------------------------------------ no secret in plain text
def _plain(value: Any) -> Any:
    """`value` with every secret-wrapped part removed."""
    if rpc.is_rpc_secret(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.mark.parametrize("stack", STACKS)
def test_no_pager_url_or_dsn_appears_in_plain_text(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inv = inventories[stack]
    secrets = [mock_outputs.operator_value_stand_in(v, stack) for v in inv.stand_ins if v.secret]
    assert secrets, "the stack has a DSN (and prod a pager URL)"
    stored = [
        r for r in inv.registrations if any(s in json.dumps(r.inputs, default=str) for s in secrets)
    ]
    assert stored, "the values do reach the stack, as secrets"
    for r in inv.registrations:
        for where, value in (("inputs", r.inputs), ("outputs", r.outputs)):
            text = json.dumps(_plain(value), default=str)
            for s in secrets:
                assert s not in text, f"{r.urn} {where} hold a secret in plain text"
    for key, value in inv.outputs.items():
        if key not in inv.secret_outputs:
            assert not any(s in json.dumps(value, default=str) for s in secrets), key
    for sub in inv.of_type("aws:sns/topicSubscription:TopicSubscription"):
        assert "endpoint" in sub.additional_secret_outputs


@pytest.mark.parametrize("stack", STACKS)
def test_chat_needs_no_secret_and_stack_files_hold_none(stack: str) -> None:
    """Chatbot is authorized in its console (OAuth): the stack gives it ids, never a token or
    webhook; the pager URL and the DSN are secret config, never in the stack file."""
    text = json.dumps(stack_file(stack)["config"])
    assert "hooks.slack.com" not in text
    assert "pagerduty.com" not in text
    assert "sentry.io" not in text
    assert "aevon:pagerUrls" not in text
    assert "aevon:errorTrackingDsn" not in text
