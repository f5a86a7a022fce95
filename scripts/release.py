"""A release in two steps: migrate the database, then roll the services; or roll back.

The deploy workflow runs these in this order, each after minting its GitHub token:

    python -m scripts.release migrate --stack prod --image-tag <sha>
        1. aws ssm put-parameter --overwrite /aevon-prod/release/migration-tag = <sha>
        2. pulumi up: the migration task definition now runs the release's api image;
           the services still run the serving tag (/release/image-tag), untouched
        3. pulumi stack output migrationTask --json: cluster, task definition, subnets,
           security group, container, log group, timeout
        4. aws ecs run-task --launch-type FARGATE in the private subnets with the api's
           security group, then aws ecs describe-tasks until it stops or times out
           (aws ecs stop-task after `timeoutMinutes`)
        5. exit 0 only if the migration container exited 0; otherwise print why (stop
           code, reason, the last log lines) and exit 1: the workflow stops here, the
           old tasks keep serving
    python -m scripts.release roll-out --stack prod [--image-tag <sha>]
        aws ssm put-parameter /release/image-tag = <sha> (when given), then pulumi up:
        the services roll onto the migrated schema
    python -m scripts.release roll-out --stack prod --image-tag <sha> --pin-migration
        a rollback: both parameters = <sha> and one pulumi up, no migration (the schema
        stays where the newer release left it; see README, "Migrations")

Why two full `up`s and not `pulumi up --target` of the task definition: a targeted
update restricts the operation to the resources named (Pulumi docs, "Targeted
updates"), so whatever else the release changes that the task definition depends on (a
new secret, a role policy, or on a new stack everything) would have to be named too; a
full `up` with only the migration's tag moved applies them in dependency order and
leaves the services' images alone.

Sources (flags as documented): AWS CLI reference ssm put-parameter (--overwrite),
ecs run-task (--cluster, --task-definition, --launch-type, --count,
--network-configuration awsvpcConfiguration, --started-by, --propagate-tags), ecs
describe-tasks (tasks[].lastStatus, stopCode, stoppedReason, containers[].exitCode,
failures[]), ecs stop-task, logs get-log-events; the `aws ecs wait tasks-stopped`
waiter polls describe-tasks every 6 s for at most 100 checks, so this polls the same
call with the stack's own deadline instead. Amazon ECS Developer Guide, "awslogs"
(stream name prefix/container/task id). Pulumi CLI: `pulumi up --yes --stack
--policy-pack --message`, `pulumi stack output <name> --json`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scripts import gha

PROJECT = "aevon"
GIT_SHA = re.compile(r"^[0-9a-f]{7,40}$")
POLL_SECONDS = 6  # the tasks-stopped waiter's interval
LOG_LINES = 50


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str = ""


# argv, capture stdout? -> result. Commands that read (stack outputs, ecs) are captured;
# `pulumi up` and `put-parameter` stream to the job log.
Runner = Callable[[Sequence[str], bool], Result]


def _run(argv: Sequence[str], capture: bool) -> Result:
    print("+ " + " ".join(argv), flush=True)
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        list(argv), check=False, stdout=subprocess.PIPE if capture else None, text=True
    )
    return Result(done.returncode, done.stdout or "")


def parameter(stack: str, which: str) -> str:
    """`/aevon-<stack>/release/<which>` (infra.aws.release: image-tag, migration-tag)."""
    return f"/{PROJECT}-{stack}/release/{which}"


def put_parameter(stack: str, which: str, tag: str) -> list[str]:
    return ["aws", "ssm", "put-parameter", "--overwrite", "--type", "String",
            "--name", parameter(stack, which), "--value", tag]  # fmt: skip


def pulumi_up(stack: str, message: str) -> list[str]:
    return ["pulumi", "up", "--stack", stack, "--yes", "--policy-pack", "policy",
            "--message", message]  # fmt: skip


def _message(what: str) -> str:
    ref, sha = os.environ.get("GITHUB_REF_NAME", "local"), os.environ.get("GITHUB_SHA", "")
    return f"{what} {ref}@{sha[:7]}" if sha else f"{what} {ref}"


class ReleaseError(Exception):
    """The release stops here; the message says why."""


@dataclass
class Migration:
    """One run of the stack's migration task, from the `migrationTask` stack output."""

    stack: str
    run: Runner
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def _json(self, argv: Sequence[str], what: str) -> Any:
        result = self.run(argv, True)
        if result.returncode != 0:
            raise ReleaseError(f"{what} failed (exit {result.returncode}): {' '.join(argv[:4])}")
        try:
            return json.loads(result.stdout)
        except json.JSONDecodeError as err:
            raise ReleaseError(f"{what} did not print JSON: {err}") from None

    def task_settings(self) -> dict[str, Any]:
        settings = self._json(
            ["pulumi", "stack", "output", "migrationTask", "--json", "--stack", self.stack],
            "reading the stack output migrationTask",
        )
        needed = {"cluster", "taskDefinition", "container", "subnets", "securityGroups",
                  "logGroup", "timeoutMinutes"}  # fmt: skip
        if not isinstance(settings, dict) or not needed <= set(settings):
            raise ReleaseError(f"migrationTask output lacks {sorted(needed - set(settings or {}))}")
        return settings

    def start(self, settings: dict[str, Any], started_by: str) -> str:
        network = {
            "awsvpcConfiguration": {
                "subnets": settings["subnets"],
                "securityGroups": settings["securityGroups"],
                "assignPublicIp": "DISABLED",
            }
        }
        answer = self._json(
            ["aws", "ecs", "run-task", "--cluster", settings["cluster"],
             "--task-definition", settings["taskDefinition"], "--launch-type", "FARGATE",
             "--count", "1", "--network-configuration", json.dumps(network),
             "--started-by", started_by, "--propagate-tags", "TASK_DEFINITION",
             "--output", "json"],
            "aws ecs run-task",
        )  # fmt: skip
        failures = answer.get("failures") or []
        tasks = answer.get("tasks") or []
        if failures or not tasks:
            reasons = "; ".join(
                f"{f.get('arn', '')} {f.get('reason', '')}".strip() for f in failures
            )
            raise ReleaseError(f"the migration task did not start: {reasons or 'no task'}")
        return str(tasks[0]["taskArn"])

    def wait(self, settings: dict[str, Any], task_arn: str) -> dict[str, Any]:
        """The task as describe-tasks reports it once STOPPED; stops it at the deadline."""
        deadline = self.clock() + 60 * int(settings["timeoutMinutes"])
        describe = ["aws", "ecs", "describe-tasks", "--cluster", settings["cluster"],
                    "--tasks", task_arn, "--output", "json"]  # fmt: skip
        while True:
            answer = self._json(describe, "aws ecs describe-tasks")
            tasks = answer.get("tasks") or []
            if not tasks:
                raise ReleaseError(f"describe-tasks no longer finds {task_arn}: {answer}")
            if tasks[0].get("lastStatus") == "STOPPED":
                return dict(tasks[0])
            if self.clock() >= deadline:
                self.run(
                    ["aws", "ecs", "stop-task", "--cluster", settings["cluster"], "--task",
                     task_arn, "--reason", "migration timed out in the deploy"],
                    True,
                )  # fmt: skip
                raise ReleaseError(
                    f"the migration ran longer than {settings['timeoutMinutes']} minutes "
                    "(migrations.timeoutMinutes); it was stopped"
                )
            self.sleep(POLL_SECONDS)

    def log_tail(self, settings: dict[str, Any], task_arn: str) -> list[str]:
        """The task's last log lines (awslogs stream: <prefix>/<container>/<task id>)."""
        container = settings["container"]
        stream = f"{container}/{container}/{task_arn.rsplit('/', 1)[-1]}"
        result = self.run(
            ["aws", "logs", "get-log-events", "--log-group-name", settings["logGroup"],
             "--log-stream-name", stream, "--limit", str(LOG_LINES), "--output", "json"],
            True,
        )  # fmt: skip
        if result.returncode != 0:
            return [f"(no logs: aws logs get-log-events exited {result.returncode})"]
        try:
            events = json.loads(result.stdout).get("events") or []
        except json.JSONDecodeError:
            return ["(no logs: get-log-events did not print JSON)"]
        return [str(e.get("message", "")).rstrip() for e in events]

    def outcome(self, settings: dict[str, Any], task: dict[str, Any]) -> int | None:
        """The migration container's exit code (None when it never ran)."""
        for container in task.get("containers") or []:
            if container.get("name") == settings["container"]:
                code = container.get("exitCode")
                return int(code) if code is not None else None
        return None


def migrate(stack: str, image_tag: str, run: Runner, migration: Migration | None = None) -> int:
    """Write the migration tag, `up`, run the migration; 0 only if it exited 0."""
    steps = migration or Migration(stack, run)
    if run(put_parameter(stack, "migration-tag", image_tag), False).returncode != 0:
        gha.error(f"could not write {parameter(stack, 'migration-tag')}")
        return 1
    code = run(pulumi_up(stack, _message("migration task for")), False).returncode
    if code != 0:
        gha.error(f"pulumi up (migration task definition) failed with exit {code}")
        return 1
    try:
        settings = steps.task_settings()
        started_by = ("deploy-" + os.environ.get("GITHUB_RUN_ID", "local"))[:36]
        task_arn = steps.start(settings, started_by)
        print(f"migration task {task_arn} started", flush=True)
        task = steps.wait(settings, task_arn)
    except ReleaseError as err:
        gha.error(f"{stack}: {err}; the release stops and the old tasks keep serving")
        return 1
    exit_code = steps.outcome(settings, task)
    if exit_code == 0:
        gha.add_summary(f"Migration of `{stack}` to `{image_tag}`: exited 0 ({task_arn})")
        return 0
    why = (
        f"exited {exit_code}"
        if exit_code is not None
        else f"never ran ({task.get('stopCode', '?')}: {task.get('stoppedReason', 'no reason')})"
    )
    for line in steps.log_tail(settings, task_arn):
        print(f"  | {line}")
    gha.error(
        f"{stack}: the migration {why}; the release stops before the services roll and the "
        "old tasks keep serving"
    )
    gha.add_summary(f"Migration of `{stack}` to `{image_tag}`: FAILED, {why} ({task_arn})")
    return 1


def roll_out(stack: str, image_tag: str | None, run: Runner, *, pin_migration: bool = False) -> int:
    """Write the serving tag (and, for a rollback, the migration tag) and `up`."""
    which = ["image-tag", *(["migration-tag"] if pin_migration else [])] if image_tag else []
    for name in which:
        if run(put_parameter(stack, name, str(image_tag)), False).returncode != 0:
            gha.error(f"could not write {parameter(stack, name)}")
            return 1
    code = run(pulumi_up(stack, _message("rollback to" if pin_migration else "deploy")), False)
    if code.returncode != 0:
        gha.error(f"pulumi up failed with exit {code.returncode}")
        return 1
    return 0


def _sha(value: str) -> str:
    if not GIT_SHA.match(value):
        raise argparse.ArgumentTypeError(f"must be a git SHA (7-40 hex), got {value!r}")
    return value


def main(argv: list[str] | None = None, run: Runner = _run) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    first = sub.add_parser("migrate", help="migration tag, up, run the migration")
    first.add_argument("--stack", required=True)
    first.add_argument("--image-tag", required=True, type=_sha)
    second = sub.add_parser("roll-out", help="serving tag, up")
    second.add_argument("--stack", required=True)
    second.add_argument("--image-tag", type=lambda v: _sha(v) if v else None, default=None)
    second.add_argument("--pin-migration", action="store_true", help="a rollback: both tags")
    args = parser.parse_args(argv)
    if args.command == "migrate":
        return migrate(args.stack, args.image_tag, run)
    return roll_out(args.stack, args.image_tag, run, pin_migration=args.pin_migration)


if __name__ == "__main__":
    raise SystemExit(main())
