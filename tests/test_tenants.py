"""Application repositories as governed tenants (issue 13): each configured repository's
environment, variables, secrets, rulesets, security settings and keyless identities, on
every real stack and the per-PR stack, and the components built alone."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from infra.config import ConfigError, GithubConfig, RepositoryKind, parse
from infra.github.delivery import (
    ADOPTED_REPOSITORY_IGNORED,
    GithubDelivery,
    GithubDeliveryArgs,
)
from offline import preflight
from offline.engine import (
    STACKS,
    TEST_SECRET_VALUE,
    Inventory,
    Registration,
    build,
    run_stack,
    stack_config,
    stack_file,
)
from offline.ownership import check_single_ownership
from offline.preflight.iam import Grants, Statement
from tests.test_identity_and_platforms import pr_stack_overrides

ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
ENV_VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
REPO_VARIABLE = "github:index/actionsVariable:ActionsVariable"
ENV_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
ALERTS = "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"
UPDATES = "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates"
ROLE = "aws:iam/role:Role"
AUD = "token.actions.githubusercontent.com:aud"
SUB = "token.actions.githubusercontent.com:sub"
ECR_ARN = "arn:aws:ecr:us-east-1:123456789012:repository/"
PR_STACK = "pr-42"


def _github(stack: str) -> GithubConfig:
    return parse("aevon", stack, stack_config(stack)[0]).github


def _environment_name(stack: str) -> str:
    return str(stack_file(stack)["config"]["aevon:github"]["environment"]["name"])


def _grants(inventory: Inventory, role: Registration) -> Grants:
    statements = tuple(
        statement
        for policy in inventory.of_type("aws:iam/rolePolicy:RolePolicy")
        if policy.input("role") in (role.id, role.input("name"))
        for statement in Statement.parse(json.loads(policy.input("policy")), policy.name)
    )
    return Grants(statements, None)


def _release_role(inventory: Inventory, repository: str) -> Registration:
    (role,) = [r for r in inventory.of_type(ROLE) if r.name == f"release-{repository}-role"]
    return role


@pytest.fixture
def pr_stack(pr_stack_inventory: Inventory) -> Inventory:
    return pr_stack_inventory


# ------------------------------------------------------------------ environments
@pytest.mark.parametrize("stack", STACKS)
def test_every_configured_repository_gets_the_stacks_gated_environment(
    inventories: dict[str, Inventory], stack: str
) -> None:
    github = _github(stack)
    gate = github.environment
    environments = {
        (e.input("repository"), e.input("environment")): e
        for e in inventories[stack].of_type(ENVIRONMENT)
    }
    for repository in github.repositories:
        environment = environments[(repository.name, gate.name)]
        assert environment.input("waitTimer") == gate.wait_timer_minutes
        assert environment.input("canAdminsBypass") is False
        # No self-review wherever reviewers exist (GitHub refuses the flag without them).
        assert environment.input("preventSelfReview") is (not gate.reviewers.empty)
        assert bool(environment.input("reviewers")) is (not gate.reviewers.empty)
        assert environment.input("deploymentBranchPolicy") == {
            "protectedBranches": False,
            "customBranchPolicies": True,
        }
    # The second production gate is the infra deploy's two-person check only.
    approval = {r for r, e in environments if e == "production-approval"}
    assert approval == ({github.repository} if github.approval_environment else set())


def test_a_repository_that_is_not_configured_is_left_alone(
    inventories: dict[str, Inventory], pr_stack: Inventory
) -> None:
    for stack, inventory in [*inventories.items(), (PR_STACK, pr_stack)]:
        configured = {r.name for r in _github("dev" if stack == PR_STACK else stack).repositories}
        named = {
            str(r.input("repository") or r.input("name"))
            for r in inventory.custom()
            if r.type.startswith("github:")
        }
        assert named <= configured, f"{stack} touches {named - configured}"


# ------------------------------------------------------------------ variables and secrets
@pytest.mark.parametrize("stack", STACKS)
def test_application_variables_come_from_the_stacks_own_outputs(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inventory = inventories[stack]
    github = _github(stack)
    variables: dict[str, dict[str, Any]] = {}
    for v in inventory.of_type(ENV_VARIABLE):
        variables.setdefault(v.input("repository"), {})[v.input("variableName")] = v.input("value")
    (services,) = github.of_kind(RepositoryKind.SERVICES)
    platform = variables[services.name]
    out = inventory.outputs
    assert platform["AWS_ROLE_ARN"] == out["applicationRoleArns"][services.name]
    assert platform["ECR_REGISTRY"] == out["ecrRegistry"]
    assert json.loads(platform["ECR_REPOSITORIES"]) == {
        image: out["repositoryUrls"][image] for image in services.images
    }
    assert platform["ECS_CLUSTER"] == out["ecsClusterName"]
    assert json.loads(platform["ECS_SERVICES"]) == out["ecsServiceNames"]
    assert platform["INFRA_REPOSITORY"] == f"{github.owner}/{github.repository}"
    assert platform["INFRA_ENVIRONMENT"] == out["githubEnvironment"] == github.environment.name
    gcp = {"GCP_WORKLOAD_IDENTITY_PROVIDER", "GCP_SERVICE_ACCOUNT", "GAR_REPOSITORY"}
    assert (gcp <= set(platform)) is services.artifact_registry
    (frontend,) = github.of_kind(RepositoryKind.FRONTEND)
    if stack_file(stack)["config"]["aevon:vercel"].get("manage", True):
        assert variables[frontend.name] == {"VERCEL_PROJECT_ID": out["vercelProjectId"]}
    else:  # a stack that leaves Vercel alone has no project id to give
        assert frontend.name not in variables


def test_no_secret_becomes_a_plain_variable() -> None:
    """Every repository receives every token: each one arrives only as an environment
    secret, no variable of any repository carries it, and the preflight agrees."""
    github = stack_file("dev")["config"]["aevon:github"]
    tokens = {"SENTRY_AUTH_TOKEN": {"secure": "v1:a"}, "RELEASE_APP_KEY": {"secure": "v1:b"}}
    repositories = [{**r, "secrets": sorted(tokens)} for r in github["repositories"]]
    inventory = run_stack(
        "dev",
        {
            "aevon:thirdPartyTokens": tokens,
            "aevon:github": {**github, "repositories": repositories},
        },
    )
    secrets = inventory.of_type(ENV_SECRET)
    assert {(s.input("repository"), s.input("secretName")) for s in secrets} == {
        (r["name"], t) for r in repositories for t in tokens
    }
    assert all(s.is_secret_input("plaintextValue") for s in secrets)
    for variable in [*inventory.of_type(ENV_VARIABLE), *inventory.of_type(REPO_VARIABLE)]:
        assert not variable.is_secret_input("value"), variable.urn
        assert TEST_SECRET_VALUE not in json.dumps(variable.input("value")), variable.urn
    checked = [f for f in preflight.run(inventory) if f.rule == "github-variables-not-secret"]
    assert checked == []


def test_a_variable_that_is_a_secret_is_refused_by_the_preflight() -> None:
    github = GithubConfig.model_validate(stack_file("dev")["config"]["aevon:github"])

    def program() -> object:
        args = GithubDeliveryArgs(
            settings=github,
            repository=github.infra,
            variables={"SENTRY_AUTH_TOKEN": pulumi.Output.secret("t0ken")},
        )
        return GithubDelivery("github", args).environment_name

    inventory = Inventory.of(*build(program).registrations)
    (finding,) = [f for f in preflight.run(inventory) if f.rule == "github-variables-not-secret"]
    assert "SENTRY_AUTH_TOKEN" in finding.message


def test_a_repository_outside_the_github_section_is_refused() -> None:
    github = GithubConfig.model_validate(stack_file("dev")["config"]["aevon:github"])
    stranger = github.infra.model_copy(update={"name": "somebody-else"})
    with pytest.raises(ValueError, match=r"somebody-else is not in github\.repositories"):
        GithubDeliveryArgs(settings=github, repository=stranger)


# ------------------------------------------------------------------ rulesets and security
def test_prod_owns_every_repositorys_rulesets_and_security_settings(
    inventories: dict[str, Inventory],
) -> None:
    prod = inventories["prod"]
    for repository in _github("prod").repositories:
        names = {
            r.input("name")
            for r in prod.of_type(RULESET)
            if r.input("repository") == repository.name
        }
        assert names == {"main", "release-tags", "release-tag-creation"}
        (alerts,) = [a for a in prod.of_type(ALERTS) if a.input("repository") == repository.name]
        (updates,) = [u for u in prod.of_type(UPDATES) if u.input("repository") == repository.name]
        assert alerts.input("enabled") is updates.input("enabled") is True
        assert alerts.urn in updates.depends_on
    for stack in ("dev", "staging"):
        owned = [r for r in inventories[stack].custom() if r.type in (RULESET, ALERTS, UPDATES)]
        assert owned == []


def test_secret_scanning_adopts_the_existing_repository_and_manages_nothing_else() -> None:
    github = GithubConfig.model_validate(
        {
            **stack_file("prod")["config"]["aevon:github"],
            "repositories": [
                {"name": "aevon-infra", "kind": "infra", "ownsSettings": True,
                 "requiredChecks": ["ci"], "releaseTagCreators": ["release-managers"],
                 "secretScanning": True},
            ],
        }
    )  # fmt: skip
    args = GithubDeliveryArgs(settings=github, repository=github.infra)
    rec = build(lambda: GithubDelivery("github", args).environment_name)
    (repository,) = rec.of_type("github:index/repository:Repository")
    assert repository.import_id == "aevon-infra", "adopted, never created"
    assert (repository.protect, repository.retain_on_delete) == (True, True)
    assert repository.input("securityAndAnalysis") == {
        "secretScanning": {"status": "enabled"},
        "secretScanningPushProtection": {"status": "enabled"},
    }
    assert "hasIssues" in repository.ignore_changes
    assert len(repository.ignore_changes) == len(ADOPTED_REPOSITORY_IGNORED)
    inventory = Inventory.of(*rec.registrations)
    assert [f for f in preflight.run(inventory) if f.rule.startswith("github-")] == []


# ------------------------------------------------------------------ keyless identities
@pytest.mark.parametrize("stack", [*STACKS, PR_STACK])
def test_release_roles_trust_exactly_their_repository_and_environment(
    inventories: dict[str, Inventory], pr_stack: Inventory, stack: str
) -> None:
    inventory = pr_stack if stack == PR_STACK else inventories[stack]
    github = _github("dev")
    environment = PR_STACK if stack == PR_STACK else _environment_name(stack)
    for repository in github.of_kind(RepositoryKind.SERVICES):
        role = _release_role(inventory, repository.name)
        (statement,) = json.loads(role.input("assumeRolePolicy"))["Statement"]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Condition"] == {
            "StringEquals": {
                AUD: "sts.amazonaws.com",
                SUB: f"repo:aevon-os/{repository.name}:environment:{environment}",
            }
        }


@pytest.mark.parametrize("stack", STACKS)
def test_a_release_role_reads_only_its_own_images_and_can_push_nothing(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inventory = inventories[stack]
    (services,) = _github(stack).of_kind(RepositoryKind.SERVICES)
    grants = _grants(inventory, _release_role(inventory, services.name))
    account = stack_file(stack)["config"]["aws:allowedAccountIds"][0]
    ecr = ECR_ARN.replace("123456789012", account)
    own = [f"{ecr}aevon/{image}" for image in services.images]
    foreign = [f"{ecr}aevon/other", f"{ecr}aevon-{stack}/api", f"{ECR_ARN}aevon/api"]
    for arn in own:
        for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages"):
            assert grants.allows(action, arn, {}) is None, (action, arn)
    push_or_change = (
        "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload", "ecr:BatchDeleteImage", "ecr:DeleteRepository",
        "ecr:SetRepositoryPolicy", "ecr:PutLifecyclePolicy",
    )  # fmt: skip
    for arn in [*own, *foreign, "*"]:
        for action in push_or_change:
            assert grants.allows(action, arn, {}) is not None, (action, arn)
    for arn in foreign:
        assert grants.allows("ecr:BatchGetImage", arn, {}) is not None, arn
    assert grants.allows("ecr:GetAuthorizationToken", "*", {}) is None
    parameter = f"arn:aws:ssm:us-east-1:{account}:parameter/aevon-{stack}/release/image-tag"
    assert grants.allows("ssm:PutParameter", parameter, {}) is not None, (
        "only the gated infra deploy writes the release parameter"
    )


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_gcp_push_identity_is_bound_to_the_stacks_registry_and_one_subject(
    inventories: dict[str, Inventory], stack: str
) -> None:
    inventory = inventories[stack]
    (services,) = _github(stack).of_kind(RepositoryKind.SERVICES)
    account = inventory.by_name(f"gcp-release-{services.name}-account")
    email = account.outputs["email"]
    (push,) = inventory.of_type("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember")
    registry = inventory.one("gcp:artifactregistry/repository:Repository")
    assert push.input("repository") == registry.input("repositoryId")
    assert (push.input("role"), push.input("member")) == (
        "roles/artifactregistry.writer",
        f"serviceAccount:{email}",
    )
    project_grants = [
        m
        for m in inventory.of_type("gcp:projects/iAMMember:IAMMember")
        if email in m.input("member")
    ]
    assert project_grants == [], "no project-wide role: only the registry"
    impersonation = [
        m
        for m in inventory.of_type("gcp:serviceaccount/iAMMember:IAMMember")
        if m.input("serviceAccountId") == account.outputs["name"]
    ]
    (member,) = impersonation
    assert member.input("role") == "roles/iam.workloadIdentityUser"
    assert member.input("member").endswith(
        f"/subject/repo:aevon-os/{services.name}:environment:{_environment_name(stack)}"
    )
    provider = inventory.by_name(f"gcp-release-{services.name}-provider")
    assert (
        provider.input("attributeCondition")
        == f'assertion.repository == "aevon-os/{services.name}" && assertion.sub == '
        f'"repo:aevon-os/{services.name}:environment:{_environment_name(stack)}"'
    )


# ------------------------------------------------------------------ one owner each
def _github_object_keys(inventory: Inventory) -> set[tuple[str, ...]]:
    """Each GitHub object as GitHub itself identifies it."""
    keys = set()
    for r in inventory.custom():
        if r.type.startswith("github:"):
            identity = ("repository", "environment", "name", "variableName", "secretName",
                        "branchPattern", "tagPattern")  # fmt: skip
            keys.add((r.type, *(str(r.input(k)) for k in identity)))
    return keys


def test_each_shared_github_object_has_one_owner_across_all_stacks_pr_stacks_included(
    inventories: dict[str, Inventory], pr_stack: Inventory
) -> None:
    seen: dict[tuple[str, ...], str] = {}
    for stack, inventory in [*inventories.items(), (PR_STACK, pr_stack)]:
        for key in _github_object_keys(inventory):
            assert key not in seen, f"{key} is managed by both {seen[key]} and {stack}"
            seen[key] = stack
    assert _github_object_keys(pr_stack) == set(), "a per-PR stack leaves GitHub alone"
    # What the config-level check sees: the same claims, none twice.
    configs = {s: parse("aevon", s, stack_config(s)[0]) for s in STACKS}
    configs[PR_STACK] = parse("aevon", PR_STACK, stack_config("dev", pr_stack_overrides(42))[0])
    check_single_ownership(configs)


def _with_github(stack: str, **changes: Any) -> dict[str, Any]:
    config, _ = stack_config(stack)
    return {**config, "aevon:github": {**stack_file(stack)["config"]["aevon:github"], **changes}}


def test_two_stacks_owning_one_repositorys_settings_is_one_clear_error() -> None:
    configs = {s: parse("aevon", s, stack_config(s)[0]) for s in STACKS}
    repositories = [
        {**r, "ownsSettings": True, "releaseTagCreators": ["platform-engineers"]}
        if r["kind"] == "frontend"
        else r
        for r in stack_file("staging")["config"]["aevon:github"]["repositories"]
    ]
    configs["staging"] = parse(
        "aevon", "staging", _with_github("staging", repositories=repositories)
    )
    with pytest.raises(ConfigError) as caught:
        check_single_ownership(configs)
    message = str(caught.value)
    assert "github-rulesets:aevon-os/aevon-web: stack " in message
    for stack in ("staging", "prod"):
        assert f"stack '{stack}' (aevon:github.repositories[2].ownsSettings)" in message
    assert "github-security-settings:aevon-os/aevon-web" in message


def test_two_stacks_in_one_environment_clash_in_every_repository() -> None:
    configs = {s: parse("aevon", s, stack_config(s)[0]) for s in STACKS}
    environment = {
        **stack_file("staging")["config"]["aevon:github"]["environment"],
        "name": "production",
    }
    configs["staging"] = parse("aevon", "staging", _with_github("staging", environment=environment))
    with pytest.raises(ConfigError) as caught:
        check_single_ownership(configs)
    for repository in ("aevon-infra", "aevon-platform", "aevon-web"):
        assert f"github-environment:aevon-os/{repository}:production" in str(caught.value)
