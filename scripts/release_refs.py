"""Which stack a ref deploys to, and whether that ref may deploy at all.

The stack files are the one source: a ref deploys to the stack whose GitHub
environment admits it (`aevon:github.environment.refs`: branch and tag patterns,
the same patterns the environment's deployment policies enforce). A release tag
must also point at a commit that is already on `main`, so nothing unreviewed
reaches staging or prod by tagging a side branch.

    python -m scripts.release_refs resolve --ref "$GITHUB_REF"
        deploy: step outputs stack, environment, approval-environment (empty
        without a second gate); exit 1 when no stack or a tag off main
    python -m scripts.release_refs rollback --ref "$GITHUB_REF" --stack prod
        rollback: the run must be dispatched on the release tag itself
        (`gh workflow run rollback.yml --ref v1.3.2 -f stack=prod`), because the
        environments' tag policies are matched against the run's ref
    python -m scripts.release_refs images --stack prod
        the account ECR repositories (`aevon/<image>`, one per line) whose image of a
        released SHA must exist before the deploy writes it to the release parameter:
        the images of the stack's repositories of kind services

Patterns follow GitHub's deployment branch and tag policies (GitHub Docs,
"Managing environments for deployment": fnmatch syntax, `*` does not match `/`);
`**` matches across `/`. Ancestry is `git merge-base --is-ancestor`, so the job
checks out with full history (`fetch-depth: 0`).
"""

from __future__ import annotations

import argparse
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from infra.config import GithubConfig, RepositoryKind
from infra.naming import image_repository
from offline.args import ArgumentParser
from offline.inputs import stack_names
from scripts import gha

ROOT = Path(__file__).resolve().parent.parent
STACKS = stack_names(ROOT)  # every Pulumi.<stack>.yaml: an environment is its stack file
MAIN = "origin/main"


class RefError(Exception):
    """A ref that must not deploy, with the reason."""


@dataclass(frozen=True)
class Target:
    stack: str
    environment: str
    approval_environment: str  # "" without a second gate


def ref_matches(name: str, pattern: str) -> bool:
    """GitHub's policy match: `*` and `?` stay within one path segment, `**` does not."""
    parts = re.split(r"(\*\*|\*|\?)", pattern)
    wild = {"**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.fullmatch("".join(wild.get(p, re.escape(p)) for p in parts), name) is not None


def stack_github(stack: str, root: Path = ROOT) -> GithubConfig:
    """The validated `aevon:github` block of one stack file."""
    raw = yaml.safe_load((root / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    return GithubConfig.model_validate(raw["config"]["aevon:github"])


def resolve(ref: str, root: Path = ROOT, stacks: tuple[str, ...] = STACKS) -> Target:
    """The one stack whose environment admits `ref` (`refs/heads/…` or `refs/tags/…`)."""
    if ref.startswith("refs/heads/"):
        kind, name = "branches", ref.removeprefix("refs/heads/")
    elif ref.startswith("refs/tags/"):
        kind, name = "tags", ref.removeprefix("refs/tags/")
    else:
        raise RefError(f"{ref} is neither a branch nor a tag: nothing deploys from it")
    matches = []
    for stack in stacks:
        github = stack_github(stack, root)
        patterns = getattr(github.environment.refs, kind)
        if any(ref_matches(name, p) for p in patterns):
            gate = github.approval_environment
            matches.append(Target(stack, github.environment.name, gate.name if gate else ""))
    if len(matches) != 1:
        found = ", ".join(m.stack for m in matches) or "no stack"
        raise RefError(
            f"{ref} deploys to {found}; exactly one stack's environment refs must admit it "
            "(aevon:github.environment.refs in the stack files)"
        )
    return matches[0]


def is_on_main(ref: str, main: str = MAIN, cwd: Path = ROOT) -> bool:
    """Whether the commit `ref` points at is an ancestor of (or is) `main`.

    Raises RefError when git cannot tell (unknown ref, shallow clone).
    """
    commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    if commit.returncode != 0:
        raise RefError(f"{ref} is not in this clone (check out with fetch-depth: 0)")
    if _git(["rev-parse", "--verify", "--quiet", f"{main}^{{commit}}"], cwd).returncode != 0:
        raise RefError(f"{main} is not in this clone (check out with fetch-depth: 0)")
    result = _git(["merge-base", "--is-ancestor", commit.stdout.strip(), main], cwd)
    if result.returncode in (0, 1):
        return result.returncode == 0
    raise RefError(f"git merge-base failed ({result.returncode}): {result.stderr.strip()}")


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed git argv, no shell
        ["git", *args],  # noqa: S607 - git from PATH, as on every runner
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def check_deploy(ref: str, root: Path = ROOT, main: str = MAIN) -> Target:
    """resolve() plus: a release tag must be on `main`."""
    target = resolve(ref, root)
    if ref.startswith("refs/tags/") and not is_on_main(ref, main, root):
        raise RefError(
            f"{ref} points at a commit that is not on {main}: release tags are cut from main"
        )
    return target


def check_rollback(ref: str, stack: str, root: Path = ROOT, main: str = MAIN) -> Target:
    """A rollback runs on the release tag itself, that tag deploys to `stack`, and is on main."""
    if not ref.startswith("refs/tags/"):
        raise RefError(
            f"rollback runs on {ref}; dispatch it on the release tag "
            f"(gh workflow run rollback.yml --ref <tag> -f stack={stack}): the "
            "environments only admit their release tags"
        )
    target = check_deploy(ref, root, main)
    if target.stack != stack:
        raise RefError(f"{ref} is a release of {target.stack}, not of {stack}")
    return target


def release_images(stack: str, root: Path = ROOT) -> list[str]:
    """The account repositories whose `<sha>` image a release of `stack` runs."""
    github = stack_github(stack, root)
    return sorted(
        image_repository(image)
        for repository in github.of_kind(RepositoryKind.SERVICES)
        for image in repository.images
    )


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python -m scripts.release_refs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    deploy = sub.add_parser("resolve", help="deploy: the stack of this ref")
    deploy.add_argument("--ref", required=True)
    back = sub.add_parser("rollback", help="rollback: the run's ref is a release of --stack")
    back.add_argument("--ref", required=True)
    back.add_argument("--stack", required=True, choices=STACKS)
    for p in (deploy, back):
        p.add_argument("--main", default=MAIN, help="the branch release tags must be on")
    images = sub.add_parser("images", help="the ECR repositories a release of --stack runs")
    images.add_argument("--stack", required=True, choices=STACKS)
    args = parser.parse_args(argv)
    if args.command == "images":
        print("\n".join(release_images(args.stack)))
        return 0
    try:
        if args.command == "resolve":
            target = check_deploy(args.ref, main=args.main)
        else:
            target = check_rollback(args.ref, args.stack, main=args.main)
    except RefError as err:
        gha.error(str(err))
        return 1
    gha.set_outputs(
        stack=target.stack,
        environment=target.environment,
        **{"approval-environment": target.approval_environment},
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
