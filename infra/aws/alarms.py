"""`AlarmTopic`: the SNS topic every CloudWatch alarm of the stack notifies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.policy_documents import deny_insecure_transport
from infra.config import AlarmsConfig


@dataclass(frozen=True, kw_only=True)
class AlarmTopicArgs:
    """What the `AlarmTopic` is built from.

    - `settings`: the stack's `alarms` section: `emails` (0-10 addresses, each
      subscribed by email; the owner must confirm the subscription).
    - `kms_key_arn`: the stack's customer-managed key. Without one the topic is
      unencrypted: CloudWatch cannot publish to a topic under the AWS-managed
      aws/sns key, and alarm notifications carry no data beyond metric names.
    """

    settings: AlarmsConfig
    kms_key_arn: pulumi.Input[str] | None = None


class AlarmTopic(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: AlarmTopicArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:observability:AlarmTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        topic = aws.sns.Topic(
            f"{name}-topic",
            name=naming.physical_name(name, max_length=256),
            kms_master_key_id=args.kms_key_arn,
            opts=child,
        )
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id
        aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=topic.arn,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudWatchAlarmsOfThisAccount",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": topic.arn,
                            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                        },
                        deny_insecure_transport("sns:Publish", topic.arn),
                    ],
                }
            ),
            opts=child,
        )
        for index, email in enumerate(args.settings.emails):
            aws.sns.TopicSubscription(
                f"{name}-email-{index}",
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                opts=child,
            )
        self.topic_arn = topic.arn
        self.register_outputs({"topicArn": self.topic_arn})


def metric_alarm(
    name: str,
    *,
    parent: pulumi.Resource,
    description: str,
    topic_arn: pulumi.Input[str],
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
    """A one-minute CloudWatch alarm that notifies `topic_arn` on alarm and on recovery.

    Either a single metric (namespace, metric_name, dimensions and a statistic) or
    metric-math `metric_queries`.
    """
    single = metric_queries is None
    return aws.cloudwatch.MetricAlarm(
        name,
        name=naming.physical_name(name, max_length=255),
        alarm_description=description,
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
        opts=pulumi.ResourceOptions(parent=parent),
    )
