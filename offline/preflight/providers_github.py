"""GitHub provider and REST API rules for the GitHub types the program registers
(integrations/terraform-provider-github, which pulumi-github wraps)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable

import pulumi_github as github

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
VULNERABILITY_ALERTS = "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"
DEPENDABOT_UPDATES = (
    "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates"
)
REPOSITORY = "github:index/repository:Repository"

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


def _variable_not_secret(r: Registration) -> Iterable[str]:
    if r.is_secret_input("value"):
        yield (
            f"variable {r.input('variableName')!r} would store a secret as a plain Actions "
            "variable (readable by anyone who can read the repository's settings and printed "
            "unmasked in logs); pass it as an environment secret"
        )


def _dependabot_after_alerts(inventory: Inventory) -> Iterable[tuple[str, str]]:
    alerts = {
        str(a.input("repository")): a
        for a in inventory.of_type(VULNERABILITY_ALERTS)
        if a.input("enabled") is not False
    }
    before = waits_for(inventory)
    for r in inventory.of_type(DEPENDABOT_UPDATES):
        if r.input("enabled") is False:
            continue
        repository = str(r.input("repository"))
        alert = alerts.get(repository)
        if alert is None:
            yield (
                r.urn,
                f"Dependabot security updates on {repository!r} without its vulnerability "
                "alerts enabled by this stack: GitHub turns the updates on only where "
                "Dependabot alerts are on",
            )
        elif alert.urn not in before(r):
            yield (
                r.urn,
                f"Dependabot security updates on {repository!r} do not wait for its "
                "vulnerability alerts: created in parallel, the updates can come first and "
                "be refused",
            )


def _camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


# Every argument of github.Repository but the ones an adopted repository manages: an
# argument the program leaves unset still takes the provider's default on the update
# that follows an import (has_issues, has_wiki, ... would be switched off).
ADOPTED_MANAGED = frozenset({"name", "securityAndAnalysis"})
ADOPTED_MUST_IGNORE = (
    frozenset(
        _camel(p)
        for p in inspect.signature(github.RepositoryArgs.__init__).parameters
        if p not in ("self", "__self__")
    )
    - ADOPTED_MANAGED
)


def _adopted_repository(r: Registration) -> Iterable[str]:
    if not r.import_id:
        yield (
            f"repository {r.input('name')!r} is created by the program: the governed "
            "repositories exist before the first up and are adopted (import), never created"
        )
        return
    if r.protect is not True or r.retain_on_delete is not True:
        yield (
            f"adopted repository {r.input('name')!r} needs protect and retain_on_delete: "
            "otherwise a destroy or a removed config entry deletes the repository"
        )
    missing = sorted(ADOPTED_MUST_IGNORE - set(r.ignore_changes))
    if missing:
        yield (
            f"adopted repository {r.input('name')!r} does not ignore {', '.join(missing)}: the "
            "update after an import sets every argument to the program's value or the "
            "provider's default, so all but name and securityAndAnalysis must be in "
            "ignore_changes"
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
    per_resource(
        "github-variables-not-secret",
        "no secret becomes a plain Actions variable",
        "GitHub Docs 'Store information in variables' (variables are shown unmasked; use "
        "secrets for sensitive values)",
        types=(ENV_VARIABLE, REPO_VARIABLE),
        check=_variable_not_secret,
    ),
    whole_inventory(
        "github-dependabot-needs-alerts",
        "Dependabot security updates wait for the repository's vulnerability alerts",
        "GitHub Docs 'About Dependabot security updates' (need Dependabot alerts); "
        "integrations/terraform-provider-github "
        "github/resource_github_repository_dependabot_security_updates.go "
        "(EnableAutomatedSecurityFixes)",
        check=_dependabot_after_alerts,
    ),
    per_resource(
        "github-repository-adopted-safely",
        "a governed repository is adopted (import), protected, and only its security "
        "settings are managed",
        "Pulumi docs 'Resource option: import' (an import whose inputs differ updates the "
        "resource); integrations/terraform-provider-github github/resource_github_repository.go "
        "(security_and_analysis)",
        types=(REPOSITORY,),
        check=_adopted_repository,
    ),
]
