"""The blueprint: the platform's services, the queues between them, and who uses which.

The one source of these facts. The load balancer's targets (`ROUTES`), the
services' wiring (`AppServices`), the queue pipeline and its alarms
(`MessagePipeline`), the ingestion function's queues and the config's check that
every image has a repository all derive from here; no other module names a
port, an image or a queue arrow.

    API -> ingest Lambda -> inbound-gateway -> core-worker (replica) -> source-replica
        -> core-worker (norm) -> normalised -> delivery-worker (outbound prep)
        -> outbound (FIFO) -> delivery-worker (executor) -> Aurora
    core-worker / delivery-worker -.-> fetch-request -> ingest Lambda   (self-healing loop)

Pure data: no Pulumi, no AWS; importing it creates nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Service(StrEnum):
    """The ECS services; each gets its own security group, roles and task definition."""

    API = "api"
    WEB = "web"
    CORE_WORKER = "core-worker"
    DELIVERY_WORKER = "delivery-worker"


class QueueRole(StrEnum):
    """The SQS queues of the pipeline, by what they carry."""

    INBOUND_GATEWAY = "inbound-gateway"
    SOURCE_REPLICA = "source-replica"
    NORMALISED = "normalised"
    OUTBOUND = "outbound"
    FETCH_REQUEST = "fetch-request"


@dataclass(frozen=True, kw_only=True)
class Route:
    """How the public load balancer reaches a service.

    - `port`: the TCP port the service's container listens on (1-65535); the
      target group and the service's security-group opening use it.
    - `path_patterns`: ALB path patterns (e.g. `/api/*`) forwarded to the service;
      empty means the listener's default route (every path no rule matches).
    - `health_check_path`: the path the target group probes on `port`; the image
      must answer it with HTTP 200.
    """

    port: int
    path_patterns: tuple[str, ...] = ()
    health_check_path: str = "/health"


@dataclass(frozen=True, kw_only=True)
class ServiceShape:
    """What one service is: the image it runs, how it is reached, and its queue arrows.

    - `image`: the image name; its ECR repository is the account's `aevon/<image>`
      (a repository of kind services in `github.repositories` must build it).
    - `route`: served behind the public load balancer when set.
    - `consumes` / `produces`: the queues it receives from / sends to; its task
      role gets exactly these queues, and queue-consuming services scale on them.
    """

    image: str
    route: Route | None = None
    consumes: tuple[QueueRole, ...] = ()
    produces: tuple[QueueRole, ...] = ()


Q = QueueRole
SERVICES: dict[Service, ServiceShape] = {
    Service.API: ServiceShape(image="api", route=Route(port=8080, path_patterns=("/api/*",))),
    Service.WEB: ServiceShape(image="web", route=Route(port=3000)),
    # Replica logic + Norm logic
    Service.CORE_WORKER: ServiceShape(
        image="worker",
        consumes=(Q.INBOUND_GATEWAY, Q.SOURCE_REPLICA),
        produces=(Q.SOURCE_REPLICA, Q.NORMALISED, Q.FETCH_REQUEST),
    ),
    # Outbound prep + Executor
    Service.DELIVERY_WORKER: ServiceShape(
        image="worker",
        consumes=(Q.NORMALISED, Q.OUTBOUND),
        produces=(Q.OUTBOUND, Q.FETCH_REQUEST),
    ),
}


@dataclass(frozen=True, kw_only=True)
class IngestFunction:
    """The ingestion API's Lambda: the pipeline's entry and the fetch-request loop's end.

    - `label`: how alarms and the queue table name it.
    - `enqueues`: the queue every accepted request is sent to.
    - `consumes`: the queue that feeds it through an event source mapping.
    - `timeout_seconds`: the function's timeout (seconds, 1-900); API Gateway's
      integration timeout and its queue's visibility timeout derive from it.
    """

    label: str
    enqueues: QueueRole
    consumes: QueueRole
    timeout_seconds: int


INGEST = IngestFunction(
    label="ingest-lambda",
    enqueues=QueueRole.INBOUND_GATEWAY,
    consumes=QueueRole.FETCH_REQUEST,
    timeout_seconds=30,
)

# The longest a worker may hold one message (seconds).
WORKER_MAX_PROCESSING_SECONDS = 120
# Queues that keep order per message group (and deduplicate by content).
FIFO: frozenset[QueueRole] = frozenset({QueueRole.OUTBOUND})


@dataclass(frozen=True, kw_only=True)
class QueueShape:
    """One queue as the blueprint's arrows make it.

    - `consumer`: the one workload that receives from it (a `Service` value or
      `INGEST.label`).
    - `producers`: the workloads that send to it, in blueprint order.
    - `visibility_timeout_seconds`: longer than the consumer can hold a message:
      6 x the function's timeout for the Lambda (AWS's guidance for SQS event
      sources, https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html),
      2 x `WORKER_MAX_PROCESSING_SECONDS` for a worker.
    """

    fifo: bool
    consumer: str
    producers: tuple[str, ...]
    visibility_timeout_seconds: int


def derive_queues(
    services: Mapping[Service, ServiceShape], ingest: IngestFunction
) -> dict[QueueRole, QueueShape]:
    """Each queue's consumer, producers and timeout, from the services' and the function's arrows.

    Raises ValueError naming the queue when it has no consumer or more than one (a
    queue read by two workloads would split its messages), or no producer.
    """
    queues: dict[QueueRole, QueueShape] = {}
    for role in QueueRole:
        consumers = [s.value for s, shape in services.items() if role in shape.consumes]
        producers = [s.value for s, shape in services.items() if role in shape.produces]
        consumers += [ingest.label] if role is ingest.consumes else []
        producers += [ingest.label] if role is ingest.enqueues else []
        if len(consumers) != 1 or not producers:
            raise ValueError(
                f"blueprint: queue {role.value} needs exactly one consumer and at least one "
                f"producer; consumers {consumers}, producers {producers}"
            )
        (consumer,) = consumers
        hold = (
            6 * ingest.timeout_seconds
            if consumer == ingest.label
            else 2 * WORKER_MAX_PROCESSING_SECONDS
        )
        queues[role] = QueueShape(
            fifo=role in FIFO,
            consumer=consumer,
            producers=tuple(producers),
            visibility_timeout_seconds=hold,
        )
    return queues


QUEUES: dict[QueueRole, QueueShape] = derive_queues(SERVICES, INGEST)
# The services behind the public load balancer, and how it reaches each.
ROUTES: dict[Service, Route] = {s: shape.route for s, shape in SERVICES.items() if shape.route}
# The images the services run (each in the account's ECR repository `aevon/<image>`).
IMAGES: tuple[str, ...] = tuple(sorted({shape.image for shape in SERVICES.values()}))
