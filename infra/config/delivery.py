"""Delivery sections: `github` (environments, rulesets) and `ci` (the AWS identities CI uses)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from infra.config._base import _Model

GITHUB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
GITHUB_ENVIRONMENT = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
# An image's name, which names its ECR repository `aevon/<image>` (ECR's name syntax).
IMAGE_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")


def _github_name(value: str) -> str:
    if not GITHUB_NAME.match(value):
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
        if not GITHUB_ENVIRONMENT.match(name):
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


def _image_name(value: str) -> str:
    if not IMAGE_NAME.match(value) or len(value) > 200:
        raise ValueError(
            "is not a valid image name: lowercase letters and digits, separated by '.', '_' "
            "or '-' (it names the account's ECR repository <project>/<image>)"
        )
    return value


ImageName = Annotated[str, AfterValidator(_image_name)]


class RepositoryKind(StrEnum):
    """What a repository ships: the kind decides its variables and identities."""

    INFRA = "infra"  # this program: deploy.yml runs `pulumi up`
    SERVICES = "services"  # builds the container images the services run
    FRONTEND = "frontend"  # the Next.js app Vercel builds from its own git link


class RepositoryConfig(_Model):
    """One entry of `github.repositories`: a repository governed as a tenant.

    - `name`: the repository in `github.owner` (a literal name; GitHub compares names
      case-insensitively, so two entries may not differ only by case);
    - `kind`: infra | services | frontend;
    - `images`: (services only, 1-20, unique) the images it builds; each is the
      account's ECR repository `<project>/<image>` (created by bootstrap/, which also
      holds the publisher role that pushes them). The stack gives the repository's
      environment a role that reads them;
    - `artifactRegistry`: its environment also gets a Google service account that may
      push to this stack's Artifact Registry repository (needs images and gcp.enabled);
    - `secrets`: names of `thirdPartyTokens` its environment receives as secrets;
    - `ownsSettings`: this stack manages the repository-wide objects (rulesets, security
      settings); exactly one stack may (the single-ownership check). With it:
      `requiredChecks`, `requiredApprovals` (1-6), `releaseTagCreators` (team slugs,
      required), `secretScanning` (secret scanning with push protection: needs GitHub
      Secret Protection / Advanced Security on a private repository, so it is off
      unless the organization's plan has it).
    """

    name: GithubName
    kind: RepositoryKind
    images: list[ImageName] = Field(default_factory=list, max_length=20)
    artifact_registry: bool = False
    secrets: list[str] = Field(default_factory=list)
    owns_settings: bool = False
    required_checks: list[str] = Field(default_factory=list)
    required_approvals: int = Field(default=1, ge=1, le=6)
    # Teams (slugs) that may create release tags; everyone else is refused by a ruleset.
    release_tag_creators: list[GithubName] = Field(default_factory=list)
    secret_scanning: bool = False

    @model_validator(mode="after")
    def _shape(self) -> RepositoryConfig:
        if self.kind is RepositoryKind.SERVICES and not self.images:
            raise ValueError(f"{self.name} is of kind services but lists no images (images: [...])")
        if self.kind is not RepositoryKind.SERVICES and self.images:
            raise ValueError(
                f"{self.name} is of kind {self.kind.value}, which builds no images; only a "
                "repository of kind services lists images"
            )
        if len(set(self.images)) != len(self.images):
            raise ValueError(f"{self.name} lists an image twice: {', '.join(self.images)}")
        if self.artifact_registry and not self.images:
            raise ValueError(
                f"artifactRegistry asks for a push identity for {self.name}, which has no "
                "images to push (only a repository of kind services with images may push)"
            )
        if not self.owns_settings and (
            self.required_checks or self.release_tag_creators or self.secret_scanning
        ):
            raise ValueError(
                f"requiredChecks, releaseTagCreators and secretScanning of {self.name} "
                "belong to the stack that owns its settings (ownsSettings: true)"
            )
        if self.owns_settings and not self.release_tag_creators:
            raise ValueError(
                f"the stack that owns the settings of {self.name} must list "
                "releaseTagCreators (team slugs): otherwise anyone with write access can "
                "create a release tag"
            )
        if self.owns_settings and self.kind is RepositoryKind.INFRA and not self.required_checks:
            raise ValueError(
                f"the stack that owns the settings of {self.name} must list requiredChecks "
                "(the checks its deploys rely on)"
            )
        return self


class GithubConfig(_Model):
    """`github`: the organization, this stack's environment, and the repositories it governs.

    Every repository in `repositories` gets this stack's `environment` (the same name
    and gate in each: a stack is one environment across its repositories); the infra
    repository also gets `approvalEnvironment`, the earlier gate of its two-person
    deploy check. A repository that is not listed is left alone.
    """

    # false: this stack leaves GitHub alone (per-PR stacks: their job has no GitHub token).
    manage: bool = True
    owner: GithubName
    environment: GithubEnvironmentConfig
    # A second, earlier gate with a disjoint reviewer team: two real approvals.
    approval_environment: GithubEnvironmentConfig | None = None
    repositories: list[RepositoryConfig] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _rules(self) -> GithubConfig:
        seen: dict[str, int] = {}
        for index, repository in enumerate(self.repositories):
            earlier = seen.setdefault(repository.name.lower(), index)
            if earlier != index:
                raise ValueError(
                    f"repositories[{index}].name = {repository.name!r} is configured twice "
                    f"(also repositories[{earlier}]); list each repository once (GitHub "
                    "repository names are case-insensitive)"
                )
        infra = [r.name for r in self.repositories if r.kind is RepositoryKind.INFRA]
        if len(infra) != 1:
            raise ValueError(
                "repositories must hold exactly one repository of kind infra (the one whose "
                f"deploy workflow runs this program); found {len(infra)}"
                + (f": {', '.join(infra)}" if infra else "")
            )
        owned = [r.name for r in self.repositories if r.owns_settings]
        if not self.manage and (owned or self.approval_environment is not None):
            raise ValueError("ownsSettings and approvalEnvironment need manage: true")
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
        return self

    @property
    def infra(self) -> RepositoryConfig:
        """The repository of kind infra (exactly one; the config refuses anything else)."""
        return next(r for r in self.repositories if r.kind is RepositoryKind.INFRA)

    @property
    def repository(self) -> str:
        """The infra repository's name."""
        return self.infra.name

    @property
    def repo(self) -> str:
        """`owner/repository` of the infra repository."""
        return f"{self.owner}/{self.repository}"

    @property
    def oidc_subject(self) -> str:
        """The exact `sub` claim of this stack's deploy jobs (the infra repository)."""
        return self.subject_for(self.infra)

    def subject_for(self, repository: RepositoryConfig) -> str:
        """The exact `sub` claim of `repository`'s jobs in this stack's environment."""
        return f"repo:{self.owner}/{repository.name}:environment:{self.environment.name}"

    def of_kind(self, kind: RepositoryKind) -> list[RepositoryConfig]:
        return [r for r in self.repositories if r.kind is kind]


class OidcProviderMode(StrEnum):
    CREATE = "create"  # this stack creates the account's GitHub OIDC provider
    LOOKUP = "lookup"  # it exists (bootstrap or another stack): look it up


class CiConfig(_Model):
    github_oidc_provider: OidcProviderMode
    # Exactly one stack per account owns the account-level read-only preview/drift roles.
    account_roles: bool
