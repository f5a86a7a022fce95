"""GitHub provider and REST API rules for the GitHub types the program registers
(integrations/terraform-provider-github, which pulumi-github wraps)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from offline.engine import Inventory, Registration
from offline.preflight import Check
from offline.preflight.table import per_resource, waits_for, whole_inventory

ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
DEPLOYMENT_POLICY = (
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
)
ENV_VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
ENV_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"  # noqa: S105 - a type token
REPO_VARIABLE = "github:index/actionsVariable:ActionsVariable"
REPO_SECRET = "github:index/actionsSecret:ActionsSecret"  # noqa: S105 - a type token
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"

MAX_REVIEWERS = 6
MAX_WAIT_TIMER_MINUTES = 43_200
_CONFIG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RULESET_SPECIAL = {"branch": ("~DEFAULT_BRANCH", "~ALL"), "tag": ("~ALL",)}
_RULESET_PREFIX = {"branch": "refs/heads/", "tag": "refs/tags/"}


def _named_reviewers(r: Registration) -> int:
    return sum(
        len(entry.get("teams") or []) + len(entry.get("users") or [])
        for entry in r.input("reviewers") or []
    )


def _self_review_needs_reviewers(r: Registration) -> Iterable[str]:
    if r.input("preventSelfReview") is True and not _named_reviewers(r):
        yield (
            f"environment {r.input('environment')!r} sets preventSelfReview with no reviewers; "
            "GitHub answers 422 'Required reviewers must have at least one reviewer to set "
            "prevent_self_review': send it only where reviewers exist"
        )


def _reviewers_and_timer(r: Registration) -> Iterable[str]:
    count = _named_reviewers(r)
    if count > MAX_REVIEWERS:
        yield (
            f"environment {r.input('environment')!r} lists {count} reviewers; GitHub allows "
            f"at most {MAX_REVIEWERS} users or teams"
        )
    timer = r.input("waitTimer")
    if timer is not None and not 0 <= int(timer) <= MAX_WAIT_TIMER_MINUTES:
        yield (
            f"environment {r.input('environment')!r} waitTimer {timer}: must be 0-"
            f"{MAX_WAIT_TIMER_MINUTES} minutes"
        )


def _one_pattern(r: Registration) -> Iterable[str]:
    given = [k for k in ("branchPattern", "tagPattern") if r.input(k)]
    if len(given) != 1:
        yield (
            f"deployment policy for {r.input('environment')!r} sets {given or 'no pattern'}; "
            "exactly one of branchPattern or tagPattern is required"
        )


def _config_names(r: Registration) -> Iterable[str]:
    key = "secretName" if "secret" in r.type.lower() else "variableName"
    name = str(r.input(key) or "")
    if not _CONFIG_NAME.match(name) or name.upper().startswith("GITHUB_"):
        yield (
            f"{key} {name!r}: GitHub accepts only letters, digits and '_', not starting with a "
            "digit or with GITHUB_"
        )


def _environment_children(inventory: Inventory) -> Iterable[tuple[str, str]]:
    """Policies, variables and secrets of an environment need it first, and policies
    need it to use custom branch policies."""
    environments = {
        (str(e.input("repository")), str(e.input("environment"))): e
        for e in inventory.of_type(ENVIRONMENT)
    }
    before = waits_for(inventory)
    for r in inventory.registrations:
        if r.type not in (DEPLOYMENT_POLICY, ENV_VARIABLE, ENV_SECRET):
            continue
        key = (str(r.input("repository")), str(r.input("environment")))
        environment = environments.get(key)
        if environment is None:
            yield r.urn, f"environment {key[1]!r} of {key[0]!r} is not managed by this stack"
            continue
        if environment.urn not in before(r):
            yield (
                r.urn,
                f"does not wait for environment {key[1]!r}: created in parallel, GitHub answers "
                "404 until the environment exists",
            )
        policy = environment.input("deploymentBranchPolicy") or {}
        if r.type == DEPLOYMENT_POLICY and policy.get("customBranchPolicies") is not True:
            yield (
                r.urn,
                f"environment {key[1]!r} does not set deploymentBranchPolicy."
                "customBranchPolicies: true, so GitHub refuses its deployment policies",
            )


def _ruleset_refs(r: Registration) -> Iterable[str]:
    target = str(r.input("target"))
    if target not in _RULESET_PREFIX:
        return
    ref_name = (r.input("conditions") or {}).get("refName") or {}
    for field in ("includes", "excludes"):
        for pattern in ref_name.get(field) or []:
            if pattern in _RULESET_SPECIAL[target] or pattern.startswith(_RULESET_PREFIX[target]):
                continue
            yield (
                f"ruleset {r.input('name')!r} ({target}) {field} {pattern!r}: GitHub matches "
                f"full ref names, so it matches nothing; use {_RULESET_PREFIX[target]}... or "
                f"{' / '.join(_RULESET_SPECIAL[target])}"
            )


CHECKS: list[Check] = [
    per_resource(
        "github-self-review-needs-reviewers",
        "prevent_self_review only on environments with required reviewers",
        "GitHub REST 'Create or update an environment' (422); "
        "github-community-projects/safe-settings#628",
        types=(ENVIRONMENT,),
        check=_self_review_needs_reviewers,
    ),
    per_resource(
        "github-environment-limits",
        "at most six reviewers and a wait timer of 0-43200 minutes per environment",
        "GitHub REST 'Create or update an environment' (reviewers: up to 6; wait_timer: "
        "0-43200); integrations/terraform-provider-github "
        "github/resource_github_repository_environment.go",
        types=(ENVIRONMENT,),
        check=_reviewers_and_timer,
    ),
    per_resource(
        "github-deployment-policy-one-pattern",
        "a deployment policy names exactly one branch or tag pattern",
        "integrations/terraform-provider-github "
        "github/resource_github_repository_environment_deployment_policy.go (ExactlyOneOf "
        "branch_pattern, tag_pattern)",
        types=(DEPLOYMENT_POLICY,),
        check=_one_pattern,
    ),
    whole_inventory(
        "github-environment-children-wait",
        "environment policies, variables and secrets wait for their environment",
        "GitHub REST 'Create a deployment branch policy', 'Create an environment variable' "
        "(404 for an unknown environment; policies need custom_branch_policies)",
        check=_environment_children,
    ),
    per_resource(
        "github-config-names",
        "Actions variable and secret names GitHub accepts",
        "GitHub Docs 'Store information in variables' (naming conventions) and 'Using "
        "secrets in GitHub Actions' (naming your secrets)",
        types=(ENV_VARIABLE, ENV_SECRET, REPO_VARIABLE, REPO_SECRET),
        check=_config_names,
    ),
    per_resource(
        "github-ruleset-full-ref-names",
        "ruleset ref conditions use full ref names or ~DEFAULT_BRANCH / ~ALL",
        "GitHub REST 'Create a repository ruleset' (conditions.ref_name.include/exclude); "
        "GitHub Docs 'Creating rulesets for a repository' (fnmatch over refs/heads/*, "
        "refs/tags/*)",
        types=(RULESET,),
        check=_ruleset_refs,
    ),
]
