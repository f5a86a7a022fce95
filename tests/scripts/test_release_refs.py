"""Failing cases 2 and 5: rollbacks ran on main (refused by their own gates), and a
release tag on a commit outside main deployed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from offline.engine import ROOT, STACKS
from scripts.release_refs import (
    RefError,
    Target,
    check_deploy,
    check_rollback,
    main,
    ref_matches,
    release_images,
    resolve,
    stack_github,
)

PROD = Target("prod", "production", "production-approval")
STAGING = Target("staging", "staging", "")
DEV = Target("dev", "development", "")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(  # noqa: S603 - fixed git argv
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],  # noqa: S607
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The real stack files in a repository with tags on and off main."""
    for stack in STACKS:
        shutil.copy(ROOT / f"Pulumi.{stack}.yaml", tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "one")
    git(tmp_path, "tag", "-a", "v1.0.0", "-m", "release")  # annotated, on main
    git(tmp_path, "tag", "rc-1.1.0")
    git(tmp_path, "checkout", "-q", "-b", "side")
    (tmp_path / "x").write_text("unreviewed")
    git(tmp_path, "add", "x")
    git(tmp_path, "commit", "-q", "-m", "side")
    git(tmp_path, "tag", "v6.6.6")  # a tag on a branch nobody merged
    git(tmp_path, "checkout", "-q", "main")
    git(tmp_path, "update-ref", "refs/remotes/origin/main", "main")
    return tmp_path


def test_refs_map_to_the_stack_whose_environment_admits_them() -> None:
    assert resolve("refs/heads/main") == DEV
    assert resolve("refs/tags/rc-1.4.0") == STAGING
    assert resolve("refs/tags/v1.4.0") == PROD
    for ref in ("refs/heads/feature", "refs/tags/x1", "refs/pull/3/merge", "main"):
        with pytest.raises(RefError):
            resolve(ref)


def _sample(pattern: str) -> str:
    return pattern.replace("**", "a/b").replace("*", "1.0").replace("?", "x")


@pytest.mark.all_stacks
@pytest.mark.parametrize("stack", STACKS)
def test_each_stacks_refs_deploy_to_it_alone(stack: str) -> None:
    """A new stack file must give its environment refs no other stack admits, or deploy.yml
    could not tell which stack a ref is for."""
    refs = stack_github(stack).environment.refs
    samples = [f"refs/heads/{_sample(b)}" for b in refs.branches]
    samples += [f"refs/tags/{_sample(t)}" for t in refs.tags]
    assert samples, f"{stack}: its environment admits no ref"
    for ref in samples:
        assert resolve(ref).stack == stack, ref


def test_policy_patterns_stay_within_a_path_segment() -> None:
    assert ref_matches("v1.2.3", "v*")
    assert not ref_matches("v1/evil", "v*")
    assert ref_matches("release/1.2", "release/**")
    assert not ref_matches("rc-1", "v*")


def test_a_release_tag_must_be_on_main(repo: Path) -> None:
    assert check_deploy("refs/tags/v1.0.0", repo) == PROD
    assert check_deploy("refs/tags/rc-1.1.0", repo) == STAGING
    assert check_deploy("refs/heads/main", repo) == DEV
    with pytest.raises(RefError, match="not on origin/main"):
        check_deploy("refs/tags/v6.6.6", repo)
    with pytest.raises(RefError, match="not in this clone"):
        check_deploy("refs/tags/v9.9.9", repo)


def test_a_rollback_runs_on_its_release_tag(repo: Path) -> None:
    assert check_rollback("refs/tags/v1.0.0", "prod", repo) == PROD
    assert check_rollback("refs/tags/rc-1.1.0", "staging", repo) == STAGING
    # The old documented command ran on main: the staging/production gates refuse it.
    with pytest.raises(RefError, match="dispatch it on the release tag"):
        check_rollback("refs/heads/main", "prod", repo)
    with pytest.raises(RefError, match="is a release of prod, not of staging"):
        check_rollback("refs/tags/v1.0.0", "staging", repo)
    with pytest.raises(RefError, match="not on origin/main"):
        check_rollback("refs/tags/v6.6.6", "prod", repo)


def test_a_release_checks_the_images_of_the_stacks_services_repositories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for stack in ("dev", "staging", "prod"):
        assert release_images(stack) == ["aevon/api", "aevon/web", "aevon/worker"]
    assert main(["images", "--stack", "prod"]) == 0
    assert capsys.readouterr().out == "aevon/api\naevon/web\naevon/worker\n"
    text = (ROOT / "Pulumi.dev.yaml").read_text()
    (tmp_path / "Pulumi.dev.yaml").write_text(
        text.replace("images: [api, web, worker]", "images: [api]")
    )
    assert release_images("dev", tmp_path) == ["aevon/api"]
