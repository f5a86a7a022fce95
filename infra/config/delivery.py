"""Delivery sections: `github` (environments, rulesets) and `ci` (the AWS identities CI uses)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from infra.config._base import _Model

_GITHUB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_GITHUB_ENV = re.compile(r"^[a-z][a-z0-9-]{1,30}$")


def _github_name(value: str) -> str:
    if not _GITHUB_NAME.match(value):
        raise ValueError(
            "must be a literal GitHub name (letters, digits, '.', '_', '-'); wildcards would "
            "widen the OIDC subject the deploy roles trust"
        )
    return value


GithubName = Annotated[str, AfterValidator(_github_name)]


class Reviewers(_Model):
    teams: list[GithubName] = Field(default_factory=list)
    users: list[GithubName] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.teams or self.users)


class RefPolicy(_Model):
    branches: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one(self) -> RefPolicy:
        if not (self.branches or self.tags):
            raise ValueError("name the branches or tags that may deploy")
        return self


class GithubEnvironmentConfig(_Model):
    name: str
    require_approval: bool
    reviewers: Reviewers = Reviewers()
    wait_timer_minutes: int = Field(default=0, ge=0, le=43200)
    prevent_self_review: bool = True
    refs: RefPolicy

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _GITHUB_ENV.match(name):
            raise ValueError("must be a lowercase environment name such as production")
        return name

    @model_validator(mode="after")
    def _approvers(self) -> GithubEnvironmentConfig:
        if self.require_approval and self.reviewers.empty:
            raise ValueError(
                f"environment {self.name} requires approval but lists no reviewers "
                "(reviewers.teams or reviewers.users)"
            )
        if not self.require_approval and not self.reviewers.empty:
            raise ValueError(
                f"environment {self.name} lists reviewers but requireApproval is false"
            )
        if self.require_approval and not self.prevent_self_review:
            raise ValueError(
                f"environment {self.name} requires approval with preventSelfReview false: the "
                "person who starts a deploy could approve it alone; keep preventSelfReview true"
            )
        return self

    @property
    def reviewer_names(self) -> set[str]:
        """Teams and users, lower case: GitHub slugs and logins ignore case."""
        return {name.lower() for name in (*self.reviewers.teams, *self.reviewers.users)}


class GithubConfig(_Model):
    # false: this stack leaves GitHub alone (per-PR stacks: their job has no GitHub token).
    manage: bool = True
    owner: GithubName
    repository: GithubName
    environment: GithubEnvironmentConfig
    # A second, earlier gate with a disjoint reviewer team: two real approvals.
    approval_environment: GithubEnvironmentConfig | None = None
    owns_rulesets: bool = False
    required_checks: list[str] = Field(default_factory=list)
    required_approvals: int = Field(default=1, ge=1, le=6)
    # Teams (slugs) that may create release tags; everyone else is refused by a ruleset.
    release_tag_creators: list[GithubName] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self) -> GithubConfig:
        if not self.manage and (self.owns_rulesets or self.approval_environment is not None):
            raise ValueError("ownsRulesets and approvalEnvironment need manage: true")
        if self.owns_rulesets and not self.release_tag_creators:
            raise ValueError(
                "the stack that owns the rulesets must list releaseTagCreators (team slugs): "
                "otherwise anyone with write access can create a release tag"
            )
        gate = self.approval_environment
        if gate is not None:
            if not (gate.require_approval and self.environment.require_approval):
                raise ValueError("both chained environments must require approval")
            if gate.name == self.environment.name:
                raise ValueError(
                    f"approvalEnvironment and environment are both '{gate.name}': one "
                    "environment asks for one approval; the gate must be a second environment"
                )
            shared = gate.reviewer_names & self.environment.reviewer_names
            if shared:
                raise ValueError(
                    f"the two approval environments share reviewers ({', '.join(sorted(shared))}); "
                    "they must be disjoint so that two different people approve"
                )
        if self.owns_rulesets and not self.required_checks:
            raise ValueError("the stack that owns the rulesets must list requiredChecks")
        return self

    @property
    def repo(self) -> str:
        """`owner/repository`."""
        return f"{self.owner}/{self.repository}"

    @property
    def oidc_subject(self) -> str:
        """The exact `sub` claim of this stack's deploy jobs."""
        return f"repo:{self.owner}/{self.repository}:environment:{self.environment.name}"


class OidcProviderMode(StrEnum):
    CREATE = "create"  # this stack creates the account's GitHub OIDC provider
    LOOKUP = "lookup"  # it exists (bootstrap or another stack): look it up


class CiConfig(_Model):
    github_oidc_provider: OidcProviderMode
    # Exactly one stack per account owns the account-level read-only preview/drift roles.
    account_roles: bool
