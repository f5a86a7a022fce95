"""`GithubDelivery`: the GitHub side of delivery for one stack.

- The stack's own GitHub environment: required reviewers (looked up by team or
  user name), `prevent_self_review`, no admin bypass, a wait timer, and a
  custom deployment policy naming exactly the branches or tags that may deploy.
  Production adds an earlier `production-approval` environment with a disjoint
  reviewer team: GitHub environments accept one approval each, so two chained
  gates ask two approvals. One person in both teams could still give both; the
  deploy and rollback workflows compare the run's approvers before `pulumi up`
  (scripts/release_approvals.py).
- Environment variables from the stack's own outputs (deploy role ARN, ECR
  registry, cluster and service names, GCP identity, Vercel project id).
  Environment secrets only for third-party tokens, from Pulumi secret config.
- Where the stack owns them (`github.ownsRulesets`), the repository rulesets:
  `main` needs a reviewed pull request (stale reviews dismissed, last-push
  approval), the required status checks, linear history, no force pushes and no
  deletion; release tags (`v*`, `rc-*`) cannot be moved or deleted by anyone,
  and only the `releaseTagCreators` teams may create them. Creation is its own
  ruleset: a bypass actor skips every rule of a ruleset, so the creators'
  bypass must not also let them move or delete a release. (GitHub Docs,
  "Available rules for rulesets": "Restrict creations"; REST "Create a
  repository ruleset": `bypass_actors` with `actor_type: Team`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_github as github

from infra.config import GithubConfig, GithubEnvironmentConfig

RELEASE_TAGS = ("refs/tags/v*", "refs/tags/rc-*")


@dataclass(frozen=True, kw_only=True)
class GithubDeliveryArgs:
    """What `GithubDelivery` is built from: the `github` section plus what it publishes.

    - `settings`: the repository, the stack's environment (and the earlier approval
      environment), whether this stack owns the rulesets, their required checks
      and approvals (1-6), and the teams that may create release tags
      (`release_tag_creators`, required with the rulesets).
    - `variables`: name -> value, environment variables of the stack's environment;
      `secrets`: name -> value, environment secrets (always passed as Pulumi
      secrets); `repository_variables`: name -> value, repository-wide variables.

    Raises ValueError when a name is both a variable and a secret.
    """

    settings: GithubConfig
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


class GithubDelivery(pulumi.ComponentResource):
    environment_name: str

    def __init__(
        self, name: str, args: GithubDeliveryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:github:GithubDelivery", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        if settings.approval_environment is not None:
            self._environment(
                f"{name}-approval", settings.repository, settings.approval_environment
            )
        environment = self._environment(f"{name}-env", settings.repository, settings.environment)

        for key, value in sorted(args.variables.items()):
            github.ActionsEnvironmentVariable(
                f"{name}-var-{key.lower().replace('_', '-')}",
                repository=settings.repository,
                environment=environment.environment,
                variable_name=key,
                value=value,
                opts=child,
            )
        for key, value in sorted(args.secrets.items()):
            github.ActionsEnvironmentSecret(
                f"{name}-secret-{key.lower().replace('_', '-')}",
                repository=settings.repository,
                environment=environment.environment,
                secret_name=key,
                plaintext_value=pulumi.Output.secret(value),
                opts=child,
            )
        for key, value in sorted(args.repository_variables.items()):
            github.ActionsVariable(
                f"{name}-repo-var-{key.lower().replace('_', '-')}",
                repository=settings.repository,
                variable_name=key,
                value=value,
                opts=child,
            )
        if settings.owns_rulesets:
            self._rulesets(name, settings)
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

    def _rulesets(self, name: str, settings: GithubConfig) -> None:
        child = pulumi.ResourceOptions(parent=self)
        github.RepositoryRuleset(
            f"{name}-main",
            name="main",
            repository=settings.repository,
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
                required_status_checks=github.RepositoryRulesetRulesRequiredStatusChecksArgs(
                    strict_required_status_checks_policy=True,
                    required_checks=[
                        github.RepositoryRulesetRulesRequiredStatusChecksRequiredCheckArgs(
                            context=check
                        )
                        for check in settings.required_checks
                    ],
                ),
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
            repository=settings.repository,
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
            repository=settings.repository,
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


def build_if_managed(
    name: str, args: GithubDeliveryArgs, provider: github.Provider | None
) -> GithubDelivery | None:
    """This stack's GitHub delivery objects, unless config leaves GitHub alone (no provider)."""
    if provider is None:
        return None
    return GithubDelivery(name, args, opts=pulumi.ResourceOptions(providers=[provider]))


def environment_name(delivery: GithubDelivery | None) -> str | None:
    """The stack's GitHub environment, for the stack outputs (None without GitHub)."""
    return None if delivery is None else delivery.environment_name
