"""`AlarmRouting`: the stack's alarm topics, one per severity, and the people they reach.

Every CloudWatch alarm has a severity (`infra.config.Severity`): `paging` or `notify`.
Each severity has its own SNS topic; `alarms.routes` in the stack file says which
channels each topic reaches:

- a Slack channel, through AWS Chatbot: one `SlackChannelConfiguration` per channel,
  subscribed to the topics of the severities routed to it. Chatbot posts the alarm
  (and its graph) in the channel; it assumes a role that may only read CloudWatch, and
  channel members are capped by a CloudWatch read-only guardrail. Chatbot needs no
  secret: the workspace is authorized once in its console (OAuth), its id is looked up
  by name.
- an on-call pager: an HTTPS subscription to the pager's integration URL (PagerDuty,
  Opsgenie...), which is secret config and stays secret in state and outputs.
- an email address (its owner confirms the subscription).

The notify topic also receives the stack's AWS Budgets notifications: its policy admits
budgets.amazonaws.com for this account (and the stack's key admits it where the topics
are encrypted, `infra.aws.kms`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.limits import CHATBOT_API_REGION
from infra.aws.policy_documents import deny_insecure_transport
from infra.config import AlarmsConfig, Severity

# What channel members may do through Chatbot at most (its guardrail), and what the
# role Chatbot assumes to render alarm notifications may read.
CHATBOT_GUARDRAIL = "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"
CHATBOT_READS_ANYWHERE = [
    # These take only "*" (service authorization reference).
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:GetMetricWidgetImage",
    "cloudwatch:ListMetrics",
]


@dataclass(frozen=True, kw_only=True)
class AlarmTopics:
    """The SNS topic ARN of each severity: what `metric_alarm` notifies."""

    paging: pulumi.Input[str]
    notify: pulumi.Input[str]

    def arn(self, severity: Severity) -> pulumi.Input[str]:
        return self.paging if severity is Severity.PAGING else self.notify


@dataclass(frozen=True, kw_only=True)
class AlarmRoutingArgs:
    """What `AlarmRouting` is built from: the `alarms` section plus its wiring.

    - `settings`: `slack_workspace` (the name of the Slack workspace authorized in AWS
      Chatbot), `channels` (name -> a Slack channel and its id, a pager, or an email)
      and `routes` (severity -> channel names); `infra.config.AlarmsConfig` checks them.
    - `pager_urls`: pager channel name -> its HTTPS integration URL (the `aevon:pagerUrls`
      secret config); the component keeps each a Pulumi secret.
    - `kms_key_arn`: the stack's customer-managed key for the topics, or None for
      unencrypted topics (CloudWatch cannot publish to topics under the AWS-managed
      aws/sns key; alarm notifications carry no data beyond metric names).

    Raises ValueError ("AlarmRoutingArgs: ...") when a pager channel has no URL.
    """

    settings: AlarmsConfig
    pager_urls: Mapping[str, str] = field(default_factory=dict)
    kms_key_arn: pulumi.Input[str] | None = None

    def __post_init__(self) -> None:
        missing = [
            n for n, c in self.settings.channels.items() if c.pager and n not in self.pager_urls
        ]
        if missing:
            raise ValueError(f"AlarmRoutingArgs: pager channels {missing} have no URL")


class AlarmRouting(pulumi.ComponentResource):
    topics: AlarmTopics
    topic_arns: dict[Severity, pulumi.Output[str]]
    chat_configuration_arns: dict[str, pulumi.Output[str]]
    routes: dict[str, list[str]]

    def __init__(
        self, name: str, args: AlarmRoutingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        # Was `aevon:observability:AlarmTopic` (one topic): the alias keeps the notify
        # topic, its policy and their URNs, so the refactor replaces nothing.
        super().__init__(
            "aevon:observability:AlarmRouting",
            name,
            None,
            pulumi.ResourceOptions.merge(
                opts,
                pulumi.ResourceOptions(
                    aliases=[pulumi.Alias(type_="aevon:observability:AlarmTopic")]
                ),
            ),
        )
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        settings = args.settings

        # The notify topic keeps the names it had as the stack's only alarm topic.
        logical = {Severity.NOTIFY: name, Severity.PAGING: f"{name}-paging"}
        self.topic_arns = {}
        for severity in (Severity.NOTIFY, Severity.PAGING):
            base = logical[severity]
            topic = aws.sns.Topic(
                f"{base}-topic",
                name=naming.physical_name(base, max_length=256),
                kms_master_key_id=args.kms_key_arn,
                opts=child,
            )
            statements: list[dict[str, object]] = [
                {
                    "Sid": "CloudWatchAlarmsOfThisAccount",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic.arn,
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
            ]
            if severity is Severity.NOTIFY:
                # The stack's budget notifies here (AWS Billing User Guide, "Creating an
                # Amazon SNS topic for budget notifications").
                statements.append(
                    {
                        "Sid": "BudgetsOfThisAccount",
                        "Effect": "Allow",
                        "Principal": {"Service": "budgets.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": topic.arn,
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": account},
                            "ArnLike": {
                                "aws:SourceArn": pulumi.Output.format(
                                    "arn:aws:budgets::{0}:*", account
                                )
                            },
                        },
                    }
                )
            statements.append(deny_insecure_transport("sns:Publish", topic.arn))
            aws.sns.TopicPolicy(
                f"{base}-policy",
                arn=topic.arn,
                policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
                opts=child,
            )
            self.topic_arns[severity] = topic.arn

        self.chat_configuration_arns = {}
        slack = {n: c for n, c in settings.channels.items() if c.slack}
        if slack:
            self._chat(name, args, slack, account)
        for channel, config in settings.channels.items():
            if config.slack:
                continue
            for severity in settings.severities_of(channel):
                endpoint: pulumi.Input[str] = (
                    pulumi.Output.secret(args.pager_urls[channel])
                    if config.pager
                    else str(config.email)
                )
                aws.sns.TopicSubscription(
                    f"{name}-{severity.value}-{channel}",
                    topic=self.topic_arns[severity],
                    protocol="https" if config.pager else "email",
                    endpoint=endpoint,
                    # A pager confirms its subscription itself; an address's owner must.
                    endpoint_auto_confirms=True if config.pager else None,
                    # The integration URL is the pager's credential: secret in state too.
                    opts=pulumi.ResourceOptions(
                        parent=self,
                        additional_secret_outputs=["endpoint"] if config.pager else None,
                    ),
                )

        self.topics = AlarmTopics(
            paging=self.topic_arns[Severity.PAGING], notify=self.topic_arns[Severity.NOTIFY]
        )
        self.routes = {
            s.value: [_describe(c, settings) for c in settings.channels_of(s)] for s in Severity
        }
        self.register_outputs(
            {
                "topicArns": {s.value: arn for s, arn in self.topic_arns.items()},
                "routes": self.routes,
            }
        )

    def _chat(
        self,
        name: str,
        args: AlarmRoutingArgs,
        channels: Mapping[str, object],
        account: pulumi.Output[str],
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings
        role = aws.iam.Role(
            f"{name}-chatbot-role",
            name=naming.physical_name(f"{name}-chatbot", max_length=64),
            description="AWS Chatbot: reads the stack's alarms and metrics to post them",
            assume_role_policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "chatbot.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=child,
        )
        region = aws.get_region_output(opts=pulumi.InvokeOptions(parent=self)).region
        aws.iam.RolePolicy(
            f"{name}-chatbot-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DescribeTheStacksAlarms",
                            "Effect": "Allow",
                            "Action": ["cloudwatch:DescribeAlarms"],
                            "Resource": [
                                pulumi.Output.format(
                                    "arn:aws:cloudwatch:{0}:{1}:alarm:{2}-*",
                                    region,
                                    account,
                                    naming.prefix(),
                                )
                            ],
                        },
                        {
                            "Sid": "ReadMetricsForTheGraphs",
                            "Effect": "Allow",
                            "Action": CHATBOT_READS_ANYWHERE,
                            "Resource": "*",
                        },
                    ],
                }
            ),
            opts=child,
        )
        workspace = aws.chatbot.get_slack_workspace_output(
            slack_team_name=settings.slack_workspace,
            region=CHATBOT_API_REGION,
            opts=pulumi.InvokeOptions(parent=self),
        )
        for channel in channels:
            config = settings.channels[channel]
            topics: Sequence[pulumi.Input[str]] = [
                self.topic_arns[s] for s in settings.severities_of(channel)
            ]
            chat = aws.chatbot.SlackChannelConfiguration(
                f"{name}-chat-{channel}",
                configuration_name=naming.physical_name(f"{name}-{channel}", max_length=128),
                iam_role_arn=role.arn,
                slack_team_id=workspace.slack_team_id,
                slack_channel_id=str(config.slack_channel_id),
                sns_topic_arns=list(topics),
                guardrail_policy_arns=[CHATBOT_GUARDRAIL],
                user_authorization_required=True,
                logging_level="ERROR",
                # Chatbot's API answers in one region (infra.aws.limits.CHATBOT_API_REGION).
                region=CHATBOT_API_REGION,
                opts=child,
            )
            self.chat_configuration_arns[channel] = chat.chat_configuration_arn


def _describe(channel: str, settings: AlarmsConfig) -> str:
    config = settings.channels[channel]
    if config.slack:
        return f"slack {config.slack} ({channel})"
    if config.pager:
        return f"pager {channel} (HTTPS, URL secret)"
    return f"email {config.email} ({channel})"


def metric_alarm(
    name: str,
    *,
    parent: pulumi.Resource,
    description: str,
    topics: AlarmTopics,
    severity: Severity,
    threshold: float,
    comparison: str,
    evaluation_periods: int,
    namespace: str | None = None,
    metric_name: str | None = None,
    dimensions: Mapping[str, pulumi.Input[str]] | None = None,
    statistic: str | None = None,
    extended_statistic: str | None = None,
    metric_queries: Sequence[aws.cloudwatch.MetricAlarmMetricQueryArgs] | None = None,
    treat_missing_data: str = "notBreaching",
) -> aws.cloudwatch.MetricAlarm:
    """A one-minute CloudWatch alarm that notifies its severity's topic on alarm and recovery.

    Either a single metric (namespace, metric_name, dimensions and a statistic) or
    metric-math `metric_queries`. The description starts with the severity (`[paging]`),
    which Chatbot, the pager and email show first; the `Severity` tag carries it too.
    """
    single = metric_queries is None
    topic_arn = topics.arn(severity)
    return aws.cloudwatch.MetricAlarm(
        name,
        name=naming.physical_name(name, max_length=255),
        alarm_description=f"[{severity.value}] {description}",
        namespace=namespace,
        metric_name=metric_name,
        dimensions=dimensions,
        statistic=statistic,
        extended_statistic=extended_statistic,
        period=60 if single else None,
        metric_queries=metric_queries,
        evaluation_periods=evaluation_periods,
        threshold=threshold,
        comparison_operator=comparison,
        treat_missing_data=treat_missing_data,
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        tags={"Severity": severity.value},
        opts=pulumi.ResourceOptions(parent=parent),
    )


def dead_letter_alarm(
    name: str,
    *,
    parent: pulumi.Resource,
    description: str,
    topics: AlarmTopics,
    queue_name: pulumi.Input[str],
) -> aws.cloudwatch.MetricAlarm:
    """Pages on the first message in a dead-letter queue: it failed every retry and no
    one will process it unless a person looks (one rule for every DLQ of the stack)."""
    return metric_alarm(
        name,
        parent=parent,
        description=description,
        topics=topics,
        severity=Severity.PAGING,
        namespace="AWS/SQS",
        metric_name="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue_name},
        statistic="Maximum",
        evaluation_periods=1,
        threshold=0,
        comparison="GreaterThanThreshold",
    )


def function_errors_alarm(
    name: str,
    *,
    parent: pulumi.Resource,
    description: str,
    topics: AlarmTopics,
    function_name: pulumi.Input[str],
    errors: int,
    minutes: int,
) -> aws.cloudwatch.MetricAlarm:
    """Notifies when a Lambda function's `Errors` sum exceeds `errors` in each of
    `minutes` consecutive one-minute periods."""
    return metric_alarm(
        name,
        parent=parent,
        description=description,
        topics=topics,
        severity=Severity.NOTIFY,
        namespace="AWS/Lambda",
        metric_name="Errors",
        dimensions={"FunctionName": function_name},
        statistic="Sum",
        evaluation_periods=minutes,
        threshold=errors,
        comparison="GreaterThanThreshold",
    )
