"""`GcpApplicationIdentity`: keyless Google Cloud access for an application repository.

For a repository of kind services with `artifactRegistry: true`, in a stack with GKE:

- a GitHub OIDC provider in the stack's workload identity pool whose
  `attribute_condition` admits tokens of exactly that repository and subject (the infra
  repository keeps its own provider, `infra.gcp.ci_identity`);
- a service account whose only grant is `roles/artifactregistry.writer` on the
  stack's Artifact Registry repository (a repository-level binding: push images and
  tags, no delete, no IAM change, nothing else in the project; tags are immutable);
- impersonable (`roles/iam.workloadIdentityUser`) by exactly one principal:
  `principal://iam.googleapis.com/<pool>/subject/repo:<owner>/<repository>:environment:<env>`.

Its release job copies the SHA's images from the account's ECR repositories (which
its AWS identity may read) into the stack's Artifact Registry for GKE. No
service-account keys exist.

Sources: Google Cloud, "Workload Identity Federation with deployment pipelines"
(principal subject form, attribute conditions) and "Artifact Registry roles and
permissions" (`roles/artifactregistry.writer`, repository-level grants).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra import naming
from infra.config import GithubConfig, RepositoryConfig, StackConfig
from infra.gcp.apis import ProjectApis, waiting_for
from infra.gcp.ci_identity import GITHUB_ISSUER, GcpCiIdentity
from infra.gcp.gke import GkePlatform

PUSH_ROLE = "roles/artifactregistry.writer"


def gcp_id(text: str, max_length: int) -> str:
    """A Google Cloud id from `text`: lowercase letters, digits and '-', at most
    `max_length` characters; a cut name ends in 6 hex of a hash of the whole, so two
    long names stay distinct."""
    slug = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    if len(slug) <= max_length:
        return slug
    digest = hashlib.sha256(slug.encode()).hexdigest()[:6]
    return f"{slug[: max_length - 7].rstrip('-')}-{digest}"


@dataclass(frozen=True, kw_only=True)
class GcpApplicationIdentityArgs:
    """What a `GcpApplicationIdentity` is built from.

    - `repository`: the `github.repositories` entry (with `artifactRegistry`);
    - `github`: the `github` section (owner, this stack's environment);
    - `project_id`: the stack's Google Cloud project;
    - `pool_id`, `pool_name`: the stack's workload identity pool (its id, and its
      full name `projects/<number>/locations/global/workloadIdentityPools/<id>`);
    - `registry_id`, `registry_location`: the stack's Artifact Registry repository.

    Raises ValueError for a repository that does not ask for Artifact Registry.
    """

    repository: RepositoryConfig
    github: GithubConfig
    project_id: str
    pool_id: pulumi.Input[str]
    pool_name: pulumi.Input[str]
    registry_id: pulumi.Input[str]
    registry_location: str

    def __post_init__(self) -> None:
        if not (self.repository.artifact_registry and self.repository.images):
            raise ValueError(
                f"GcpApplicationIdentityArgs: {self.repository.name} does not push images "
                "to Artifact Registry (artifactRegistry with images)"
            )

    @property
    def repo(self) -> str:
        return f"{self.github.owner}/{self.repository.name}"

    @property
    def subject(self) -> str:
        return self.github.subject_for(self.repository)


class GcpApplicationIdentity(pulumi.ComponentResource):
    provider_name: pulumi.Output[str]
    service_account_email: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: GcpApplicationIdentityArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aevon:gcp:GcpApplicationIdentity", name, None, opts)
        # Children wait for what the component waits for: the project's APIs.
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        provider = gcp.iam.WorkloadIdentityPoolProvider(
            f"{name}-provider",
            workload_identity_pool_id=args.pool_id,
            workload_identity_pool_provider_id=gcp_id(f"gh-{args.repository.name}", 32),
            display_name=gcp_id(f"GitHub {args.repository.name}", 32),
            oidc=gcp.iam.WorkloadIdentityPoolProviderOidcArgs(issuer_uri=GITHUB_ISSUER),
            attribute_mapping={
                "google.subject": "assertion.sub",
                "attribute.repository": "assertion.repository",
                "attribute.environment": "assertion.environment",
            },
            # Only this repository's tokens are accepted at all.
            # Exactly the one subject the account trusts (Checkov CKV_GCP_125 asks for a
            # pinned `sub`, not only the repository).
            attribute_condition=(
                f'assertion.repository == "{args.repo}" && assertion.sub == "{args.subject}"'
            ),
            opts=child,
        )
        account = gcp.serviceaccount.Account(
            f"{name}-account",
            account_id=gcp_id(f"{naming.prefix()}-{args.repository.name}", 30),
            display_name=(
                f"GitHub Actions of {args.repo} ({args.github.environment.name}): "
                "pushes to the stack's Artifact Registry"
            ),
            opts=child,
        )
        gcp.artifactregistry.RepositoryIamMember(
            f"{name}-push",
            project=args.project_id,
            location=args.registry_location,
            repository=args.registry_id,
            role=PUSH_ROLE,
            member=account.email.apply(lambda email: f"serviceAccount:{email}"),
            opts=child,
        )
        gcp.serviceaccount.IAMMember(
            f"{name}-workload-identity",
            service_account_id=account.name,
            role="roles/iam.workloadIdentityUser",
            member=pulumi.Output.format(
                "principal://iam.googleapis.com/{0}/subject/{1}", args.pool_name, args.subject
            ),
            opts=child,
        )
        self.provider_name = provider.name
        self.service_account_email = account.email
        self.register_outputs(
            {"providerName": self.provider_name, "serviceAccount": self.service_account_email}
        )


def build_all(
    name: str,
    cfg: StackConfig,
    *,
    ci: GcpCiIdentity | None,
    platform: GkePlatform | None,
    provider: gcp.Provider | None,
    apis: ProjectApis | None,
) -> dict[str, GcpApplicationIdentity]:
    """repository name -> its identity, for each repository with `artifactRegistry`
    (none where Google Cloud is off: the config allows artifactRegistry only with it)."""
    if ci is None or platform is None or provider is None or cfg.gcp.project_id is None:
        return {}
    return {
        repository.name: GcpApplicationIdentity(
            f"{name}-{repository.name}",
            GcpApplicationIdentityArgs(
                repository=repository,
                github=cfg.github,
                project_id=cfg.gcp.project_id,
                pool_id=ci.pool_id,
                pool_name=ci.pool_name,
                registry_id=platform.registry_id,
                registry_location=platform.registry_location,
            ),
            opts=waiting_for(apis, provider),
        )
        for repository in cfg.github.repositories
        if repository.artifact_registry
    }


def github_variables(
    identity: GcpApplicationIdentity, platform: GkePlatform | None
) -> dict[str, pulumi.Input[str]]:
    """What the repository's release job needs to push to the stack's Artifact Registry."""
    variables: dict[str, pulumi.Input[str]] = {
        "GCP_WORKLOAD_IDENTITY_PROVIDER": identity.provider_name,
        "GCP_SERVICE_ACCOUNT": identity.service_account_email,
    }
    if platform is not None:
        variables["GAR_REPOSITORY"] = platform.registry_url
    return variables
