"""The ingestion Lambda's handler against a real SQS emulator (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.functions.ingest import handler

GOOD = {"source": "crm", "kind": "contact.updated", "payload": {"id": 7, "email": "a@b.c"}}


@pytest.fixture
def inbound(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="aevon-test-pipeline-inbound-gateway")["QueueUrl"]
        monkeypatch.setenv("INBOUND_QUEUE_URL", url)
        monkeypatch.setattr(handler, "_sqs", None)  # a client bound to the emulator
        yield sqs, url


def _received(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", [])
    return messages


def _api(body: Any) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return {"version": "2.0", "routeKey": "POST /ingest", "body": text, "isBase64Encoded": False}


def test_good_message_is_enqueued_and_answered_202(inbound: Any) -> None:
    sqs, url = inbound
    response = handler.handler(_api(GOOD))
    assert response["statusCode"] == 202
    message_id = json.loads(response["body"])["messageId"]
    (received,) = _received(sqs, url)
    assert received["MessageId"] == message_id
    assert json.loads(received["Body"]) == GOOD
    assert received["MessageAttributes"]["source"]["StringValue"] == "crm"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("{not json", "body is not valid JSON"),
        ([1, 2], "body must be a JSON object"),
        ({"kind": "x", "payload": {}}, "missing required field 'source'"),
        ({**GOOD, "source": "  "}, "field 'source' must be a non-empty str"),
        ({**GOOD, "payload": "text"}, "field 'payload' must be a non-empty dict"),
        ({**GOOD, "extra": 1}, "unknown field(s): extra"),
        ({**GOOD, "idempotencyKey": 5}, "field 'idempotencyKey' must be a str"),
        ("x" * (256 * 1024 + 1), "body is larger than"),
    ],
)
def test_bad_input_gets_400_with_a_clear_message_and_nothing_is_enqueued(
    inbound: Any, body: Any, error: str
) -> None:
    sqs, url = inbound
    response = handler.handler(_api(body))
    assert response["statusCode"] == 400
    assert error in json.loads(response["body"])["error"]
    assert _received(sqs, url) == []


def test_fetch_requests_are_re_enqueued_and_bad_records_reported(inbound: Any) -> None:
    sqs, url = inbound
    event = {
        "Records": [
            {"messageId": "ok-1", "body": json.dumps(GOOD)},
            {"messageId": "bad-1", "body": "not json"},
            {"messageId": "bad-2", "body": json.dumps({"source": "crm"})},
        ]
    }
    result = handler.handler(event)
    assert result == {
        "batchItemFailures": [{"itemIdentifier": "bad-1"}, {"itemIdentifier": "bad-2"}]
    }
    (received,) = _received(sqs, url)
    assert json.loads(received["Body"]) == {**GOOD, "fetchReason": "fetch-request"}


def test_an_sqs_failure_is_reported_per_record(
    inbound: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "INBOUND_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/missing"
    )
    event = {"Records": [{"messageId": "m-1", "body": json.dumps(GOOD)}]}
    assert handler.handler(event) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
