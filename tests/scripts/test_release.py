"""scripts/release.py: the migration runs after its `up` and before the services roll, and
its failure stops the release; the run-task call uses what the stack exports."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from offline.engine import Inventory
from scripts import release
from scripts.release import Result

SHA = "0123abc0123abc0123abc0123abc0123abc01234"
TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/aevon-prod-ecs/0a1b2c3d4e5f60718293a4b5c6d7e8f9"


class FakeCloud:
    """Answers the commands the script runs, the way the AWS and Pulumi CLIs print them,
    and records every command in order."""

    def __init__(
        self,
        migration_task: dict[str, Any],
        *,
        exit_code: int | None = 0,
        running_polls: int = 1,
        fail: Sequence[str] = (),
        run_task_failures: Sequence[dict[str, str]] = (),
    ) -> None:
        self.migration_task = migration_task
        self.exit_code = exit_code
        self.running_polls = running_polls
        self.fail = fail
        self.run_task_failures = list(run_task_failures)
        self.commands: list[list[str]] = []

    def __call__(self, argv: Sequence[str], capture: bool) -> Result:
        argv = list(argv)
        self.commands.append(argv)
        line = " ".join(argv)
        if any(f in line for f in self.fail):
            return Result(1, "")
        if argv[:4] == ["pulumi", "stack", "output", "migrationTask"]:
            return Result(0, json.dumps(self.migration_task))
        if argv[:3] == ["aws", "ecs", "run-task"]:
            tasks = (
                []
                if self.run_task_failures
                else [{"taskArn": TASK_ARN, "lastStatus": "PROVISIONING"}]
            )
            return Result(0, json.dumps({"tasks": tasks, "failures": self.run_task_failures}))
        if argv[:3] == ["aws", "ecs", "describe-tasks"]:
            polls = sum(1 for c in self.commands if c[:3] == ["aws", "ecs", "describe-tasks"])
            if polls <= self.running_polls:
                return Result(
                    0, json.dumps({"tasks": [{"taskArn": TASK_ARN, "lastStatus": "RUNNING"}]})
                )
            container: dict[str, Any] = {"name": self.migration_task["container"]}
            if self.exit_code is not None:
                container["exitCode"] = self.exit_code
            stopped = {
                "taskArn": TASK_ARN,
                "lastStatus": "STOPPED",
                "stopCode": "EssentialContainerExited"
                if self.exit_code is not None
                else "TaskFailedToStart",
                "stoppedReason": "Essential container in task exited"
                if self.exit_code is not None
                else "CannotPullContainerError: image not found",
                "containers": [container],
            }
            return Result(0, json.dumps({"tasks": [stopped], "failures": []}))
        if argv[:3] == ["aws", "logs", "get-log-events"]:
            events = [
                {"message": "applying 0042_add_tenant_index"},
                {"message": "ERROR: lock timeout"},
            ]
            return Result(0, json.dumps({"events": events}))
        return Result(0, "")

    def index(self, *needle: str) -> int:
        """Index of the first recorded command containing every word of `needle`."""
        for i, command in enumerate(self.commands):
            if all(n in command for n in needle):
                return i
        raise AssertionError(f"no command with {needle}: {self.commands}")

    def ran(self, *needle: str) -> bool:
        return any(all(n in command for n in needle) for command in self.commands)


@pytest.fixture
def prod_task(inventories: dict[str, Inventory]) -> dict[str, Any]:
    """What `pulumi stack output migrationTask --json` prints for prod (the program's export)."""
    return dict(inventories["prod"].outputs["migrationTask"])


def _migration(cloud: FakeCloud, clock: list[float] | None = None) -> release.Migration:
    now = clock if clock is not None else [0.0]
    return release.Migration(
        "prod", cloud, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)
    )


def test_migrate_runs_the_task_after_its_up_and_passes_on_exit_0(prod_task: dict[str, Any]) -> None:
    cloud = FakeCloud(prod_task)
    assert release.migrate("prod", SHA, cloud, _migration(cloud)) == 0
    tag = cloud.index("put-parameter", "/aevon-prod/release/migration-tag")
    up = cloud.index("pulumi", "up")
    run_task = cloud.index("run-task")
    stopped = max(i for i, c in enumerate(cloud.commands) if "describe-tasks" in c)
    assert tag < up < cloud.index("migrationTask") < run_task < stopped
    assert not cloud.ran("/aevon-prod/release/image-tag"), "migrate never touches the services' tag"
    assert [c[:2] for c in cloud.commands].count(["pulumi", "up"]) == 1


def test_run_task_uses_the_exported_task_in_the_private_subnets_with_the_api_group(
    inventories: dict[str, Inventory], prod_task: dict[str, Any]
) -> None:
    cloud = FakeCloud(prod_task)
    release.migrate("prod", SHA, cloud, _migration(cloud))
    command = cloud.commands[cloud.index("run-task")]
    flags = dict(zip(command[3::2], command[4::2], strict=False))
    inv = inventories["prod"]
    (definition,) = [
        r
        for r in inv.of_type("aws:ecs/taskDefinition:TaskDefinition")
        if r.name == "migrations-task"
    ]
    assert flags["--task-definition"] == definition.outputs["arn"]
    assert flags["--cluster"] == inv.outputs["ecsClusterName"]
    assert flags["--launch-type"] == "FARGATE", "no Spot interruption mid-migration"
    network = json.loads(flags["--network-configuration"])["awsvpcConfiguration"]
    assert network["subnets"] == inv.outputs["privateSubnetIds"]
    assert network["assignPublicIp"] == "DISABLED"
    api_group = inv.by_name("workloads-api").outputs["id"]
    assert network["securityGroups"] == [api_group]


@pytest.mark.parametrize("exit_code", [1, 3, 137])
def test_a_failing_migration_stops_the_release(
    prod_task: dict[str, Any], exit_code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud = FakeCloud(prod_task, exit_code=exit_code)
    assert release.migrate("prod", SHA, cloud, _migration(cloud)) == 1
    out = capsys.readouterr()
    assert f"the migration exited {exit_code}" in out.err
    assert "old tasks keep serving" in out.err
    assert "ERROR: lock timeout" in out.out, "the task's last log lines are shown"
    stream = cloud.commands[cloud.index("get-log-events")]
    assert f"migrations/migrations/{TASK_ARN.rsplit('/', 1)[-1]}" in stream


def test_a_task_that_never_ran_fails_with_its_reason(
    prod_task: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    cloud = FakeCloud(prod_task, exit_code=None)
    assert release.migrate("prod", SHA, cloud, _migration(cloud)) == 1
    assert "never ran (TaskFailedToStart: CannotPullContainerError" in capsys.readouterr().err


def test_a_task_ecs_cannot_place_fails(
    prod_task: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    cloud = FakeCloud(prod_task, run_task_failures=[{"arn": "x", "reason": "RESOURCE:ENI"}])
    assert release.migrate("prod", SHA, cloud, _migration(cloud)) == 1
    assert "did not start: x RESOURCE:ENI" in capsys.readouterr().err
    assert not cloud.ran("describe-tasks")


def test_a_migration_past_its_timeout_is_stopped_and_fails(
    prod_task: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    minutes = prod_task["timeoutMinutes"]
    polls = minutes * 60 // release.POLL_SECONDS + 5
    cloud = FakeCloud(prod_task, running_polls=polls)
    assert release.migrate("prod", SHA, cloud, _migration(cloud)) == 1
    assert cloud.ran("stop-task", TASK_ARN)
    assert f"longer than {minutes} minutes" in capsys.readouterr().err


@pytest.mark.parametrize("failing", ["put-parameter", "pulumi up", "stack output"])
def test_a_failing_step_before_the_task_stops_the_release(
    prod_task: dict[str, Any], failing: str
) -> None:
    cloud = FakeCloud(prod_task, fail=[failing])
    assert release.migrate("prod", SHA, cloud, _migration(cloud)) == 1
    assert not cloud.ran("run-task")


def test_roll_out_writes_the_serving_tag_then_ups() -> None:
    cloud = FakeCloud({})
    assert release.roll_out("prod", SHA, cloud) == 0
    assert cloud.index("put-parameter", "/aevon-prod/release/image-tag") < cloud.index(
        "pulumi", "up"
    )
    assert not cloud.ran("/aevon-prod/release/migration-tag")
    assert not cloud.ran("run-task")


def test_roll_out_without_a_tag_only_ups() -> None:
    cloud = FakeCloud({})
    assert release.main(["roll-out", "--stack", "dev", "--image-tag", ""], run=cloud) == 0
    assert [c[:2] for c in cloud.commands] == [["pulumi", "up"]]


def test_a_rollback_pins_both_tags_and_runs_no_migration() -> None:
    cloud = FakeCloud({})
    assert (
        release.main(
            ["roll-out", "--stack", "staging", "--image-tag", SHA[:12], "--pin-migration"],
            run=cloud,
        )
        == 0
    )
    assert cloud.ran("/aevon-staging/release/image-tag", SHA[:12])
    assert cloud.ran("/aevon-staging/release/migration-tag", SHA[:12])
    assert not cloud.ran("run-task")


def test_an_image_tag_that_is_not_a_sha_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    cloud = FakeCloud({})
    with pytest.raises(SystemExit) as caught:
        release.main(["migrate", "--stack", "prod", "--image-tag", "latest"], run=cloud)
    assert caught.value.code == 2
    assert "must be a git SHA" in capsys.readouterr().err
    assert cloud.commands == []


def test_the_parameters_are_the_ones_the_program_reads(inventories: dict[str, Inventory]) -> None:
    for stack, inv in inventories.items():
        assert release.parameter(stack, "image-tag") == inv.outputs["imageTagParameter"]
        assert release.parameter(stack, "migration-tag") == inv.outputs["migrationTagParameter"]
