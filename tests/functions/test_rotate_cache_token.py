"""The cache AUTH token rotation against botocore's Stubber: the exact calls, in order.

Each test queues the responses the AWS APIs would give and the parameters the
function must send; a call out of order, an extra call, or a missing one fails.
The protocol under test: ROTATE adds the new token, the clients are redeployed and
their rollouts COMPLETED, and only then SET removes the old token.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from infra.functions.rotate_cache_token import handler
from infra.functions.rotate_cache_token.handler import (
    ROTATING,
    SINGLE,
    STATE_TAG,
    Clock,
    RotationError,
    Settings,
)

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aevon-prod/cache/auth-token-AbCdEf"
OLD, NEW = "0" * 32, "1" * 32  # version ids
OLD_TOKEN, NEW_TOKEN = "old-token-" + "a" * 54, "new-token-" + "b" * 54
GROUP = "aevon-prod-cache"
CLUSTER = "aevon-prod-ecs"
SERVICES = ("aevon-prod-api", "aevon-prod-core-worker")
CREATED = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
SETTINGS = Settings(GROUP, CLUSTER, SERVICES, poll_seconds=15)


@dataclass
class Stubs:
    secrets: Stubber
    elasticache: Stubber
    ecs: Stubber
    clients: handler.Clients
    sleeps: list[float]
    calls: list[str]  # every API call, across the three clients, in the order made

    def clock(self, deadline: float = 10_000) -> Clock:
        now = [0.0]

        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            now[0] += seconds

        return Clock(deadline=deadline, sleep=sleep, now=lambda: now[0])

    def done(self) -> None:
        for stub in (self.secrets, self.elasticache, self.ecs):
            stub.assert_no_pending_responses()


@pytest.fixture
def stubs() -> Iterator[Stubs]:
    def client(name: str) -> Any:
        return boto3.client(
            name, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )

    clients = handler.Clients(client("secretsmanager"), client("elasticache"), client("ecs"))
    calls: list[str] = []
    for c in (clients.secrets, clients.elasticache, clients.ecs):
        c.meta.events.register(
            "provide-client-params.*.*",
            lambda model, params, **_: calls.append(_label(model, params)),
        )
    secrets, elasticache, ecs = (Stubber(c) for c in (clients.secrets, clients.elasticache,
                                                      clients.ecs))  # fmt: skip
    stubbers = [secrets, elasticache, ecs]
    for s in stubbers:
        s.activate()
    yield Stubs(secrets, elasticache, ecs, clients, [], calls)
    for s in stubbers:
        s.deactivate()


def _label(model: Any, params: dict[str, Any]) -> str:
    strategy = params.get("AuthTokenUpdateStrategy")
    return f"{model.name}:{strategy}" if strategy else model.name


def _event(step: str, token: str = NEW) -> dict[str, str]:
    return {"SecretId": ARN, "ClientRequestToken": token, "Step": step}


def _describe(s: Stubs, stages: dict[str, list[str]], state: str | None = None) -> None:
    tags = [{"Key": STATE_TAG, "Value": state}] if state else []
    s.secrets.add_response(
        "describe_secret",
        {"ARN": ARN, "RotationEnabled": True, "VersionIdsToStages": stages, "Tags": tags},
        {"SecretId": ARN},
    )


def _group(s: Stubs, status: str = "available", changed: datetime | None = None,
           pending: str | None = None) -> None:  # fmt: skip
    group: dict[str, Any] = {"ReplicationGroupId": GROUP, "Status": status}
    if changed is not None:
        group["AuthTokenLastModifiedDate"] = changed
    if pending is not None:
        group["PendingModifiedValues"] = {"AuthTokenStatus": pending}
    s.elasticache.add_response(
        "describe_replication_groups", {"ReplicationGroups": [group]}, {"ReplicationGroupId": GROUP}
    )


def _versions(s: Stubs) -> None:
    s.secrets.add_response(
        "list_secret_version_ids",
        {
            "Versions": [
                {"VersionId": OLD, "CreatedDate": CREATED - timedelta(days=30)},
                {"VersionId": NEW, "CreatedDate": CREATED},
            ]
        },
        {"SecretId": ARN},
    )


def _value(s: Stubs, token: str, version: str | None = None, stage: str = "AWSCURRENT") -> None:
    params: dict[str, Any] = {"SecretId": ARN, "VersionStage": stage}
    if version:
        params["VersionId"] = version
    s.secrets.add_response("get_secret_value", {"ARN": ARN, "SecretString": token}, params)


def _tag(s: Stubs, value: str) -> None:
    s.secrets.add_response(
        "tag_resource", {}, {"SecretId": ARN, "Tags": [{"Key": STATE_TAG, "Value": value}]}
    )


def _modify(s: Stubs, token: str, strategy: str) -> None:
    s.elasticache.add_response(
        "modify_replication_group",
        {"ReplicationGroup": {"ReplicationGroupId": GROUP, "Status": "modifying"}},
        {
            "ReplicationGroupId": GROUP,
            "AuthToken": token,
            "AuthTokenUpdateStrategy": strategy,
            "ApplyImmediately": True,
        },
    )


def _deployment(did: str, status: str = "PRIMARY", rollout: str = "IN_PROGRESS") -> dict[str, Any]:
    return {"id": did, "status": status, "rolloutState": rollout}


def _redeploy(s: Stubs, rollouts: list[dict[str, str]]) -> None:
    """update_service per client, then one describe_services per entry of `rollouts`."""
    for service in SERVICES:
        s.ecs.add_response(
            "update_service",
            {
                "service": {
                    "serviceName": service,
                    "deployments": [
                        _deployment(f"ecs-svc/{service}-new"),
                        _deployment(f"ecs-svc/{service}-old", "ACTIVE", "COMPLETED"),
                    ],
                }
            },
            {"cluster": CLUSTER, "service": service, "forceNewDeployment": True},
        )
    for states in rollouts:
        s.ecs.add_response(
            "describe_services",
            {
                "services": [
                    {
                        "serviceName": svc,
                        "deployments": [_deployment(f"ecs-svc/{svc}-new", rollout=states[svc])],
                    }
                    for svc in SERVICES
                ]
            },
            {"cluster": CLUSTER, "services": list(SERVICES)},
        )


def _run(s: Stubs, step: str, clock: Clock | None = None) -> None:
    handler.rotate(_event(step), s.clients, SETTINGS, clock or s.clock())


def test_create_puts_a_new_pending_token(stubs: Stubs) -> None:
    # RotateSecret has made version NEW with the AWSPENDING label and no value yet.
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]})
    stubs.secrets.add_client_error(
        "get_secret_value", "ResourceNotFoundException",
        expected_params={"SecretId": ARN, "VersionId": NEW, "VersionStage": "AWSPENDING"},
    )  # fmt: skip
    stubs.secrets.add_response(
        "get_random_password",
        {"RandomPassword": NEW_TOKEN},
        {"PasswordLength": 64, "ExcludePunctuation": True, "IncludeSpace": False},
    )
    stubs.secrets.add_response(
        "put_secret_value",
        {"ARN": ARN, "VersionId": NEW, "VersionStages": ["AWSPENDING"]},
        {
            "SecretId": ARN,
            "ClientRequestToken": NEW,
            "SecretString": NEW_TOKEN,
            "VersionStages": ["AWSPENDING"],
        },
    )
    _run(stubs, "createSecret")
    stubs.done()


def test_set_rotates_the_pending_token_in_and_marks_the_secret(stubs: Stubs) -> None:
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]})
    _group(stubs, changed=CREATED - timedelta(days=30))
    _versions(stubs)
    _value(stubs, NEW_TOKEN, NEW, "AWSPENDING")
    _tag(stubs, ROTATING)
    _modify(stubs, NEW_TOKEN, "ROTATE")
    _run(stubs, "setSecret")
    stubs.done()


def test_set_waits_for_an_available_group_and_runs_once(stubs: Stubs) -> None:
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]})
    _group(stubs, status="modifying", changed=CREATED - timedelta(days=30))
    _versions(stubs)
    with pytest.raises(RotationError, match="is modifying; the token can be rotated once"):
        _run(stubs, "setSecret")
    stubs.done()
    # ROTATE already applied (a retry): nothing more is sent
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]}, ROTATING)
    _group(stubs, changed=CREATED + timedelta(minutes=1))
    _versions(stubs)
    _run(stubs, "setSecret")
    stubs.done()


def _pending_and_current(s: Stubs) -> None:
    _value(s, NEW_TOKEN, NEW, "AWSPENDING")
    _value(s, OLD_TOKEN)


def test_test_step_needs_the_group_to_show_the_change(stubs: Stubs) -> None:
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]}, ROTATING)
    _pending_and_current(stubs)
    _group(stubs, status="modifying", pending="ROTATING")
    with pytest.raises(
        RotationError, match=r"still applying the new token \(modifying, ROTATING\)"
    ):
        _run(stubs, "testSecret")
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]}, ROTATING)
    _pending_and_current(stubs)
    _group(stubs, changed=CREATED - timedelta(days=1))
    _versions(stubs)
    with pytest.raises(RotationError, match="shows no token change since the new version"):
        _run(stubs, "testSecret")
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]}, ROTATING)
    _pending_and_current(stubs)
    _group(stubs, changed=CREATED + timedelta(minutes=2))
    _versions(stubs)
    _run(stubs, "testSecret")
    stubs.done()


def test_turning_rotation_on_runs_a_test_step_that_passes(stubs: Stubs) -> None:
    """RotateSecret with RotateImmediately false runs testSecret alone (the first `up`)."""
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]})
    stubs.secrets.add_client_error(
        "get_secret_value", "ResourceNotFoundException",
        expected_params={"SecretId": ARN, "VersionId": NEW, "VersionStage": "AWSPENDING"},
    )  # fmt: skip
    _run(stubs, "testSecret")
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]})
    _value(stubs, OLD_TOKEN, NEW, "AWSPENDING")  # a copy of the current value
    _value(stubs, OLD_TOKEN)
    _run(stubs, "testSecret")
    stubs.done()


def test_finish_moves_current_redeploys_the_clients_then_sets_the_new_token(
    stubs: Stubs,
) -> None:
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]}, ROTATING)
    stubs.secrets.add_response(
        "update_secret_version_stage",
        {"ARN": ARN},
        {
            "SecretId": ARN,
            "VersionStage": "AWSCURRENT",
            "MoveToVersionId": NEW,
            "RemoveFromVersionId": OLD,
        },
    )
    _value(stubs, NEW_TOKEN)
    api, worker = SERVICES
    _redeploy(
        stubs,
        [
            {api: "IN_PROGRESS", worker: "IN_PROGRESS"},
            {api: "COMPLETED", worker: "IN_PROGRESS"},
            {api: "COMPLETED", worker: "COMPLETED"},
        ],
    )
    _group(stubs, status="modifying")
    _group(stubs)
    _modify(stubs, NEW_TOKEN, "SET")  # only after every rollout COMPLETED
    _tag(stubs, SINGLE)
    _run(stubs, "finishSecret")
    stubs.done()
    assert stubs.sleeps == [15, 15, 15], "polled the rollouts twice and the group once"
    calls = stubs.calls
    last_rollout_check = max(i for i, c in enumerate(calls) if c == "DescribeServices")
    assert calls.index("ModifyReplicationGroup:SET") > last_rollout_check, (
        "the old token goes only after every client runs on the new one"
    )
    assert calls.index("UpdateSecretVersionStage") < calls.index("UpdateService"), (
        "the clients restart after AWSCURRENT moved, so they read the new token"
    )


def test_a_failed_rollout_stops_before_set_and_a_retry_finishes_it(stubs: Stubs) -> None:
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]}, ROTATING)
    stubs.secrets.add_response("update_secret_version_stage", {"ARN": ARN})
    _value(stubs, NEW_TOKEN)
    api, worker = SERVICES
    _redeploy(stubs, [{api: "COMPLETED", worker: "FAILED"}])
    with pytest.raises(RotationError, match="aevon-prod-core-worker onto the new token failed"):
        _run(stubs, "finishSecret")
    stubs.done()  # no SET was sent: the old token stays valid for the old tasks

    # Secrets Manager retries finishSecret: AWSCURRENT is already the new version, the
    # secret still says two tokens, so the clients are redeployed and the old token goes.
    _describe(stubs, {OLD: ["AWSPREVIOUS"], NEW: ["AWSCURRENT", "AWSPENDING"]}, ROTATING)
    _value(stubs, NEW_TOKEN)
    _redeploy(stubs, [{api: "COMPLETED", worker: "COMPLETED"}])
    _group(stubs)
    _modify(stubs, NEW_TOKEN, "SET")
    _tag(stubs, SINGLE)
    _run(stubs, "finishSecret")
    stubs.done()
    assert "ModifyReplicationGroup:SET" not in stubs.calls[: stubs.calls.index("DescribeServices")]


def test_finish_of_a_finished_rotation_does_nothing(stubs: Stubs) -> None:
    _describe(stubs, {OLD: ["AWSPREVIOUS"], NEW: ["AWSCURRENT"]}, SINGLE)
    _run(stubs, "finishSecret")
    stubs.done()


def test_the_next_rotation_first_finishes_one_left_open(stubs: Stubs) -> None:
    later = "2" * 32
    _describe(stubs, {OLD: ["AWSPREVIOUS"], NEW: ["AWSCURRENT"], later: ["AWSPENDING"]}, ROTATING)
    _value(stubs, NEW_TOKEN)  # the group's other token goes: SET to AWSCURRENT
    api, worker = SERVICES
    _redeploy(stubs, [{api: "COMPLETED", worker: "COMPLETED"}])
    _group(stubs)
    _modify(stubs, NEW_TOKEN, "SET")
    _tag(stubs, SINGLE)
    stubs.secrets.add_client_error("get_secret_value", "ResourceNotFoundException")
    stubs.secrets.add_response("get_random_password", {"RandomPassword": "c" * 64})
    stubs.secrets.add_response("put_secret_value", {"ARN": ARN})
    handler.rotate(_event("createSecret", later), stubs.clients, SETTINGS, stubs.clock())
    stubs.done()


def test_waiting_stops_before_the_functions_timeout(stubs: Stubs) -> None:
    _describe(stubs, {OLD: ["AWSPREVIOUS"], NEW: ["AWSCURRENT"]}, ROTATING)
    _value(stubs, NEW_TOKEN)
    api, worker = SERVICES
    _redeploy(stubs, [{api: "IN_PROGRESS", worker: "COMPLETED"}])
    with pytest.raises(RotationError, match="gave up waiting for the rollouts of aevon-prod-api"):
        _run(stubs, "finishSecret", stubs.clock(deadline=10))
    stubs.done()


def test_bad_events_and_settings_are_refused(stubs: Stubs) -> None:
    stubs.secrets.add_response(
        "describe_secret", {"ARN": ARN, "RotationEnabled": False}, {"SecretId": ARN}
    )
    with pytest.raises(RotationError, match="rotation is not enabled"):
        _run(stubs, "createSecret")
    _describe(stubs, {OLD: ["AWSCURRENT"]})
    with pytest.raises(RotationError, match=f"has no version {NEW}"):
        _run(stubs, "createSecret")
    _describe(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPREVIOUS"]})
    with pytest.raises(RotationError, match="is not AWSPENDING"):
        _run(stubs, "setSecret")
    stubs.done()
    with pytest.raises(RotationError, match="environment lacks ECS_CLUSTER, CLIENT_SERVICES"):
        Settings.from_env({"REPLICATION_GROUP_ID": GROUP})
    assert Settings.from_env(
        {"REPLICATION_GROUP_ID": GROUP, "ECS_CLUSTER": CLUSTER, "CLIENT_SERVICES": "a, b"}
    ).services == ("a", "b")
