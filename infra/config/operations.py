"""Operating the platform: `alarms` (who an alert reaches), `migrations`, `budget`, `errorTracking`.

Alarms have a severity: `paging` (a person must act now: 5xx rate, dead letters,
database or cache unavailable) or `notify` (look during working hours). The stack's
`alarms.routes` say which channels each severity reaches; a channel is a Slack
channel (through AWS Chatbot), an on-call pager (an HTTPS subscription) or an email
address.

Some values are not chosen in the stack file but handed out by someone else: the id
Slack gives a channel, the integration URL a pager service gives, the DSN of an
error tracker. The stack file declares the channel or feature; an operator sets the
value once per stack (`operator_values` lists them, each with its exact command);
the URLs and the DSN are secret config and never plaintext. Until it is set, the
program stops with a message naming the command.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from infra.aws.limits import (
    BUDGET_MAX_NOTIFICATIONS,
    BUDGET_THRESHOLD_PERCENT,
    FARGATE_MEMORY,
    SLACK_CHANNEL_ID,
)
from infra.config._base import PROJECT_NAMESPACE, _Model

PAGER_URLS_KEY = f"{PROJECT_NAMESPACE}:pagerUrls"
ERROR_TRACKING_DSN_KEY = f"{PROJECT_NAMESPACE}:errorTrackingDsn"
_CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
# Slack channel names: lowercase letters, digits, '-' and '_', at most 80 characters.
_SLACK_CHANNEL_NAME = re.compile(r"^#[a-z0-9][a-z0-9_-]{0,79}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Severity(StrEnum):
    """How urgent an alarm is; `alarms.routes` maps each to the channels it reaches."""

    PAGING = "paging"  # a person must act now (wakes the on-call person where routed so)
    NOTIFY = "notify"  # someone should look during working hours


class ChannelConfig(_Model):
    """`alarms.channels.<name>`: exactly one of

    - `slack`: the Slack channel's name (`#aevon-alerts`), reached through AWS Chatbot;
      `slackChannelId` is the id Slack gave it (set by an operator, `operator_values`);
    - `pager: true`: an on-call pager's HTTPS integration (PagerDuty, Opsgenie...), whose
      URL is the secret `aevon:pagerUrls.<name>`;
    - `email`: an address subscribed by email (its owner confirms the subscription).
    """

    slack: str | None = None
    slack_channel_id: str | None = None
    pager: bool = False
    email: str | None = None

    @field_validator("slack")
    @classmethod
    def _slack_name(cls, name: str | None) -> str | None:
        if name is not None and not _SLACK_CHANNEL_NAME.match(name):
            raise ValueError(
                "must be a Slack channel name: '#' then lowercase letters, digits, '-' or '_'"
            )
        return name

    @field_validator("slack_channel_id")
    @classmethod
    def _slack_id(cls, channel_id: str | None) -> str | None:
        if channel_id is not None and not re.match(SLACK_CHANNEL_ID, channel_id):
            raise ValueError("must be a Slack channel id (letters and digits, e.g. C07EZ1ABC23)")
        return channel_id

    @field_validator("email")
    @classmethod
    def _email(cls, email: str | None) -> str | None:
        if email is not None and not _EMAIL.match(email):
            raise ValueError(f"{email!r} is not an email address")
        return email

    @model_validator(mode="after")
    def _one_kind(self) -> ChannelConfig:
        kinds = [k for k, on in (("slack", self.slack), ("pager", self.pager),
                                 ("email", self.email)) if on]  # fmt: skip
        if len(kinds) != 1:
            got = ", ".join(kinds) or "none"
            raise ValueError(f"give exactly one of slack, pager: true or email (got {got})")
        if self.slack_channel_id is not None and self.slack is None:
            raise ValueError("slackChannelId goes with slack")
        return self

    @property
    def kind(self) -> str:
        return "slack" if self.slack else "pager" if self.pager else "email"


class AlarmsConfig(_Model):
    """`alarms`: where alerts go.

    `slackWorkspace`: the name of the Slack workspace authorized in AWS Chatbot (its id
    is looked up); `channels`: name (lowercase, 1-30 characters) -> `ChannelConfig`;
    `routes`: severity (`paging`, `notify`) -> the channel names it reaches. Both
    severities must reach someone, every route names a channel of `channels`, and every
    channel is on some route.
    """

    slack_workspace: str | None = Field(default=None, min_length=1, max_length=255)
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    routes: dict[Severity, list[str]] = Field(default_factory=dict)

    @field_validator("channels")
    @classmethod
    def _channel_names(cls, channels: dict[str, ChannelConfig]) -> dict[str, ChannelConfig]:
        bad = [name for name in channels if not _CHANNEL_NAME.match(name)]
        if bad:
            raise ValueError(
                f"channel names {bad} must be 1-30 lowercase letters, digits and '-', "
                "starting with a letter (they become part of resource names)"
            )
        return channels

    @model_validator(mode="after")
    def _routes(self) -> AlarmsConfig:
        known = ", ".join(sorted(self.channels)) or "none"
        for severity in Severity:
            names = self.routes.get(severity) or []
            if not names:
                raise ValueError(
                    f"routes.{severity.value} names no channel: {severity.value} alarms would "
                    f"reach nobody; route it to one or more of the channels ({known})"
                )
            unknown = [n for n in names if n not in self.channels]
            if unknown:
                raise ValueError(
                    f"routes.{severity.value} names {', '.join(repr(n) for n in unknown)}, "
                    f"which is not a channel; channels: {known}"
                )
            if len(set(names)) != len(names):
                raise ValueError(f"routes.{severity.value} names a channel twice: {names}")
        routed = {n for names in self.routes.values() for n in names}
        unused = sorted(set(self.channels) - routed)
        if unused:
            raise ValueError(f"channels {unused} are on no route; route them or remove them")
        if any(c.slack for c in self.channels.values()) and not self.slack_workspace:
            raise ValueError("a slack channel needs slackWorkspace (the workspace's name)")
        return self

    def channels_of(self, severity: Severity) -> list[str]:
        return list(self.routes.get(severity) or [])

    def severities_of(self, channel: str) -> list[Severity]:
        return [s for s in Severity if channel in self.channels_of(s)]


class MigrationsConfig(_Model):
    """`migrations`: the one-off ECS task that migrates the database before a release serves.

    `command`: the container command in exec form (`[python, -m, aevon.migrate]`), run in
    the `api` image of the release with the api's database credentials; `cpu` (CPU units)
    and `memory` (MiB), a pair Fargate offers; `timeoutMinutes` (1-240): how long the
    deploy waits before it stops the task and the release.
    """

    command: list[str] = Field(min_length=1)
    cpu: int = 256
    memory: int = 512
    timeout_minutes: int = Field(default=15, ge=1, le=240)

    @field_validator("command", mode="before")
    @classmethod
    def _command(cls, command: Any) -> Any:
        if isinstance(command, list) and (
            not command or any(not isinstance(p, str) or not p.strip() for p in command)
        ):
            raise ValueError(
                "must name the migration command in exec form, every part non-empty, "
                "e.g. [python, -m, aevon.migrate]"
            )
        return command

    @model_validator(mode="after")
    def _size(self) -> MigrationsConfig:
        if self.memory not in FARGATE_MEMORY.get(self.cpu, ()):
            sizes = ", ".join(f"{c}: {list(m)}" for c, m in FARGATE_MEMORY.items())
            raise ValueError(
                f"Fargate offers no task of cpu {self.cpu} with memory {self.memory}; {sizes}"
            )
        return self


class BudgetConfig(_Model):
    """`budget`: an AWS Budgets cost budget over the stack's tags (Project, Environment).

    `monthlyLimitUsd` (US dollars, more than 0); `actualAlertPercent` and
    `forecastAlertPercent`: percentages of the limit (0.1 up, AWS Budgets' range) at which
    actual and forecast monthly cost notify the stack's notify route.
    """

    monthly_limit_usd: float
    actual_alert_percent: list[float] = Field(default_factory=lambda: [80.0, 100.0])
    forecast_alert_percent: list[float] = Field(default_factory=lambda: [100.0])

    @field_validator("monthly_limit_usd")
    @classmethod
    def _limit(cls, limit: float) -> float:
        if limit <= 0:
            raise ValueError("must be more than 0 US dollars: a budget of 0 or less alerts always")
        return limit

    @field_validator("actual_alert_percent", "forecast_alert_percent")
    @classmethod
    def _thresholds(cls, percents: list[float]) -> list[float]:
        low, high = BUDGET_THRESHOLD_PERCENT
        bad = [p for p in percents if not low <= p <= high]
        if bad:
            raise ValueError(f"thresholds {bad} are outside AWS Budgets' {low}-{high:,} percent")
        if len(set(percents)) != len(percents):
            raise ValueError(f"a threshold appears twice: {percents}")
        return sorted(percents)

    @model_validator(mode="after")
    def _notifications(self) -> BudgetConfig:
        count = len(self.actual_alert_percent) + len(self.forecast_alert_percent)
        if count == 0:
            raise ValueError("give at least one actual or forecast alert percent")
        if count > BUDGET_MAX_NOTIFICATIONS:
            raise ValueError(
                f"{count} thresholds: a budget takes at most {BUDGET_MAX_NOTIFICATIONS} "
                "notifications (actual and forecast together)"
            )
        return self

    def lowest_alert_usd(self) -> float:
        """The smallest monthly cost (USD) at which the budget notifies."""
        return (
            self.monthly_limit_usd
            * min(self.actual_alert_percent + self.forecast_alert_percent)
            / 100
        )


class ErrorTrackingConfig(_Model):
    """`errorTracking`: `enabled` hands every service the DSN of the stack's error tracker
    (Sentry or any such endpoint) as `SENTRY_DSN`, a Secrets Manager reference; the DSN
    itself is the secret `aevon:errorTrackingDsn`."""

    enabled: bool


def is_https_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname)


# ------------------------------------------------------------------ operator values
@dataclass(frozen=True)
class OperatorValue:
    """A value the stack file cannot hold because someone else hands it out.

    `key`: the full config path (`aevon:pagerUrls.pagerduty`); `kind`: `slack-channel-id`,
    `pager-url` or `error-tracking-dsn`; `secret`: set with `--secret`; `what`: where the
    value comes from.
    """

    key: str
    kind: str
    secret: bool
    what: str

    def command(self, stack: str) -> str:
        secret = " --secret" if self.secret else ""
        placeholder = {"slack-channel-id": "<CHANNEL_ID>", "pager-url": "<INTEGRATION_URL>",
                       "error-tracking-dsn": "<DSN>"}[self.kind]  # fmt: skip
        return f"pulumi config set{secret} --stack {stack} --path '{self.key}' {placeholder}"


def _section(raw: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(f"{PROJECT_NAMESPACE}:{key}")
    if isinstance(value, str) and value[:1] == "{":
        import json  # noqa: PLC0415 - only for text config

        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


def operator_values(raw: Mapping[str, Any]) -> list[OperatorValue]:
    """The operator-set values a stack's raw config asks for (set or not).

    Pure and tolerant: reads the declarations (`alarms.channels`, `errorTracking`) as
    they stand; validation reports anything malformed. The offline engine stands in for
    the ones a stack file leaves unset, and `aevon plan --first-deploy` lists them as
    prerequisites with `OperatorValue.command`.
    """
    found: list[OperatorValue] = []
    channels = _section(raw, "alarms").get("channels")
    for name, channel in sorted((channels if isinstance(channels, dict) else {}).items()):
        if not isinstance(channel, dict):
            continue
        if channel.get("slack"):
            found.append(
                OperatorValue(
                    f"{PROJECT_NAMESPACE}:alarms.channels.{name}.slackChannelId",
                    "slack-channel-id",
                    False,
                    f"the id Slack gave channel {channel['slack']} (channel details, About)",
                )
            )
        if channel.get("pager") is True:
            found.append(
                OperatorValue(
                    f"{PAGER_URLS_KEY}.{name}",
                    "pager-url",
                    True,
                    f"the HTTPS integration URL of pager channel {name} (the pager service's "
                    "Amazon CloudWatch or SNS integration)",
                )
            )
    if _section(raw, "errorTracking").get("enabled") in (True, "true"):
        found.append(
            OperatorValue(
                ERROR_TRACKING_DSN_KEY,
                "error-tracking-dsn",
                True,
                "the DSN of the stack's error-tracking project (Sentry: Project Settings, "
                "Client Keys)",
            )
        )
    return found
