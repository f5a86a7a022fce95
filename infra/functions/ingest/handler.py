"""The ingestion Lambda: validates messages and enqueues them to `inbound-gateway`.

Two event shapes arrive here:

- API Gateway HTTP API (payload format 2.0), `POST /ingest` with a JSON body.
  Bad input gets 400 and a message saying what is wrong; good input is enqueued
  and answered with 202 and the SQS message id.
- SQS records from `fetch-request` (the self-healing loop: a worker found a
  missing dependency or a stale date and asks for a re-fetch). Each valid record
  is re-enqueued to `inbound-gateway`; invalid or failed records are reported
  back as `batchItemFailures`, so only they are retried and, after
  maxReceiveCount, land in the fetch-request DLQ.

Standard library and boto3 (in the Lambda runtime) only.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

MAX_BODY_BYTES = 256 * 1024  # the SQS message size limit
REQUIRED = {"source": str, "kind": str, "payload": dict}
OPTIONAL = {"idempotencyKey": str, "fetchReason": str}

_sqs = None


def _client() -> Any:
    global _sqs  # noqa: PLW0603 - one client per Lambda container, created on first use
    if _sqs is None:
        _sqs = boto3.client("sqs")
    return _sqs


class BadInputError(ValueError):
    """The message does not satisfy the ingestion contract."""


def validate(message: Any) -> dict[str, Any]:
    """The ingestion contract: {source, kind, payload} plus optional keys, nothing else."""
    if not isinstance(message, dict):
        raise BadInputError("body must be a JSON object")
    unknown = sorted(set(message) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise BadInputError(f"unknown field(s): {', '.join(unknown)}")
    for key, kind in REQUIRED.items():
        if key not in message:
            raise BadInputError(f"missing required field '{key}'")
        if not isinstance(message[key], kind) or (kind is str and not message[key].strip()):
            raise BadInputError(f"field '{key}' must be a non-empty {kind.__name__}")
    for key, kind in OPTIONAL.items():
        if key in message and not isinstance(message[key], kind):
            raise BadInputError(f"field '{key}' must be a {kind.__name__}")
    return message


def enqueue(message: dict[str, Any]) -> str:
    response = _client().send_message(
        QueueUrl=os.environ["INBOUND_QUEUE_URL"],
        MessageBody=json.dumps(message, separators=(",", ":"), sort_keys=True),
        MessageAttributes={
            "source": {"DataType": "String", "StringValue": message["source"]},
            "kind": {"DataType": "String", "StringValue": message["kind"]},
        },
    )
    return str(response["MessageId"])


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def _from_api(event: dict[str, Any]) -> dict[str, Any]:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return _response(400, {"error": "send the body as JSON text, not base64"})
    if len(raw.encode()) > MAX_BODY_BYTES:
        return _response(400, {"error": f"body is larger than {MAX_BODY_BYTES} bytes"})
    try:
        message = validate(json.loads(raw))
    except json.JSONDecodeError as exc:
        return _response(400, {"error": f"body is not valid JSON: {exc.msg}"})
    except BadInputError as exc:
        return _response(400, {"error": str(exc)})
    return _response(202, {"messageId": enqueue(message)})


def _from_fetch_requests(event: dict[str, Any]) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        try:
            message = validate(json.loads(record["body"]))
            message.setdefault("fetchReason", "fetch-request")
            enqueue(message)
        except Exception:  # any failure is this record's own: report it for retry
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    if "Records" in event:
        return _from_fetch_requests(event)
    return _from_api(event)
