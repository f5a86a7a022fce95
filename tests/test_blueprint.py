"""The blueprint's facts, and the queue table derived from its arrows."""

from __future__ import annotations

import dataclasses

import pytest

from infra.blueprint import (
    IMAGES,
    INGEST,
    QUEUES,
    ROUTES,
    SERVICES,
    QueueRole,
    Service,
    derive_queues,
)


def test_every_queue_has_its_one_consumer_from_the_diagram() -> None:
    assert {role: q.consumer for role, q in QUEUES.items()} == {
        QueueRole.INBOUND_GATEWAY: "core-worker",
        QueueRole.SOURCE_REPLICA: "core-worker",
        QueueRole.NORMALISED: "delivery-worker",
        QueueRole.OUTBOUND: "delivery-worker",
        QueueRole.FETCH_REQUEST: "ingest-lambda",
    }
    assert QUEUES[QueueRole.INBOUND_GATEWAY].producers == ("ingest-lambda",)
    assert QUEUES[QueueRole.FETCH_REQUEST].producers == ("core-worker", "delivery-worker")


def test_visibility_timeouts_outlast_what_the_consumer_can_hold() -> None:
    for role, queue in QUEUES.items():
        if queue.consumer == INGEST.label:
            assert queue.visibility_timeout_seconds == 6 * INGEST.timeout_seconds, role
        else:
            assert queue.visibility_timeout_seconds == 240, role
    assert [role for role, q in QUEUES.items() if q.fifo] == [QueueRole.OUTBOUND]


def test_a_queue_nobody_consumes_is_refused() -> None:
    services = dict(SERVICES)
    services[Service.DELIVERY_WORKER] = dataclasses.replace(
        SERVICES[Service.DELIVERY_WORKER], consumes=(QueueRole.OUTBOUND,)
    )
    with pytest.raises(ValueError, match=r"queue normalised needs exactly one consumer"):
        derive_queues(services, INGEST)


def test_a_queue_read_by_two_workloads_is_refused() -> None:
    services = dict(SERVICES)
    services[Service.API] = dataclasses.replace(
        SERVICES[Service.API], consumes=(QueueRole.OUTBOUND,)
    )
    with pytest.raises(ValueError, match=r"consumers \['api', 'delivery-worker'\]"):
        derive_queues(services, INGEST)


def test_routes_have_one_default_and_distinct_ports() -> None:
    assert set(ROUTES) == {Service.API, Service.WEB}
    defaults = [s for s, r in ROUTES.items() if not r.path_patterns]
    assert defaults == [Service.WEB]
    assert ROUTES[Service.API].path_patterns == ("/api/*",)
    ports = [r.port for r in ROUTES.values()]
    assert len(set(ports)) == len(ports)


def test_images_are_the_repositories_the_services_need() -> None:
    assert IMAGES == ("api", "web", "worker")
    assert SERVICES[Service.CORE_WORKER].image == SERVICES[Service.DELIVERY_WORKER].image
