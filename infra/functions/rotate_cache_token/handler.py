"""Secrets Manager rotation of the cache's AUTH token: a rotation that finishes.

ElastiCache holds up to two AUTH tokens. `ModifyReplicationGroup` with
`AuthTokenUpdateStrategy=ROTATE` adds a new token and keeps the old one valid;
only a later `SET` (to the new token) removes the old one. The services read the
token once, when a task starts (`valueFrom` the secret's AWSCURRENT). So a
rotation that stopped after ROTATE would leave the old token open for good, and
one that SET before the services restarted would lock them out. The four steps
Secrets Manager calls (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html):

1. `createSecret`: a new 64-character token as AWSPENDING (Secrets Manager's
   GetRandomPassword, letters and digits: within ElastiCache's AUTH token rules);
2. `setSecret`: ROTATE it into the replication group (both tokens now work);
3. `testSecret`: the group is available again and reports a token change made
   after the pending version was created (when rotation is turned on without
   rotating, Secrets Manager runs this step alone to check the setup, on a
   pending version with no new token: that passes);
4. `finishSecret`: AWSCURRENT moves to the new version; every client service is
   redeployed (`forceNewDeployment`) and the function waits until each rollout
   has COMPLETED, so every running task holds the new token; then SET removes the
   old one.

The secret's tag `aevon:auth-token-state` records `rotating` from just before the
ROTATE until the SET. If a rotation stops in between (a rollout failed, the
function timed out), the next `finishSecret` retry or the next rotation's
`createSecret` finishes it first: redeploy onto AWSCURRENT, SET AWSCURRENT. Every
step can run again without harm. Errors raise, so Secrets Manager records the
rotation as failed and the function's error alarm fires.

Environment: `REPLICATION_GROUP_ID`, `ECS_CLUSTER`, `CLIENT_SERVICES` (service
names, comma-separated). Standard library and boto3 (in the Lambda runtime) only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3

STATE_TAG = "aevon:auth-token-state"
ROTATING = "rotating"  # the group may hold two tokens
SINGLE = "single"  # the group holds exactly the AWSCURRENT token
TOKEN_LENGTH = 64
POLL_SECONDS = 15.0
SAFETY_SECONDS = 30.0  # stop waiting this long before the Lambda's own timeout


class RotationError(RuntimeError):
    """The rotation cannot go on now; Secrets Manager records it and retries later."""


@dataclass(frozen=True)
class Settings:
    replication_group_id: str
    cluster: str
    services: tuple[str, ...]
    poll_seconds: float = POLL_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        missing = [k for k in ("REPLICATION_GROUP_ID", "ECS_CLUSTER", "CLIENT_SERVICES")
                   if not env.get(k)]  # fmt: skip
        if missing:
            raise RotationError(f"environment lacks {', '.join(missing)}")
        services = tuple(s.strip() for s in env["CLIENT_SERVICES"].split(",") if s.strip())
        return cls(env["REPLICATION_GROUP_ID"], env["ECS_CLUSTER"], services)


@dataclass(frozen=True)
class Clients:
    secrets: Any
    elasticache: Any
    ecs: Any


@dataclass(frozen=True)
class Clock:
    """When waiting must stop, and how to wait (injectable for tests)."""

    deadline: float
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.monotonic

    def wait(self, seconds: float, what: str) -> None:
        if self.now() + seconds > self.deadline:
            raise RotationError(f"gave up waiting for {what} before the function's timeout")
        self.sleep(seconds)


def handler(event: Mapping[str, Any], context: Any) -> None:
    """The Lambda entry point Secrets Manager invokes once per step."""
    remaining = context.get_remaining_time_in_millis() / 1000.0
    clock = Clock(deadline=time.monotonic() + remaining - SAFETY_SECONDS)
    clients = Clients(boto3.client("secretsmanager"), boto3.client("elasticache"),
                      boto3.client("ecs"))  # fmt: skip
    rotate(event, clients, Settings.from_env(os.environ), clock)


def rotate(event: Mapping[str, Any], clients: Clients, settings: Settings, clock: Clock) -> None:
    """Run one rotation step (`event["Step"]`) for version `event["ClientRequestToken"]`."""
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    meta = clients.secrets.describe_secret(SecretId=arn)
    if not meta.get("RotationEnabled"):
        raise RotationError(f"rotation is not enabled on {arn}")
    versions: Mapping[str, Sequence[str]] = meta.get("VersionIdsToStages", {})
    if token not in versions:
        raise RotationError(f"{arn} has no version {token}")
    state = next((t["Value"] for t in meta.get("Tags", []) if t["Key"] == STATE_TAG), SINGLE)
    rotation = _Rotation(clients, settings, clock, arn, token, versions)
    steps: dict[str, Callable[[str], None]] = {
        "createSecret": rotation.create,
        "setSecret": rotation.set,
        "testSecret": rotation.test,
        "finishSecret": rotation.finish,
    }
    if step not in steps:
        raise RotationError(f"unknown step {step!r}")
    steps[step](state)


@dataclass(frozen=True)
class _Rotation:
    clients: Clients
    settings: Settings
    clock: Clock
    arn: str
    token: str
    versions: Mapping[str, Sequence[str]]

    # ------------------------------------------------------------------ the four steps
    def create(self, state: str) -> None:
        if state == ROTATING:
            self.complete()  # an earlier rotation stopped between ROTATE and SET
        if "AWSCURRENT" in self.versions[self.token]:
            return
        try:
            self.clients.secrets.get_secret_value(
                SecretId=self.arn, VersionId=self.token, VersionStage="AWSPENDING"
            )
            return  # this version already has its token
        except self.clients.secrets.exceptions.ResourceNotFoundException:
            pass
        password = self.clients.secrets.get_random_password(
            PasswordLength=TOKEN_LENGTH, ExcludePunctuation=True, IncludeSpace=False
        )["RandomPassword"]
        self.clients.secrets.put_secret_value(
            SecretId=self.arn,
            ClientRequestToken=self.token,
            SecretString=password,
            VersionStages=["AWSPENDING"],
        )

    def set(self, state: str) -> None:
        if "AWSCURRENT" in self.versions[self.token]:
            return
        self._require_pending()
        group = self._group()
        if self._applied(group):
            return
        if group["Status"] != "available":
            raise RotationError(
                f"replication group {self.settings.replication_group_id} is "
                f"{group['Status']}; the token can be rotated once it is available"
            )
        pending = self.clients.secrets.get_secret_value(
            SecretId=self.arn, VersionId=self.token, VersionStage="AWSPENDING"
        )["SecretString"]
        self._tag(ROTATING)  # from here until SET the group may hold two tokens
        self.clients.elasticache.modify_replication_group(
            ReplicationGroupId=self.settings.replication_group_id,
            AuthToken=pending,
            AuthTokenUpdateStrategy="ROTATE",
            ApplyImmediately=True,
        )

    def test(self, state: str) -> None:
        if "AWSCURRENT" in self.versions[self.token]:
            return
        self._require_pending()
        pending = self._value(self.token, "AWSPENDING")
        if pending is None or pending == self._value(None, "AWSCURRENT"):
            # Turning rotation on without rotating (RotateImmediately false) runs this
            # step alone on a pending version that holds no new token: nothing to test.
            return
        group = self._group()
        pending_change = (group.get("PendingModifiedValues") or {}).get("AuthTokenStatus")
        if group["Status"] != "available" or pending_change:
            raise RotationError(
                f"replication group {self.settings.replication_group_id} is still applying "
                f"the new token ({group['Status']}, {pending_change or 'no pending change'})"
            )
        if not self._applied(group):
            raise RotationError(
                f"replication group {self.settings.replication_group_id} shows no token "
                "change since the new version was created"
            )

    def finish(self, state: str) -> None:
        current = next((v for v, stages in self.versions.items() if "AWSCURRENT" in stages), None)
        if current != self.token:
            self._require_pending()
            self.clients.secrets.update_secret_version_stage(
                SecretId=self.arn,
                VersionStage="AWSCURRENT",
                MoveToVersionId=self.token,
                RemoveFromVersionId=current,
            )
        elif state == SINGLE:
            return  # finished before: the group holds only this token
        self.complete()

    # ------------------------------------------------------------------ the pieces
    def complete(self) -> None:
        """Every client on AWSCURRENT, then the group holds only AWSCURRENT."""
        current = self.clients.secrets.get_secret_value(
            SecretId=self.arn, VersionStage="AWSCURRENT"
        )["SecretString"]
        self.redeploy_clients()
        self._wait_available()
        self.clients.elasticache.modify_replication_group(
            ReplicationGroupId=self.settings.replication_group_id,
            AuthToken=current,
            AuthTokenUpdateStrategy="SET",
            ApplyImmediately=True,
        )
        self._tag(SINGLE)

    def redeploy_clients(self) -> None:
        """Start a deployment of every client service and wait until each has COMPLETED."""
        started: dict[str, str] = {}
        for service in self.settings.services:
            response = self.clients.ecs.update_service(
                cluster=self.settings.cluster, service=service, forceNewDeployment=True
            )
            started[service] = _primary(response["service"])["id"]
        while True:
            described = self.clients.ecs.describe_services(
                cluster=self.settings.cluster, services=list(started)
            )
            waiting = []
            for svc in described["services"]:
                deployment = next(
                    (d for d in svc["deployments"] if d["id"] == started[svc["serviceName"]]),
                    None,
                )
                rollout = deployment.get("rolloutState") if deployment else "REPLACED"
                if rollout == "FAILED" or deployment is None:
                    raise RotationError(
                        f"the deployment of {svc['serviceName']} onto the new token "
                        f"{'failed' if deployment else 'was replaced'}: the old token stays "
                        "valid until a later attempt finishes"
                    )
                if rollout != "COMPLETED":
                    waiting.append(svc["serviceName"])
            if not waiting:
                return
            self.clock.wait(self.settings.poll_seconds, f"the rollouts of {', '.join(waiting)}")

    def _wait_available(self) -> None:
        while (status := self._group()["Status"]) != "available":
            self.clock.wait(self.settings.poll_seconds, f"the replication group ({status})")

    def _group(self) -> dict[str, Any]:
        groups = self.clients.elasticache.describe_replication_groups(
            ReplicationGroupId=self.settings.replication_group_id
        )["ReplicationGroups"]
        return groups[0]

    def _pending_created(self) -> datetime:
        listing = self.clients.secrets.list_secret_version_ids(SecretId=self.arn)
        for version in listing["Versions"]:
            if version["VersionId"] == self.token:
                return version["CreatedDate"]
        raise RotationError(f"{self.arn} lists no version {self.token}")

    def _applied(self, group: Mapping[str, Any]) -> bool:
        """Whether the group's token changed after the pending version was created."""
        changed = group.get("AuthTokenLastModifiedDate")
        return changed is not None and changed >= self._pending_created()

    def _value(self, version: str | None, stage: str) -> str | None:
        """The value of a version (or of a stage), None when it has none yet."""
        ids = {"VersionId": version} if version else {}
        try:
            return self.clients.secrets.get_secret_value(
                SecretId=self.arn, VersionStage=stage, **ids
            )["SecretString"]
        except self.clients.secrets.exceptions.ResourceNotFoundException:
            return None

    def _require_pending(self) -> None:
        if "AWSPENDING" not in self.versions[self.token]:
            raise RotationError(f"version {self.token} of {self.arn} is not AWSPENDING")

    def _tag(self, value: str) -> None:
        self.clients.secrets.tag_resource(
            SecretId=self.arn, Tags=[{"Key": STATE_TAG, "Value": value}]
        )


def _primary(service: Mapping[str, Any]) -> Mapping[str, Any]:
    return next(d for d in service["deployments"] if d["status"] == "PRIMARY")
