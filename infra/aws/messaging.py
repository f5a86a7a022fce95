"""`MessagePipeline`: the SQS queues of the blueprint, each with its own dead-letter queue.

The queues, which are FIFO, their visibility timeouts and who consumes each come
from `infra.blueprint.QUEUES` (see the diagram there). Every queue is encrypted
(SSE-SQS or the stack's KMS key), refuses non-TLS requests, and redrives to a
dead-letter queue that only it may use. Alarms on DLQ depth and on the age of the
oldest message notify the stack's alarm topic.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.alarms import AlarmTopics, dead_letter_alarm, metric_alarm
from infra.aws.limits import SQS_MAX_RETENTION_SECONDS
from infra.aws.policy_documents import deny_insecure_transport
from infra.blueprint import QUEUES, QueueRole, QueueShape
from infra.config import MessagingConfig, QueueEncryption, Severity


@dataclass(frozen=True, kw_only=True)
class MessagePipelineArgs:
    """What the `MessagePipeline` is built from: the `messaging` section plus its wiring.

    - `settings`: `max_receive_count` (1-1000 receives before a message moves to the
      DLQ), `message_retention_days` (1-14 days), `oldest_message_alarm_seconds`
      (60 s to 14 days), `encryption` (sqs: SSE-SQS; kms: the stack's key) and
      `outbound_high_throughput` (FIFO high-throughput mode for `outbound`).
      Limits: the SQS API reference (SetQueueAttributes).
    - `alarm_topics`: the stack's alarm topics (a message in a DLQ pages, an old
      message notifies).
    - `kms_key_arn`: the stack's key; required when `settings.encryption` is kms.
    - `protect`: Pulumi `protect` on every queue and DLQ (from config).

    Raises ValueError when `settings.encryption` is kms and no key is given.
    """

    settings: MessagingConfig
    alarm_topics: AlarmTopics
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False

    def __post_init__(self) -> None:
        # Wiring, not config: without the key, "kms" would silently fall back to SSE-SQS.
        if self.settings.encryption is QueueEncryption.KMS and self.kms_key_arn is None:
            raise ValueError("MessagePipelineArgs: encryption 'kms' needs kms_key_arn")


class MessagePipeline(pulumi.ComponentResource):
    queue_urls: dict[QueueRole, pulumi.Output[str]]
    queue_arns: dict[QueueRole, pulumi.Output[str]]
    queue_names: dict[QueueRole, pulumi.Output[str]]
    dlq_arns: dict[QueueRole, pulumi.Output[str]]
    dlq_names: dict[QueueRole, pulumi.Output[str]]

    def __init__(
        self, name: str, args: MessagePipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:messaging:MessagePipeline", name, None, opts)
        self.queue_urls, self.queue_arns, self.queue_names = {}, {}, {}
        self.dlq_arns, self.dlq_names = {}, {}
        for role, spec in QUEUES.items():
            self._queue(name, role, spec, args)
        self.register_outputs(
            {
                "queueUrls": {r.value: u for r, u in self.queue_urls.items()},
                "queueArns": {r.value: a for r, a in self.queue_arns.items()},
                "dlqArns": {r.value: a for r, a in self.dlq_arns.items()},
            }
        )

    def _queue(
        self, name: str, role: QueueRole, spec: QueueShape, args: MessagePipelineArgs
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        base = f"{name}-{role.value}"
        suffix = ".fifo" if spec.fifo else ""
        settings = args.settings
        kms = args.kms_key_arn if settings.encryption is QueueEncryption.KMS else None
        # Exactly one of SSE-SQS or SSE-KMS; unset arguments stay None.
        encryption = {
            "sqs_managed_sse_enabled": True if kms is None else None,
            "kms_data_key_reuse_period_seconds": 300 if kms is not None else None,
        }

        dlq = aws.sqs.Queue(
            f"{base}-dlq",
            name=naming.physical_name(f"{base}-dlq", max_length=80 - len(suffix)) + suffix,
            message_retention_seconds=SQS_MAX_RETENTION_SECONDS,
            fifo_queue=spec.fifo or None,
            content_based_deduplication=spec.fifo or None,
            sqs_managed_sse_enabled=encryption["sqs_managed_sse_enabled"],
            kms_master_key_id=kms,
            kms_data_key_reuse_period_seconds=encryption["kms_data_key_reuse_period_seconds"],
            opts=stateful,
        )
        high_throughput = spec.fifo and settings.outbound_high_throughput
        queue = aws.sqs.Queue(
            base,
            name=naming.physical_name(base, max_length=80 - len(suffix)) + suffix,
            visibility_timeout_seconds=spec.visibility_timeout_seconds,
            message_retention_seconds=settings.message_retention_days * 24 * 3600,
            receive_wait_time_seconds=20,  # long polling: fewer empty receives, lower cost
            redrive_policy=pulumi.Output.json_dumps(
                {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": settings.max_receive_count}
            ),
            fifo_queue=spec.fifo or None,
            content_based_deduplication=spec.fifo or None,
            deduplication_scope="messageGroup" if high_throughput else None,
            fifo_throughput_limit="perMessageGroupId" if high_throughput else None,
            sqs_managed_sse_enabled=encryption["sqs_managed_sse_enabled"],
            kms_master_key_id=kms,
            kms_data_key_reuse_period_seconds=encryption["kms_data_key_reuse_period_seconds"],
            opts=stateful,
        )
        # Only this queue may move messages into its DLQ.
        aws.sqs.RedriveAllowPolicy(
            f"{base}-dlq-redrive-allow",
            queue_url=dlq.url,
            redrive_allow_policy=pulumi.Output.json_dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [queue.arn]}
            ),
            opts=child,
        )
        for label, target in (("", queue), ("-dlq", dlq)):
            aws.sqs.QueuePolicy(
                f"{base}{label}-tls-only",
                queue_url=target.url,
                policy=pulumi.Output.json_dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [deny_insecure_transport("sqs:*", target.arn)],
                    }
                ),
                opts=child,
            )

        dead_letter_alarm(
            f"{base}-dlq-not-empty",
            parent=self,
            description=f"Messages from {role.value} reached its dead-letter queue",
            topics=args.alarm_topics,
            queue_name=dlq.name,
        )
        metric_alarm(
            f"{base}-oldest-message",
            parent=self,
            description=(
                f"{role.value}: a message has waited over {settings.oldest_message_alarm_seconds}s "
                f"(is {spec.consumer} keeping up?)"
            ),
            topics=args.alarm_topics,
            severity=Severity.NOTIFY,
            namespace="AWS/SQS",
            metric_name="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": queue.name},
            statistic="Maximum",
            evaluation_periods=5,
            threshold=settings.oldest_message_alarm_seconds,
            comparison="GreaterThanThreshold",
        )
        self.queue_urls[role] = queue.url
        self.queue_arns[role] = queue.arn
        self.queue_names[role] = queue.name
        self.dlq_arns[role] = dlq.arn
        self.dlq_names[role] = dlq.name
