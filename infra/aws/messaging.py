"""`MessagePipeline`: the SQS queues of the blueprint, each with its own dead-letter queue.

    API -> ingest Lambda -> inbound-gateway -> core-worker (replica) -> source-replica
        -> core-worker (norm) -> normalised -> delivery-worker (outbound prep)
        -> outbound (FIFO) -> delivery-worker (executor) -> Aurora
    core-worker / delivery-worker -.-> fetch-request -> ingest Lambda   (self-healing loop)

Every queue is encrypted (SSE-SQS or the stack's KMS key), refuses non-TLS
requests, and redrives to a dead-letter queue that only it may use. Alarms on
DLQ depth and on the age of the oldest message notify the stack's alarm topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.alarms import metric_alarm
from infra.aws.policy_documents import deny_insecure_transport

DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # the SQS maximum


class QueueRole(StrEnum):
    INBOUND_GATEWAY = "inbound-gateway"
    SOURCE_REPLICA = "source-replica"
    NORMALISED = "normalised"
    OUTBOUND = "outbound"
    FETCH_REQUEST = "fetch-request"


@dataclass(frozen=True)
class QueueSpec:
    fifo: bool
    consumer: str
    # Longer than the consumer can hold a message: 6x a Lambda's timeout (AWS's
    # guidance for event source mappings), or a worker's maximum processing time.
    visibility_timeout_seconds: int


INGEST_LAMBDA_TIMEOUT_SECONDS = 30
WORKER_MAX_PROCESSING_SECONDS = 120

QUEUES: dict[QueueRole, QueueSpec] = {
    QueueRole.INBOUND_GATEWAY: QueueSpec(False, "core-worker", 2 * WORKER_MAX_PROCESSING_SECONDS),
    QueueRole.SOURCE_REPLICA: QueueSpec(False, "core-worker", 2 * WORKER_MAX_PROCESSING_SECONDS),
    QueueRole.NORMALISED: QueueSpec(False, "delivery-worker", 2 * WORKER_MAX_PROCESSING_SECONDS),
    QueueRole.OUTBOUND: QueueSpec(True, "delivery-worker", 2 * WORKER_MAX_PROCESSING_SECONDS),
    QueueRole.FETCH_REQUEST: QueueSpec(False, "ingest-lambda", 6 * INGEST_LAMBDA_TIMEOUT_SECONDS),
}


@dataclass(frozen=True, kw_only=True)
class MessagePipelineArgs:
    max_receive_count: int
    message_retention_days: int
    oldest_message_alarm_seconds: int
    alarm_topic_arn: pulumi.Input[str]
    outbound_high_throughput: bool = False
    # "sqs": SQS-managed keys (SSE-SQS); "kms": the stack's key, which must then be given.
    encryption: str = "sqs"
    kms_key_arn: pulumi.Input[str] | None = None
    # protect (from config) on what holds data: log groups, queues, secrets, keys.
    protect: bool = False

    def __post_init__(self) -> None:
        problems = []
        if self.encryption not in ("sqs", "kms"):
            problems.append(f"encryption must be 'sqs' or 'kms', got {self.encryption!r}")
        if self.encryption == "kms" and self.kms_key_arn is None:
            problems.append("encryption 'kms' needs kms_key_arn")
        if not 1 <= self.max_receive_count <= 1000:
            problems.append(f"max_receive_count must be 1-1000, got {self.max_receive_count}")
        if not 1 <= self.message_retention_days <= 14:
            problems.append(
                f"message_retention_days must be 1-14, got {self.message_retention_days}"
            )
        if problems:
            raise ValueError("MessagePipelineArgs: " + "; ".join(problems))


class MessagePipeline(pulumi.ComponentResource):
    queue_urls: dict[QueueRole, pulumi.Output[str]]
    queue_arns: dict[QueueRole, pulumi.Output[str]]
    queue_names: dict[QueueRole, pulumi.Output[str]]
    dlq_arns: dict[QueueRole, pulumi.Output[str]]

    def __init__(
        self, name: str, args: MessagePipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:messaging:MessagePipeline", name, None, opts)
        self.queue_urls, self.queue_arns, self.queue_names, self.dlq_arns = {}, {}, {}, {}
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
        self, name: str, role: QueueRole, spec: QueueSpec, args: MessagePipelineArgs
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        base = f"{name}-{role.value}"
        suffix = ".fifo" if spec.fifo else ""
        kms = args.kms_key_arn if args.encryption == "kms" else None
        # Exactly one of SSE-SQS or SSE-KMS; unset arguments stay None.
        encryption = {
            "sqs_managed_sse_enabled": True if kms is None else None,
            "kms_data_key_reuse_period_seconds": 300 if kms is not None else None,
        }

        dlq = aws.sqs.Queue(
            f"{base}-dlq",
            name=naming.physical_name(f"{base}-dlq", max_length=80 - len(suffix)) + suffix,
            message_retention_seconds=DLQ_RETENTION_SECONDS,
            fifo_queue=spec.fifo or None,
            content_based_deduplication=spec.fifo or None,
            sqs_managed_sse_enabled=encryption["sqs_managed_sse_enabled"],
            kms_master_key_id=kms,
            kms_data_key_reuse_period_seconds=encryption["kms_data_key_reuse_period_seconds"],
            opts=stateful,
        )
        high_throughput = spec.fifo and args.outbound_high_throughput
        queue = aws.sqs.Queue(
            base,
            name=naming.physical_name(base, max_length=80 - len(suffix)) + suffix,
            visibility_timeout_seconds=spec.visibility_timeout_seconds,
            message_retention_seconds=args.message_retention_days * 24 * 3600,
            receive_wait_time_seconds=20,  # long polling: fewer empty receives, lower cost
            redrive_policy=pulumi.Output.json_dumps(
                {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": args.max_receive_count}
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

        metric_alarm(
            f"{base}-dlq-not-empty",
            parent=self,
            description=f"Messages from {role.value} reached its dead-letter queue",
            topic_arn=args.alarm_topic_arn,
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dlq.name},
            statistic="Maximum",
            evaluation_periods=1,
            threshold=0,
            comparison="GreaterThanThreshold",
        )
        metric_alarm(
            f"{base}-oldest-message",
            parent=self,
            description=(
                f"{role.value}: a message has waited over {args.oldest_message_alarm_seconds}s "
                f"(is {spec.consumer} keeping up?)"
            ),
            topic_arn=args.alarm_topic_arn,
            namespace="AWS/SQS",
            metric_name="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": queue.name},
            statistic="Maximum",
            evaluation_periods=5,
            threshold=args.oldest_message_alarm_seconds,
            comparison="GreaterThanThreshold",
        )
        self.queue_urls[role] = queue.url
        self.queue_arns[role] = queue.arn
        self.queue_names[role] = queue.name
        self.dlq_arns[role] = dlq.arn
