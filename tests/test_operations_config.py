"""Issue 15's config: alarm routes, migrations, budget, error tracking, operator-set values.

Every bad value gets one message naming stack, key and rule, before any resource
registers; a secret value is never repeated in a message.
"""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import ConfigError, Severity, operator_values, parse
from offline import engine
from offline.engine import STACKS, run_stack, stack_config, stack_file

PAGER_URL = "https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue"


def _raw(stack: str = "prod", **overrides: Any) -> dict[str, Any]:
    config, _ = stack_config(stack)
    raw: dict[str, Any] = dict(config)
    raw.update({f"aevon:{k}": v for k, v in overrides.items()})
    return raw


def _file(stack: str, key: str) -> Any:
    return stack_file(stack)["config"][f"aevon:{key}"]


def _alarms(**changes: Any) -> dict[str, Any]:
    """prod's `alarms` section (with the channel ids its operator would set) and `changes`."""
    alarms: dict[str, Any] = {**_file("prod", "alarms"), **changes}
    channels = {n: dict(c) for n, c in alarms["channels"].items()}
    for name, channel in channels.items():
        if "slack" in channel:
            channel.setdefault("slackChannelId", f"C0{name.upper().replace('-', '')[:8]}")
    return {**alarms, "channels": channels}


def _migrations(**changes: Any) -> dict[str, Any]:
    return {**_file("prod", "migrations"), **changes}


# (case id, overrides of prod's config, key named in the message, fragment of the rule)
BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("budget-zero", {"budget": {"monthlyLimitUsd": 0}}, "aevon:budget.monthlyLimitUsd = 0", "must be more than 0 US dollars"),
    ("budget-negative", {"budget": {"monthlyLimitUsd": -25}}, "aevon:budget.monthlyLimitUsd = -25", "must be more than 0 US dollars"),
    ("budget-too-many-alerts", {"budget": {"monthlyLimitUsd": 900, "actualAlertPercent": [50, 60, 70, 80], "forecastAlertPercent": [90, 100]}}, "aevon:budget", "at most 5 notifications"),
    ("budget-threshold-below-aws-range", {"budget": {"monthlyLimitUsd": 900, "actualAlertPercent": [0.05]}}, "aevon:budget.actualAlertPercent", "outside AWS Budgets' 0.1-"),
    ("route-to-unknown-channel", {"alarms": _alarms(routes={"paging": ["platform-oncall", "pagerdty"], "notify": ["platform-alerts"]})}, "aevon:alarms", "'pagerdty', which is not a channel; channels: pagerduty, platform-alerts, platform-oncall"),
    ("severity-reaching-nobody", {"alarms": _alarms(routes={"notify": ["platform-alerts", "platform-oncall", "pagerduty"]})}, "aevon:alarms", "routes.paging names no channel: paging alarms would reach nobody"),
    ("unknown-severity", {"alarms": _alarms(routes={"paging": ["pagerduty"], "notify": ["platform-alerts"], "critical": ["platform-oncall"]})}, "aevon:alarms.routes.critical", "'paging' or 'notify'"),
    ("channel-on-no-route", {"alarms": _alarms(routes={"paging": ["pagerduty"], "notify": ["platform-alerts"]})}, "aevon:alarms", "channels ['platform-oncall'] are on no route"),
    ("channel-of-two-kinds", {"alarms": _alarms(channels={"platform-alerts": {"slack": "#a", "email": "ops@aevon.dev"}, "platform-oncall": {"slack": "#b"}, "pagerduty": {"pager": True}})}, "aevon:alarms.channels.platform-alerts", "exactly one of slack, pager: true or email (got slack, email)"),
    ("slack-without-workspace", {"alarms": {k: v for k, v in _alarms().items() if k != "slackWorkspace"}}, "aevon:alarms", "a slack channel needs slackWorkspace"),
    ("slack-channel-name", {"alarms": _alarms(channels={**_alarms()["channels"], "platform-alerts": {"slack": "aevon prod"}})}, "aevon:alarms.channels.platform-alerts.slack", "must be a Slack channel name"),
    ("empty-migration-command", {"migrations": _migrations(command=[])}, "aevon:migrations.command", "must name the migration command in exec form"),
    ("blank-migration-command", {"migrations": _migrations(command=["python", " "])}, "aevon:migrations.command", "every part non-empty"),
    ("migration-size", {"migrations": _migrations(cpu=256, memory=4096)}, "aevon:migrations", "Fargate offers no task of cpu 256 with memory 4096"),
    ("migration-timeout", {"migrations": _migrations(timeoutMinutes=0)}, "aevon:migrations.timeoutMinutes", "greater than or equal to 1"),
    ("pager-url-not-https", {"pagerUrls": {"pagerduty": "http://events.pagerduty.com/x"}}, "stack config", "pagerUrls ['pagerduty']: the value is not an https:// URL"),
    ("pager-url-for-no-pager", {"pagerUrls": {"pagerduty": PAGER_URL, "opsgenie": PAGER_URL}}, "stack config", "pagerUrls has ['opsgenie'], which are not pager channels"),
    ("dsn-without-error-tracking", {"errorTracking": {"enabled": False}}, "stack config", "errorTrackingDsn is set but errorTracking.enabled is false"),
    ("migration-without-api-database-access", {"database": {**_file("prod", "database"), "clients": ["delivery-worker"]}}, "stack config", "migrations run with the api's database credentials"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "key", "rule"), [pytest.param(o, k, r, id=i) for i, o, k, r in BAD]
)
def test_bad_operations_config_fails_with_one_clear_message(
    overrides: dict[str, Any], key: str, rule: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse("aevon", "prod", _raw(**overrides))
    message = str(caught.value)
    assert message.startswith("stack 'prod': invalid configuration"), message
    assert key in message, message
    assert rule in message, message


def test_a_secret_is_never_repeated_in_an_error() -> None:
    leaked = "http://events.pagerduty.com/integration/deadbeefdeadbeef/enqueue"
    with pytest.raises(ConfigError) as caught:
        parse("aevon", "prod", _raw(pagerUrls={"pagerduty": leaked}))
    assert "deadbeef" not in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        parse("aevon", "prod", _raw(errorTrackingDsn="ftp://key123secret@sentry.example/1"))
    assert "key123secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("aevon:pagerUrls", {"pagerduty": PAGER_URL}),
        ("aevon:errorTrackingDsn", "https://k@o1.ingest.sentry.io/1"),
    ],
)
def test_pager_urls_and_the_dsn_must_be_secret_config(key: str, value: Any) -> None:
    config, secret = stack_config("prod")
    raw = {**config, key: value}
    with pytest.raises(
        ConfigError, match=f"{key}: is set in plaintext; set it with `pulumi config set --secret"
    ):
        parse("aevon", "prod", raw, secret_keys=set(secret) - {key})
    parse("aevon", "prod", raw, secret_keys=set(secret))


@pytest.mark.parametrize("stack", STACKS)
def test_an_unset_operator_value_stops_the_stack_naming_its_command(stack: str) -> None:
    """Without the offline stand-ins, the stack files alone name what an operator must set."""
    config, secret = stack_config(stack, stand_ins=False)
    missing = operator_values(engine._merged_config(stack, None, engine.ROOT))
    assert missing, "every stack declares Slack channels and error tracking"
    with pytest.raises(ConfigError) as caught:
        parse("aevon", stack, config, secret_keys=set(secret))
    first = missing[0]
    assert f"{first.key} is not set" in str(caught.value)
    assert first.command(stack) in str(caught.value)


def test_operator_values_are_derived_from_the_declarations() -> None:
    raw = {"aevon:alarms": _file("prod", "alarms"), "aevon:errorTracking": {"enabled": True}}
    found = {v.key: (v.kind, v.secret) for v in operator_values(raw)}
    assert found == {
        "aevon:alarms.channels.platform-alerts.slackChannelId": ("slack-channel-id", False),
        "aevon:alarms.channels.platform-oncall.slackChannelId": ("slack-channel-id", False),
        "aevon:pagerUrls.pagerduty": ("pager-url", True),
        "aevon:errorTrackingDsn": ("error-tracking-dsn", True),
    }
    assert operator_values({"aevon:errorTracking": {"enabled": False}}) == []


def test_routes_come_from_the_stack_files() -> None:
    prod = parse("aevon", "prod", _raw()).alarms
    assert prod.channels_of(Severity.PAGING) == ["platform-oncall", "pagerduty"]
    assert prod.channels_of(Severity.NOTIFY) == ["platform-alerts"]
    for stack in ("dev", "staging"):
        alarms = parse("aevon", stack, _raw(stack)).alarms
        assert not any(c.pager for c in alarms.channels.values()), f"{stack} pages nobody"


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"aevon:budget": {"monthlyLimitUsd": 0}}, id="budget-zero"),
        pytest.param({"aevon:alarms": _alarms(routes={"paging": ["nobody"], "notify": ["platform-alerts"]})}, id="unknown-channel"),
        pytest.param({"aevon:migrations": _migrations(command=[])}, id="empty-command"),
    ],
)  # fmt: skip
def test_the_three_named_bad_inputs_register_nothing(
    overrides: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Any] = []
    original = engine._start

    def spy(*args: Any) -> Any:
        started.append(original(*args))
        return started[-1]

    monkeypatch.setattr(engine, "_start", spy)
    with pytest.raises(ConfigError, match="stack 'prod': invalid configuration"):
        run_stack("prod", overrides)
    assert all(monitor.registrations == [] for monitor in started)
