"""The delivery workflows: their shape, hardening beyond what zizmor checks, the linters.

The logic they call lives in scripts/ and is tested in tests/scripts/.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.engine import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# Reference workflows for the governed application repositories: linted like the real ones.
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_the_expected_workflows_exist() -> None:
    names = {p.stem for p in WORKFLOWS}
    assert names == {"ci", "preview", "deploy", "drift", "pr-stack", "rollback"}


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: p.stem)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    lines = path.read_text().splitlines()
    uses = [line.strip() for line in lines if line.strip().startswith(("uses:", "- uses:"))]
    assert uses
    for line in uses:
        reference, _, comment = line.split("uses:", 1)[1].partition("#")
        assert PINNED.match(reference.strip()), line
        assert re.match(r"\s*v\d+\.\d+\.\d+", comment), f"no version comment: {line}"


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: p.stem)
def test_least_privilege_and_no_injection(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {"contents": "read"}
    assert "pull_request_target" not in (workflow["on"] or {})
    for step in _steps(workflow):
        assert "${{ github.event" not in step.get("run", ""), f"{path.name}: pass it through env"
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions", {})
        if "pull-requests" in granted:
            assert (path.stem, name) in {("preview", "comment"), ("pr-stack", "revoke")}
        if "actions" in granted:
            assert (path.stem, name) in {("deploy", "deploy"), ("rollback", "rollback")}
            assert granted["actions"] == "read"
        for key, value in granted.items():
            assert key in ("contents", "id-token", "pull-requests", "issues", "actions"), name
            if key == "contents":
                assert value == "read"


def test_no_long_lived_cloud_keys() -> None:
    for path in WORKFLOWS + EXAMPLES:
        text = path.read_text()
        for forbidden in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "PULUMI_ACCESS_TOKEN",
            "credentials_json",
        ):
            assert forbidden not in text, f"{path.name} uses {forbidden}"


def test_drift_runs_daily_at_two_and_on_demand() -> None:
    workflow = _load(ROOT / ".github" / "workflows" / "drift.yml")
    assert workflow["on"]["schedule"] == [{"cron": "0 2 * * *"}]
    assert "workflow_dispatch" in workflow["on"]
    run = "\n".join(s.get("run", "") for s in _steps(workflow))
    assert 'pulumi refresh --stack "$STACK" --preview-only --expect-no-changes' in run


def test_cli_pin_matches_the_locked_sdk() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    sdk = next(p["version"] for p in lock["package"] if p["name"] == "pulumi")
    assert (ROOT / ".pulumi.version").read_text().strip() == sdk
    for path in WORKFLOWS:
        for step in _steps(_load(path)):
            if step.get("uses", "").startswith("pulumi/actions@"):
                assert step["with"] == {"pulumi-version-file": ".pulumi.version"}


# ------------------------------------------------------------------ issue 12, case by case
WF = ROOT / ".github" / "workflows"


def _wf(stem: str) -> dict[str, Any]:
    return _load(WF / f"{stem}.yml")


def _step_index(job: dict[str, Any], needle: str) -> int:
    """Index of the first step whose `run` or `uses` contains `needle`."""
    for i, step in enumerate(job["steps"]):
        if needle in step.get("run", "") or needle in step.get("uses", ""):
            return i
    raise AssertionError(f"no step runs {needle!r}")


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: p.stem)
def test_run_steps_use_bash_with_pipefail(path: Path) -> None:
    """GitHub's default `bash -e {0}` ignores a failing command inside a pipe."""
    assert _load(path).get("defaults", {}).get("run", {}).get("shell") == "bash"


def test_no_workflow_reads_pulumi_through_a_pipe() -> None:
    """`pulumi stack ls | jq -e` read a failed login as "no such stack" (case 1's kind)."""
    for path in WORKFLOWS:
        for step in _steps(_load(path)):
            for line in step.get("run", "").splitlines():
                assert not re.search(r"\bpulumi\b[^|#]*\|", line), f"{path.name}: {line.strip()}"


def test_case1_drift_classifies_exit_codes_and_leaves_the_issue_alone_on_failure() -> None:
    job = _wf("drift")["jobs"]["detect"]
    check = next(s for s in job["steps"] if s.get("id") == "check")
    assert "python -m scripts.exit_codes drift" in check["run"]
    assert '--refresh "$refresh" --preview "$preview"' in check["run"]
    assert "-eq 0" not in check["run"], "a non-zero exit is not drift"
    issue = next(s for s in job["steps"] if "issue" in s.get("name", ""))
    assert "if" not in issue, "the issue step runs only after a successful check"
    assert _step_index(job, "scripts.exit_codes") < job["steps"].index(issue)


def test_case2_rollback_runs_on_the_release_tag() -> None:
    workflow = _wf("rollback")
    text = (WF / "rollback.yml").read_text()
    assert "gh workflow run rollback.yml --ref v1.3.2 -f stack=prod" in text
    assert set(workflow["on"]["workflow_dispatch"]["inputs"]) == {"stack", "image-tag"}
    assert workflow["on"]["workflow_dispatch"]["inputs"]["stack"]["options"] == ["staging", "prod"]
    resolve = workflow["jobs"]["resolve"]
    step = resolve["steps"][_step_index(resolve, "scripts.release_refs rollback")]
    assert '--ref "$GITHUB_REF" --stack "$STACK"' in step["run"]
    assert resolve["steps"][0]["with"]["fetch-depth"] == 0
    checkout = workflow["jobs"]["rollback"]["steps"][0]
    assert "ref" not in checkout["with"], "the rollback deploys the run's ref, the tag"


def test_case3_per_pr_stacks_get_no_tokens_and_new_pushes_need_a_new_review() -> None:
    workflow = _wf("pr-stack")
    text = (WF / "pr-stack.yml").read_text()
    assert "secrets." not in text, "no GitHub-admin, no Vercel token, no secret at all"
    assert "GITHUB_TOKEN:" not in text
    assert "VERCEL_API_TOKEN" not in text
    jobs = workflow["jobs"]
    decide = jobs["decide"]
    assert "permissions" not in decide, "deciding needs nothing but the event"
    assert "python3 -m scripts.pr_stacks decide" in decide["steps"][-1]["run"]
    for name, action in (("revoke", "revoke"), ("up", "up"), ("destroy", "destroy"),
                         ("sweep", "sweep")):  # fmt: skip
        assert jobs[name]["if"] == f"needs.decide.outputs.action == '{action}'"
    for name in ("up", "destroy", "sweep"):
        assert jobs[name]["environment"] == "preview-stacks"
    revoke = jobs["revoke"]["steps"][0]["run"]
    assert 'DELETE "$labels/preview-stack"' in revoke
    assert "labels[]=preview-stack-outdated" in revoke
    assert "uses" not in str(jobs["revoke"]["steps"]), "the revoke job runs no PR code"
    configure = jobs["up"]["steps"][_step_index(jobs["up"], "scripts.pr_stacks configure")]
    # An infra PR builds no images: the stack runs dev's current release.
    assert '"$STACK" --image-tag "$IMAGE_TAG"' in configure["run"]
    assert configure["env"]["IMAGE_TAG"] == "${{ steps.release.outputs.image-tag }}"
    release = next(s for s in jobs["up"]["steps"] if s.get("id") == "release")
    assert "aws ssm get-parameter --name /aevon-dev/release/image-tag" in release["run"]


def test_case4_deploy_and_rollback_check_two_different_approvers_before_up() -> None:
    for stem, name in (("deploy", "deploy"), ("rollback", "rollback")):
        job = _wf(stem)["jobs"][name]
        assert job["permissions"]["actions"] == "read"
        check = job["steps"][_step_index(job, "scripts.release_approvals")]
        assert check["if"] == "needs.resolve.outputs.approval-environment != ''"
        assert "/actions/runs/$GITHUB_RUN_ID/approvals" in check["run"]
        assert '--gate "$GATE" --gate "$ENVIRONMENT"' in check["run"]
        assert '--actor "$GITHUB_TRIGGERING_ACTOR"' in check["run"]
        # scripts.release writes the release parameters and runs `pulumi up`.
        assert _step_index(job, "scripts.release_approvals") < _step_index(job, "scripts.release ")


def test_case5_deploy_refuses_a_release_tag_off_main() -> None:
    resolve = _wf("deploy")["jobs"]["resolve"]
    assert resolve["steps"][0]["with"]["fetch-depth"] == 0
    step = resolve["steps"][_step_index(resolve, "scripts.release_refs resolve")]
    assert (
        step["run"].strip() == 'uv run python -m scripts.release_refs resolve --ref "$GITHUB_REF"'
    )
    assert _wf("deploy")["jobs"]["deploy"]["needs"] == ["resolve", "production-approval"]


def test_case6_preview_comment_comes_from_the_event_log() -> None:
    job = _wf("preview")["jobs"]["preview"]
    run = job["steps"][_step_index(job, "pulumi preview")]["run"]
    (command,) = [line for line in run.splitlines() if line.strip().startswith("pulumi preview")]
    assert '--event-log "$RUNNER_TEMP/events.jsonl"' in command
    assert "--json" not in command
    assert "scripts.preview_summary --stack" in run
    assert '--events "$RUNNER_TEMP/events.jsonl" --exit-code "$status"' in run


def test_case7_no_release_or_stack_operation_can_be_dropped_from_a_queue() -> None:
    """The default queue keeps one pending run per group and cancels the others."""
    for path in WORKFLOWS:
        workflow = _load(path)
        groups = [("workflow", workflow.get("concurrency"))] + [
            (name, job.get("concurrency")) for name, job in workflow["jobs"].items()
        ]
        for name, job in workflow["jobs"].items():
            runs = " ".join(s.get("run", "") for s in job.get("steps", []))
            if re.search(r"pulumi (up|destroy)|scripts\.pr_stacks sweep|scripts\.release ", runs):
                assert job.get("concurrency"), f"{path.name}:{name} changes a stack unserialised"
        for name, group in groups:
            if group and path.stem in ("deploy", "rollback", "pr-stack"):
                assert group["cancel-in-progress"] is False, f"{path.name}:{name}"
                assert group["queue"] == "max", f"{path.name}:{name} can drop a waiting run"
    deploy, rollback = _wf("deploy")["jobs"]["deploy"], _wf("rollback")["jobs"]["rollback"]
    assert deploy["concurrency"]["group"] == "pulumi-up-${{ needs.resolve.outputs.stack }}"
    assert rollback["concurrency"]["group"] == "pulumi-up-${{ inputs.stack }}"


def test_case8_the_pr_stack_cap_is_checked_under_one_group() -> None:
    jobs = _wf("pr-stack")["jobs"]
    assert {jobs[n]["concurrency"]["group"] for n in ("up", "destroy", "sweep")} == {"pr-stacks"}
    up = jobs["up"]
    assert _step_index(up, "scripts.pr_stacks capacity") == _step_index(up, "pulumi stack select")
    create = up["steps"][_step_index(up, "pulumi stack select")]["run"]
    assert create.index("scripts.pr_stacks capacity") < create.index("pulumi stack select")
    assert "scripts.pr_stacks sweep" in jobs["sweep"]["steps"][-1]["run"]


def test_case9_fork_previews_pass_with_a_maintainer_notice_and_no_credentials() -> None:
    workflow = _wf("preview")
    job = workflow["jobs"]["preview"]
    guard = job["steps"][1]
    assert guard["id"] == "origin"
    assert guard["run"] == 'python3 -m scripts.gha fork-guard --stack "$STACK"'
    for step in job["steps"][2:]:
        assert "steps.origin.outputs.fork == 'false'" in step.get("if", ""), step
    comment = workflow["jobs"]["comment"]["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment
    readme = (ROOT / "README.md").read_text()
    assert "preview needs a maintainer" in readme


def test_tokens_reach_jobs_as_the_table_says() -> None:
    """Failing input 11: a GitHub App token minted in the job, never a stored static token."""
    app = "actions/create-github-app-token@"
    for path in WORKFLOWS:
        assert "INFRA_GITHUB_TOKEN" not in path.read_text(), path.name
        assert "INFRA_GITHUB_READ_TOKEN" not in path.read_text(), path.name
    for stem, name, key in (
        ("deploy", "deploy", "INFRA_APP"),
        ("rollback", "rollback", "INFRA_APP"),
        ("preview", "preview", "INFRA_READER_APP"),
        ("drift", "detect", "INFRA_READER_APP"),
    ):
        job = _wf(stem)["jobs"][name]
        mint = job["steps"][_step_index(job, app)]
        assert mint["with"]["client-id"] == f"${{{{ vars.{key}_CLIENT_ID }}}}"
        assert mint["with"]["private-key"] == f"${{{{ secrets.{key}_PRIVATE_KEY }}}}"
        user = job["steps"][_step_index(job, app) + 1]
        assert user["env"]["GITHUB_TOKEN"] == "${{ steps.github-token.outputs.token }}"
        # the write key exists only where an environment gates the job
        assert ("environment" in job) == (key == "INFRA_APP"), f"{stem}:{name}"


# ------------------------------------------------------------------ case 10: the linters
def test_case10_ci_runs_actionlint_and_zizmor_pedantic_and_auditor() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "\nuv run actionlint\n" in script
    assert "\nuv run actionlint examples/*.yml\n" in script
    assert "uv run zizmor --offline --persona pedantic .github/workflows examples/*.yml" in script
    assert "uv run zizmor --offline --persona auditor .github/workflows examples/*.yml" in script
    assert (
        "check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml "
        "examples/*.yml" in script
    )


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(__file__).resolve().parents[1] / ".venv" / "bin"))
    found = found or shutil.which(name)
    assert found, f"{name} is not installed (uv sync --locked installs it)"
    return found


def test_actionlint_runs_shellcheck(tmp_path: Path) -> None:
    """The pinned actionlint finds the pinned shellcheck (a finding only shellcheck makes)."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - run: echo $HOME | wc -c\n"
    )
    env = {"PATH": f"{Path(_tool('shellcheck')).parent}:/usr/bin:/bin"}
    result = subprocess.run(  # noqa: S603 - fixed argv
        [_tool("actionlint"), "-no-color", str(bad)], capture_output=True, text=True, env=env,
        check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "SC2086" in result.stdout


@pytest.mark.parametrize("persona", ["pedantic", "auditor"])
def test_zizmor_has_no_findings(persona: str) -> None:
    result = subprocess.run(  # noqa: S603 - fixed argv
        [_tool("zizmor"), "--offline", "--no-progress", "--persona", persona, str(WF),
         *map(str, EXAMPLES)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_actionlint_has_no_findings() -> None:
    result = subprocess.run(  # noqa: S603 - fixed argv
        [_tool("actionlint"), "-no-color", *map(str, WORKFLOWS + EXAMPLES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": f"{Path(_tool('shellcheck')).parent}:/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------ issue 15: the release order
def _run_release_steps(
    job: dict[str, Any], cloud: Any, stack: str, image_tag: str
) -> tuple[list[str], list[str]]:
    """Run the job's `scripts.release` steps the way GitHub runs steps: in order, a step
    whose `if` holds; after a failed step only `always()`/`failure()` steps. Returns the
    names of the steps that ran and of those that failed."""
    from scripts import release

    ran: list[str] = []
    failed: list[str] = []
    for step in job["steps"]:
        condition = step.get("if", "")
        if failed and not re.search(r"always\(\)|failure\(\)", condition):
            continue
        run = step.get("run", "")
        if "scripts.release " not in run:
            continue
        assert condition in ("", "inputs.image-tag != ''"), f"unmodelled condition {condition}"
        if condition and not image_tag:
            continue
        (line,) = [line for line in run.splitlines() if "scripts.release " in line]
        words = shlex.split(line.split("python -m scripts.release", 1)[1])
        argv = [w.replace("$STACK", stack).replace("$IMAGE_TAG", image_tag) for w in words]
        ran.append(step["name"])
        if release.main(argv, run=cloud) != 0:
            failed.append(step["name"])
    return ran, failed


@pytest.fixture
def prod_migration_task(inventories: dict[str, Any]) -> dict[str, Any]:
    return dict(inventories["prod"].outputs["migrationTask"])


def test_issue15_deploy_migrates_before_the_services_roll(
    prod_migration_task: dict[str, Any],
) -> None:
    from tests.scripts.test_release import SHA, FakeCloud

    job = _wf("deploy")["jobs"]["deploy"]
    cloud = FakeCloud(prod_migration_task, exit_code=0, running_polls=0)
    ran, failed = _run_release_steps(job, cloud, "prod", SHA)
    assert failed == []
    assert len(ran) == 2
    ups = [i for i, c in enumerate(cloud.commands) if c[:2] == ["pulumi", "up"]]
    assert len(ups) == 2
    migration_tag = cloud.index("put-parameter", "/aevon-prod/release/migration-tag")
    serving_tag = cloud.index("put-parameter", "/aevon-prod/release/image-tag")
    stopped = max(i for i, c in enumerate(cloud.commands) if "describe-tasks" in c)
    assert migration_tag < ups[0] < cloud.index("run-task") < stopped < serving_tag < ups[1]


@pytest.mark.parametrize("exit_code", [1, None])
def test_issue15_a_failed_migration_stops_the_deploy_before_the_services_roll(
    prod_migration_task: dict[str, Any], exit_code: int | None
) -> None:
    from tests.scripts.test_release import SHA, FakeCloud

    job = _wf("deploy")["jobs"]["deploy"]
    cloud = FakeCloud(prod_migration_task, exit_code=exit_code, running_polls=0)
    ran, failed = _run_release_steps(job, cloud, "prod", SHA)
    assert failed == ran == ["Migrate the database before the services roll"]
    assert not cloud.ran("/aevon-prod/release/image-tag"), "the serving tag stays as it was"
    assert [c[:2] for c in cloud.commands].count(["pulumi", "up"]) == 1
    # Nothing after the migration that changes the stack asks to run anyway (no always(),
    # no continue-on-error); only the outputs summary runs always(), and it reads.
    later = job["steps"][_step_index(job, "scripts.release migrate") + 1 :]
    for step in later:
        assert not step.get("continue-on-error"), step.get("name")
        if "always()" in step.get("if", ""):
            run = step.get("run", "")
            assert not re.search(r"scripts\.release |pulumi up|put-parameter", run), step["name"]


def test_issue15_a_deploy_without_new_images_runs_no_migration() -> None:
    from tests.scripts.test_release import FakeCloud

    cloud = FakeCloud({})
    ran, failed = _run_release_steps(_wf("deploy")["jobs"]["deploy"], cloud, "dev", "")
    assert (ran, failed) == (["Roll out (pulumi up)"], [])
    assert [c[:2] for c in cloud.commands] == [["pulumi", "up"]]


def test_issue15_a_rollback_pins_both_tags_and_migrates_nothing() -> None:
    from tests.scripts.test_release import SHA, FakeCloud

    cloud = FakeCloud({})
    ran, failed = _run_release_steps(_wf("rollback")["jobs"]["rollback"], cloud, "prod", SHA)
    assert failed == []
    assert len(ran) == 1
    assert cloud.ran("/aevon-prod/release/image-tag")
    assert cloud.ran("/aevon-prod/release/migration-tag")
    assert not cloud.ran("run-task")


def test_issue15_each_up_gets_a_token_minted_right_before_it() -> None:
    job = _wf("deploy")["jobs"]["deploy"]
    for needle in ("scripts.release migrate", "scripts.release roll-out"):
        index = _step_index(job, needle)
        mint = job["steps"][index - 1]
        assert mint["uses"].startswith("actions/create-github-app-token@")
        token = f"${{{{ steps.{mint['id']}.outputs.token }}}}"
        assert job["steps"][index]["env"]["GITHUB_TOKEN"] == token


# ------------------------------------------------------------------ issue 13: the release handoff
def test_the_deploy_checks_the_released_images_exist_before_it_writes_the_parameter() -> None:
    for stem, job in (("deploy", "deploy"), ("rollback", "rollback")):
        steps = _wf(stem)["jobs"][job]["steps"]
        check = _step_index({"steps": steps}, "scripts.release_refs images")
        assert "aws ecr describe-images" in steps[check]["run"]
        # scripts/release.py writes the release parameters and runs `pulumi up`.
        assert check < _step_index({"steps": steps}, "python -m scripts.release ")
    assert "workflow_dispatch" in _wf("deploy")["on"]
    assert "image-tag" in _wf("deploy")["on"]["workflow_dispatch"]["inputs"]


def _example() -> dict[str, Any]:
    (path,) = EXAMPLES
    return _load(path)


def test_the_example_builds_once_on_main_and_pushes_immutable_sha_tags_with_provenance() -> None:
    jobs = _example()["jobs"]
    publish = jobs["publish"]
    assert publish["environment"] == "development"
    assert publish["if"] == "github.ref == 'refs/heads/main' && github.event_name != 'pull_request'"
    assert publish["permissions"] == {"contents": "read", "id-token": "write"}
    role = next(s for s in publish["steps"] if "configure-aws-credentials" in s.get("uses", ""))
    assert role["with"]["role-to-assume"] == "${{ vars.AWS_PUBLISH_ROLE_ARN }}"
    build = publish["steps"][_step_index(publish, "docker buildx build")]["run"]
    assert '--tag "$registry/$repository:$GITHUB_SHA"' in build
    assert "--provenance=mode=max --sbom=true --push" in build
    assert 'repository="aevon/$IMAGE"' in build, "the account repository bootstrap creates"
    assert "latest" not in build
    # The pull request check the repository's ruleset requires builds without pushing.
    assert jobs["build"]["name"] in _services("prod").required_checks
    assert "--push" not in jobs["build"]["steps"][-1]["run"]
    for job in (publish, jobs["build"]):
        assert job["strategy"]["matrix"]["image"] == _services("prod").images


def _services(stack: str) -> Any:
    from infra.config import RepositoryKind, parse
    from offline.engine import stack_config

    github = parse("aevon", stack, stack_config(stack)[0]).github
    (services,) = github.of_kind(RepositoryKind.SERVICES)
    return services


@pytest.mark.parametrize(
    ("ref", "stack"),
    [("refs/heads/main", "dev"), ("refs/tags/rc-1.4.0", "staging"), ("refs/tags/v1.4.0", "prod")],
)
def test_the_examples_release_runs_in_the_environment_the_stack_gives_that_ref(
    ref: str, stack: str
) -> None:
    from scripts.release_refs import resolve

    expression = _example()["jobs"]["release"]["environment"]
    chosen = (
        "production"
        if ref.startswith("refs/tags/v")
        else "staging"
        if ref.startswith("refs/tags/rc-")
        else "development"
    )
    assert "startsWith(github.ref, 'refs/tags/v') && 'production'" in expression
    assert "startsWith(github.ref, 'refs/tags/rc-') && 'staging' || 'development'" in expression
    assert resolve(ref).environment == chosen, f"{ref}: the infra deploy's {stack} gate"


def test_the_examples_release_hands_the_sha_to_the_gated_deploy(
    inventories: dict[str, Any],
) -> None:
    release = _example()["jobs"]["release"]
    assert release["permissions"] == {"contents": "read", "id-token": "write"}
    role = next(s for s in release["steps"] if "configure-aws-credentials" in s.get("uses", ""))
    assert role["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    dispatch = release["steps"][_step_index(release, "gh workflow run deploy.yml")]["run"]
    assert (
        'gh workflow run deploy.yml --repo "$INFRA_REPOSITORY" --ref "$ref" '
        '-f image-tag="$GITHUB_SHA"' in dispatch
    )
    assert "aws ssm" not in str(release), "only the gated infra deploy writes the parameter"
    token = next(s for s in release["steps"] if s.get("id") == "token")
    assert {k: v for k, v in token["with"].items() if k.startswith("permission-")} == {
        "permission-actions": "write",
        "permission-deployments": "read",
    }
    # Every environment variable it reads is one the stacks write into the repository's
    # environments; the rest are set once by hand (README, First run).
    text = (EXAMPLES[0]).read_text()
    read = set(re.findall(r"vars\.([A-Z_]+)", text))
    by_hand = {"AWS_PUBLISH_ROLE_ARN", "RELEASE_APP_CLIENT_ID"}
    written = {
        str(v.input("variableName"))
        for inventory in inventories.values()
        for v in inventory.of_type(
            "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
        )
        if v.input("repository") == _services("prod").name
    }
    assert read - by_hand <= written, read - by_hand - written
    assert "ECR_REPOSITORIES" in read
    assert "GAR_REPOSITORY" in read
