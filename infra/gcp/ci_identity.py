"""`GcpCiIdentity`: keyless Google Cloud access for GitHub Actions.

A workload identity pool and an OIDC provider for GitHub whose
`attribute_condition` admits tokens of exactly one repository, and three service
accounts, each impersonable only by exact token subjects:

- `deploy` (the stack's environment): the least roles application rollouts need,
  pushing images to Artifact Registry and updating workloads on GKE;
- `infra` (the stack's environment): what `pulumi up` needs for this stack's
  Google Cloud resources, scoped to the project;
- `viewer` (pull requests and the main branch): read only, for previews and drift.

No service-account keys exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra import naming
from infra.config import GcpConfig, GithubConfig, StackConfig
from infra.gcp.apis import ProjectApis, waiting_for
from infra.gcp.gke import GkePlatform

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
# Application rollouts: push images, update workloads.
DEPLOY_ROLES = ("roles/artifactregistry.writer", "roles/container.developer")
# `pulumi up` of this stack's Google Cloud resources (network, cluster, registry, identity).
INFRA_ROLES = (
    "roles/artifactregistry.admin",
    "roles/compute.networkAdmin",
    "roles/container.admin",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountUser",
    "roles/iam.workloadIdentityPoolAdmin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/serviceusage.serviceUsageAdmin",  # the stack enables the APIs it uses
)
# `pulumi preview` and drift detection: read only.
VIEWER_ROLES = ("roles/viewer", "roles/iam.securityReviewer")


@dataclass(frozen=True, kw_only=True)
class GcpCiIdentityArgs:
    """What the `GcpCiIdentity` is built from: the `gcp` and `github` sections.

    - `settings`: the enabled `gcp` section (its `project_id` receives the roles).
    - `github`: the repository whose tokens the pool accepts, and the deploy
      environment whose subject may impersonate the deploy and infra accounts.

    Raises ValueError when the gcp section is not enabled with a project id.
    """

    settings: GcpConfig
    github: GithubConfig

    def __post_init__(self) -> None:
        if not self.settings.enabled or self.settings.project_id is None:
            raise ValueError("GcpCiIdentityArgs: settings must be an enabled gcp section")

    @property
    def project_id(self) -> str:
        return str(self.settings.project_id)

    @property
    def repo(self) -> str:
        return self.github.repo

    @property
    def environment(self) -> str:
        return self.github.environment.name


class GcpCiIdentity(pulumi.ComponentResource):
    provider_name: pulumi.Output[str]
    pool_id: pulumi.Output[str]  # the workload identity pool's id (other providers join it)
    pool_name: pulumi.Output[str]  # projects/<number>/locations/global/workloadIdentityPools/<id>
    service_account_email: pulumi.Output[str]
    infra_service_account_email: pulumi.Output[str]
    viewer_service_account_email: pulumi.Output[str]

    def __init__(
        self, name: str, args: GcpCiIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:gcp:GcpCiIdentity", name, None, opts)
        # Children wait for what the component waits for: the project's APIs.
        self._child = pulumi.ResourceOptions(
            parent=self, depends_on=opts.depends_on if opts else None
        )
        child = self._child
        pool_id = naming.physical_name(f"{name}-github", max_length=32)
        pool = gcp.iam.WorkloadIdentityPool(
            f"{name}-pool",
            workload_identity_pool_id=pool_id,
            display_name="GitHub Actions",
            description=f"GitHub Actions of {args.repo}",
            opts=child,
        )
        provider = gcp.iam.WorkloadIdentityPoolProvider(
            f"{name}-provider",
            workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id="github",
            display_name="GitHub OIDC",
            oidc=gcp.iam.WorkloadIdentityPoolProviderOidcArgs(issuer_uri=GITHUB_ISSUER),
            attribute_mapping={
                "google.subject": "assertion.sub",
                "attribute.repository": "assertion.repository",
                "attribute.environment": "assertion.environment",
                "attribute.ref": "assertion.ref",
            },
            # Only this repository's tokens are accepted at all.
            attribute_condition=f'assertion.repository == "{args.repo}"',
            opts=child,
        )
        environment_subject = args.github.oidc_subject
        self.service_account_email = self._account(
            name, "deploy", roles=DEPLOY_ROLES, subjects=[environment_subject], pool=pool, args=args
        )
        self.infra_service_account_email = self._account(
            name, "infra", roles=INFRA_ROLES, subjects=[environment_subject], pool=pool, args=args
        )
        self.viewer_service_account_email = self._account(
            name,
            "viewer",
            roles=VIEWER_ROLES,
            subjects=[f"repo:{args.repo}:pull_request", f"repo:{args.repo}:ref:refs/heads/main"],
            pool=pool,
            args=args,
        )
        self.provider_name = provider.name
        self.pool_id = pool.workload_identity_pool_id
        self.pool_name = pool.name
        self.register_outputs(
            {
                "providerName": self.provider_name,
                "deployServiceAccount": self.service_account_email,
                "infraServiceAccount": self.infra_service_account_email,
                "viewerServiceAccount": self.viewer_service_account_email,
            }
        )

    def _account(
        self,
        name: str,
        purpose: str,
        *,
        roles: tuple[str, ...],
        subjects: list[str],
        pool: gcp.iam.WorkloadIdentityPool,
        args: GcpCiIdentityArgs,
    ) -> pulumi.Output[str]:
        """A service account with `roles` that exactly these token subjects may impersonate."""
        child = self._child
        account = gcp.serviceaccount.Account(
            f"{name}-{purpose}",
            account_id=naming.physical_name(f"{name}-{purpose}", max_length=30),
            display_name=f"GitHub Actions {purpose} for {args.repo} ({args.environment})",
            opts=child,
        )
        member = account.email.apply(lambda email: f"serviceAccount:{email}")
        for role in roles:
            gcp.projects.IAMMember(
                f"{name}-{purpose}-{role.split('/')[-1].replace('.', '-')}",
                project=args.project_id,
                role=role,
                member=member,
                opts=child,
            )
        for index, subject in enumerate(subjects):
            gcp.serviceaccount.IAMMember(
                f"{name}-{purpose}-workload-identity-{index}",
                service_account_id=account.name,
                role="roles/iam.workloadIdentityUser",
                member=pulumi.Output.format(
                    "principal://iam.googleapis.com/{0}/subject/{1}", pool.name, subject
                ),
                opts=child,
            )
        return account.email


def build_if_enabled(
    name: str, cfg: StackConfig, provider: gcp.Provider | None, apis: ProjectApis | None
) -> GcpCiIdentity | None:
    """Keyless CI access to the stack's GCP project, where Google Cloud is enabled."""
    if not cfg.gcp.enabled or provider is None or cfg.gcp.project_id is None:
        return None
    return GcpCiIdentity(
        name,
        GcpCiIdentityArgs(settings=cfg.gcp, github=cfg.github),
        opts=waiting_for(apis, provider),
    )


def github_variables(
    identity: GcpCiIdentity | None, platform: GkePlatform | None
) -> dict[str, pulumi.Input[str]]:
    """What the deploy workflow needs to reach GCP (none where GCP is off)."""
    if identity is None:
        return {}
    variables: dict[str, pulumi.Input[str]] = {
        "GCP_WORKLOAD_IDENTITY_PROVIDER": identity.provider_name,
        "GCP_SERVICE_ACCOUNT": identity.service_account_email,
        "GCP_INFRA_SERVICE_ACCOUNT": identity.infra_service_account_email,
    }
    if platform is not None:
        variables["GAR_REPOSITORY"] = platform.registry_url
        variables["GKE_CLUSTER"] = platform.cluster_name
        # `gcloud container clusters get-credentials $GKE_CLUSTER --location $GKE_LOCATION
        # --dns-endpoint`: a regional cluster's region, a zonal cluster's zone.
        variables["GKE_LOCATION"] = platform.location
    return variables


def repository_variables(
    identity: GcpCiIdentity | None, stack: str
) -> dict[str, pulumi.Input[str]]:
    """Per-stack repository variables for the environment-less preview and drift jobs."""
    if identity is None:
        return {}
    suffix = stack.upper().replace("-", "_")
    return {
        f"GCP_WORKLOAD_IDENTITY_PROVIDER_{suffix}": identity.provider_name,
        f"GCP_VIEWER_SERVICE_ACCOUNT_{suffix}": identity.viewer_service_account_email,
    }
