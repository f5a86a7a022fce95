"""`GithubDelivery`: the GitHub side of delivery, for one governed repository.

Every repository in `github.repositories` (infra, services, frontend) gets one:

- This stack's GitHub environment: required reviewers (looked up by team or user
  name), `prevent_self_review` where reviewers exist, no admin bypass, a wait
  timer, and a custom deployment policy naming exactly the branches or tags that
  may deploy. The infra repository's production adds an earlier
  `production-approval` environment with a disjoint reviewer team: GitHub
  environments accept one approval each, so two chained gates ask two approvals.
  One person in both teams could still give both; the deploy and rollback
  workflows compare the run's approvers before `pulumi up`
  (scripts/release_approvals.py).
- Environment variables from the stack's own outputs, chosen by the repository's
  kind (`environment_variables`): the deploy role, registry, cluster and services,
  GCP identity and Vercel project id for infra; the release role, registry and its
  repositories, cluster and services, the infra deploy to hand a release to, and
  the Artifact Registry push identity for services; the Vercel project id for
  frontend. Environment secrets only from Pulumi secret config (`thirdPartyTokens`,
  the names the repository lists), always passed as secrets.
- Where this stack owns the repository's settings (`ownsSettings`): the rulesets
  (`main` needs a reviewed pull request with stale reviews dismissed and last-push
  approval, the required status checks, linear history, no force pushes and no
  deletion; release tags (`v*`, `rc-*`) cannot be moved or deleted by anyone, and
  only the `releaseTagCreators` teams may create them. Creation is its own
  ruleset: a bypass actor skips every rule of a ruleset, so the creators' bypass
  must not also let them move or delete a release. GitHub Docs, "Available rules
  for rulesets": "Restrict creations"; REST "Create a repository ruleset":
  `bypass_actors` with `actor_type: Team`), and the security settings:
  vulnerability (Dependabot) alerts and Dependabot security updates (separate
  resources; GitHub turns security updates on only where alerts are on), and,
  where config says the organization's plan has it, secret scanning with push
  protection (`secretScanning`; see `_adopt_for_secret_scanning`).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_github as github

from infra.config import GithubConfig, GithubEnvironmentConfig, RepositoryConfig, RepositoryKind

RELEASE_TAGS = ("refs/tags/v*", "refs/tags/rc-*")


@dataclass(frozen=True, kw_only=True)
class GithubDeliveryArgs:
    """What a `GithubDelivery` is built from: the `github` section, one of its
    repositories, and what the stack publishes there.

    - `settings`: the organization and this stack's environment (and the earlier
      approval environment, which only the infra repository gets);
    - `repository`: the `github.repositories` entry: its name, kind, and whether this
      stack owns its settings (rulesets with their required checks and approvals
      (1-6) and release tag creators; security settings);
    - `variables`: name -> value, environment variables of the stack's environment;
      `secrets`: name -> value, environment secrets (always passed as Pulumi
      secrets); `repository_variables`: name -> value, repository-wide variables.

    Raises ValueError when a name is both a variable and a secret, or when the
    repository is not one of `settings.repositories`.
    """

    settings: GithubConfig
    repository: RepositoryConfig
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Repository-wide variables (the account's read-only role ARNs), from their owning stack.
    repository_variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        overlap = set(self.variables) & set(self.secrets)
        if overlap:
            raise ValueError(
                f"GithubDeliveryArgs: {', '.join(sorted(overlap))} is both a variable and a secret"
            )
        if self.repository not in self.settings.repositories:
            raise ValueError(
                f"GithubDeliveryArgs: {self.repository.name} is not in github.repositories"
            )


class GithubDelivery(pulumi.ComponentResource):
    environment_name: str

    def __init__(
        self, name: str, args: GithubDeliveryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:github:GithubDelivery", name, None, opts)
        settings, repository = args.settings, args.repository
        child = pulumi.ResourceOptions(parent=self)
        if settings.approval_environment is not None and repository.kind is RepositoryKind.INFRA:
            self._environment(f"{name}-approval", repository.name, settings.approval_environment)
        environment = self._environment(f"{name}-env", repository.name, settings.environment)

        for key, value in sorted(args.variables.items()):
            github.ActionsEnvironmentVariable(
                f"{name}-var-{key.lower().replace('_', '-')}",
                repository=repository.name,
                environment=environment.environment,
                variable_name=key,
                value=value,
                opts=child,
            )
        for key, value in sorted(args.secrets.items()):
            github.ActionsEnvironmentSecret(
                f"{name}-secret-{key.lower().replace('_', '-')}",
                repository=repository.name,
                environment=environment.environment,
                secret_name=key,
                plaintext_value=pulumi.Output.secret(value),
                opts=child,
            )
        for key, value in sorted(args.repository_variables.items()):
            github.ActionsVariable(
                f"{name}-repo-var-{key.lower().replace('_', '-')}",
                repository=repository.name,
                variable_name=key,
                value=value,
                opts=child,
            )
        if repository.owns_settings:
            self._rulesets(name, repository)
            self._security(name, repository)
        self.environment_name = settings.environment.name
        self.register_outputs({"environment": environment.environment})

    def _environment(
        self, name: str, repository: str, env: GithubEnvironmentConfig
    ) -> github.RepositoryEnvironment:
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        reviewers = None
        if not env.reviewers.empty:
            reviewers = [
                github.RepositoryEnvironmentReviewerArgs(
                    teams=[
                        github.get_team_output(slug=team, opts=invoke).id.apply(int)
                        for team in env.reviewers.teams
                    ],
                    users=[
                        github.get_user_output(username=user, opts=invoke).id.apply(int)
                        for user in env.reviewers.users
                    ],
                )
            ]
        environment = github.RepositoryEnvironment(
            name,
            repository=repository,
            environment=env.name,
            reviewers=reviewers,
            # GitHub refuses the flag (422) on an environment without required reviewers.
            prevent_self_review=env.prevent_self_review and not env.reviewers.empty,
            can_admins_bypass=False,
            wait_timer=env.wait_timer_minutes,
            deployment_branch_policy=github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
                protected_branches=False, custom_branch_policies=True
            ),
            opts=child,
        )
        for kind, patterns in (("branch", env.refs.branches), ("tag", env.refs.tags)):
            for index, pattern in enumerate(patterns):
                github.RepositoryEnvironmentDeploymentPolicy(
                    f"{name}-{kind}-{index}",
                    repository=repository,
                    environment=environment.environment,
                    branch_pattern=pattern if kind == "branch" else None,
                    tag_pattern=pattern if kind == "tag" else None,
                    opts=child,
                )
        return environment

    def _rulesets(self, name: str, settings: RepositoryConfig) -> None:
        child = pulumi.ResourceOptions(parent=self)
        github.RepositoryRuleset(
            f"{name}-main",
            name="main",
            repository=settings.name,
            target="branch",
            enforcement="active",
            conditions=github.RepositoryRulesetConditionsArgs(
                ref_name=github.RepositoryRulesetConditionsRefNameArgs(
                    includes=["~DEFAULT_BRANCH"], excludes=[]
                )
            ),
            rules=github.RepositoryRulesetRulesArgs(
                deletion=True,
                non_fast_forward=True,
                required_linear_history=True,
                pull_request=github.RepositoryRulesetRulesPullRequestArgs(
                    required_approving_review_count=settings.required_approvals,
                    dismiss_stale_reviews_on_push=True,
                    require_last_push_approval=True,
                    required_review_thread_resolution=True,
                ),
                # Without required checks (a repository whose checks this program does not
                # know), the reviewed pull request is the gate.
                required_status_checks=github.RepositoryRulesetRulesRequiredStatusChecksArgs(
                    strict_required_status_checks_policy=True,
                    required_checks=[
                        github.RepositoryRulesetRulesRequiredStatusChecksRequiredCheckArgs(
                            context=check
                        )
                        for check in settings.required_checks
                    ],
                )
                if settings.required_checks
                else None,
            ),
            opts=child,
        )
        release_tags = github.RepositoryRulesetConditionsArgs(
            ref_name=github.RepositoryRulesetConditionsRefNameArgs(
                includes=list(RELEASE_TAGS), excludes=[]
            )
        )
        github.RepositoryRuleset(
            f"{name}-release-tags",
            name="release-tags",
            repository=settings.name,
            target="tag",
            enforcement="active",
            conditions=release_tags,
            rules=github.RepositoryRulesetRulesArgs(
                deletion=True, non_fast_forward=True, update=True
            ),
            opts=child,
        )
        invoke = pulumi.InvokeOptions(parent=self)
        github.RepositoryRuleset(
            f"{name}-release-tag-creation",
            name="release-tag-creation",
            repository=settings.name,
            target="tag",
            enforcement="active",
            conditions=release_tags,
            rules=github.RepositoryRulesetRulesArgs(creation=True),
            bypass_actors=[
                github.RepositoryRulesetBypassActorArgs(
                    actor_id=github.get_team_output(slug=team, opts=invoke).id.apply(int),
                    actor_type="Team",
                    bypass_mode="always",
                )
                for team in settings.release_tag_creators
            ],
            opts=child,
        )

    def _security(self, name: str, settings: RepositoryConfig) -> None:
        child = pulumi.ResourceOptions(parent=self)
        alerts = github.RepositoryVulnerabilityAlerts(
            f"{name}-vulnerability-alerts", repository=settings.name, enabled=True, opts=child
        )
        github.RepositoryDependabotSecurityUpdates(
            f"{name}-dependabot-security-updates",
            repository=settings.name,
            enabled=True,
            # GitHub turns Dependabot security updates on only where Dependabot alerts are
            # on (GitHub Docs, "About Dependabot security updates"); created together, the
            # updates could come first and be refused.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[alerts]),
        )
        if settings.secret_scanning:
            self._adopt_for_secret_scanning(name, settings)

    def _adopt_for_secret_scanning(self, name: str, settings: RepositoryConfig) -> None:
        """Secret scanning with push protection on the existing repository.

        The GitHub provider offers these only as `security_and_analysis` of
        `github.Repository`, so the repository is adopted with `import` (it exists
        before the first `up`: a first-deploy prerequisite) and every other argument is
        in `ignore_changes`: an import whose inputs differ from the repository updates
        it to the program's (Pulumi docs, "Resource option: import"), and this program
        owns only these two settings. `protect` and `retain_on_delete`: no `up` or
        `destroy` may ever delete the repository; to stop managing the settings,
        `pulumi state unprotect` then remove `secretScanning`.
        """
        github.Repository(
            f"{name}-repository",
            name=settings.name,
            security_and_analysis=github.RepositorySecurityAndAnalysisArgs(
                secret_scanning=github.RepositorySecurityAndAnalysisSecretScanningArgs(
                    status="enabled"
                ),
                secret_scanning_push_protection=(
                    github.RepositorySecurityAndAnalysisSecretScanningPushProtectionArgs(
                        status="enabled"
                    )
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                import_=settings.name,
                protect=True,
                retain_on_delete=True,
                ignore_changes=ADOPTED_REPOSITORY_IGNORED,
            ),
        )


# Every argument of github.Repository but the name and the security settings it is
# adopted for (the SDK's own list, so a new provider argument is ignored too).
ADOPTED_REPOSITORY_MANAGED = ("name", "security_and_analysis")
ADOPTED_REPOSITORY_IGNORED = [
    parameter
    for parameter in inspect.signature(github.RepositoryArgs.__init__).parameters
    if parameter not in ("self", "__self__", *ADOPTED_REPOSITORY_MANAGED)
]


@dataclass(frozen=True, kw_only=True)
class StackOutputs:
    """What the stack publishes to its repositories' environments (all wiring).

    - `region`: the AWS region code; `deploy_role_arn`: the infra deploy role;
      `backend_url`: the stack's state backend (its account's bucket);
    - `ecr_registry`: the account registry host; `image_urls`: image -> the account
      ECR repository URL;
    - `cluster_name`; `service_names`: the ECS service names as a JSON list;
    - `vercel`: the Vercel variables (`VERCEL_PROJECT_ID`; none without Vercel);
    - `gcp_infra`: the infra repository's Google Cloud variables (none without GCP);
    - `application_roles`: repository -> its release role ARN (kind services);
    - `application_gcp`: repository -> its Google Cloud variables (artifactRegistry).
    """

    region: str
    deploy_role_arn: pulumi.Input[str]
    backend_url: pulumi.Input[str]
    ecr_registry: pulumi.Input[str]
    image_urls: Mapping[str, pulumi.Input[str]]
    cluster_name: pulumi.Input[str]
    service_names: pulumi.Input[str]
    vercel: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    gcp_infra: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    application_roles: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    application_gcp: Mapping[str, Mapping[str, pulumi.Input[str]]] = field(default_factory=dict)


def environment_variables(
    settings: GithubConfig, repository: RepositoryConfig, outputs: StackOutputs
) -> dict[str, pulumi.Input[str]]:
    """The environment variables `repository` gets in this stack's environment, by kind.

    Only outputs, never a secret (the secrets are `GithubDeliveryArgs.secrets`).
    Raises ValueError for a services repository without a release role.
    """
    if repository.kind is RepositoryKind.INFRA:
        return {
            "AWS_DEPLOY_ROLE_ARN": outputs.deploy_role_arn,
            "PULUMI_BACKEND_URL": outputs.backend_url,
            "AWS_REGION": outputs.region,
            "ECR_REGISTRY": outputs.ecr_registry,
            "ECS_CLUSTER": outputs.cluster_name,
            "ECS_SERVICES": outputs.service_names,
            **outputs.vercel,
            **outputs.gcp_infra,
        }
    if repository.kind is RepositoryKind.FRONTEND:
        return dict(outputs.vercel)
    if repository.name not in outputs.application_roles:
        raise ValueError(f"environment_variables: {repository.name} has no release role")
    return {
        "AWS_ROLE_ARN": outputs.application_roles[repository.name],
        "AWS_REGION": outputs.region,
        "ECR_REGISTRY": outputs.ecr_registry,
        # image -> repository URL: the images this repository builds and releases.
        "ECR_REPOSITORIES": pulumi.Output.json_dumps(
            {image: outputs.image_urls[image] for image in repository.images}
        ),
        "ECS_CLUSTER": outputs.cluster_name,
        "ECS_SERVICES": outputs.service_names,
        # Where a release goes: deploy.yml of the infra repository, in this environment.
        "INFRA_REPOSITORY": f"{settings.owner}/{settings.repository}",
        "INFRA_ENVIRONMENT": settings.environment.name,
        **outputs.application_gcp.get(repository.name, {}),
    }


def component_name(name: str, repository: RepositoryConfig) -> str:
    """The infra repository's component keeps the name it always had (`name`), so its
    resources keep their URNs; every other repository's is `<name>-<repository>`."""
    return name if repository.kind is RepositoryKind.INFRA else f"{name}-{repository.name}"


def build_if_managed(
    name: str,
    settings: GithubConfig,
    *,
    outputs: StackOutputs,
    tokens: Mapping[str, pulumi.Input[str]],
    repository_variables: Mapping[str, pulumi.Input[str]],
    provider: github.Provider | None,
) -> dict[str, GithubDelivery]:
    """repository name -> its delivery objects, for every configured repository, unless
    config leaves GitHub alone (no provider). `tokens` are the secret third-party tokens
    (each repository gets those it names); `repository_variables` go to the infra
    repository."""
    if provider is None:
        return {}
    opts = pulumi.ResourceOptions(providers=[provider])
    return {
        repository.name: GithubDelivery(
            component_name(name, repository),
            GithubDeliveryArgs(
                settings=settings,
                repository=repository,
                variables=environment_variables(settings, repository, outputs),
                secrets={key: tokens[key] for key in repository.secrets},
                repository_variables=repository_variables
                if repository.kind is RepositoryKind.INFRA
                else {},
            ),
            opts=opts,
        )
        for repository in settings.repositories
    }


def environment_name(deliveries: Mapping[str, GithubDelivery]) -> str | None:
    """The stack's GitHub environment, for the stack outputs (None without GitHub)."""
    return next((d.environment_name for d in deliveries.values()), None)
