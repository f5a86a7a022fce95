"""`GcpCiIdentity`: keyless Google Cloud access for GitHub Actions.

A workload identity pool and an OIDC provider for GitHub whose
`attribute_condition` admits tokens of exactly one repository (and, for the
deploy binding, its deploy environment), and a deploy service account with the
least roles CI needs: push images to Artifact Registry and roll out workloads on
GKE. No service-account keys exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra import naming
from infra.config import StackConfig
from infra.gcp.gke import GkePlatform

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
DEPLOY_ROLES = ("roles/artifactregistry.writer", "roles/container.developer")


@dataclass(frozen=True, kw_only=True)
class GcpCiIdentityArgs:
    project_id: str
    owner: str
    repository: str
    environment: str

    def __post_init__(self) -> None:
        for label, value in (
            ("owner", self.owner),
            ("repository", self.repository),
            ("environment", self.environment),
        ):
            if not value or any(c in value for c in "*?/\"' "):
                raise ValueError(f"GcpCiIdentityArgs.{label} {value!r} must be a literal name")

    @property
    def repo(self) -> str:
        return f"{self.owner}/{self.repository}"


class GcpCiIdentity(pulumi.ComponentResource):
    provider_name: pulumi.Output[str]
    service_account_email: pulumi.Output[str]

    def __init__(
        self, name: str, args: GcpCiIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:gcp:GcpCiIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
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
        account = gcp.serviceaccount.Account(
            f"{name}-deployer",
            account_id=naming.physical_name(f"{name}-deploy", max_length=30),
            display_name=f"GitHub Actions deploys of {args.repo} ({args.environment})",
            opts=child,
        )
        member = account.email.apply(lambda email: f"serviceAccount:{email}")
        for role in DEPLOY_ROLES:
            gcp.projects.IAMMember(
                f"{name}-deployer-{role.split('/')[-1].replace('.', '-')}",
                project=args.project_id,
                role=role,
                member=member,
                opts=child,
            )
        # Only deploy jobs of this repository's environment may impersonate the account.
        gcp.serviceaccount.IAMMember(
            f"{name}-deployer-workload-identity",
            service_account_id=account.name,
            role="roles/iam.workloadIdentityUser",
            member=pulumi.Output.format(
                "principal://iam.googleapis.com/{0}/subject/repo:{1}:environment:{2}",
                pool.name,
                args.repo,
                args.environment,
            ),
            opts=child,
        )
        self.provider_name = provider.name
        self.service_account_email = account.email
        self.register_outputs(
            {"providerName": self.provider_name, "serviceAccount": self.service_account_email}
        )


def build_if_enabled(
    name: str, cfg: StackConfig, provider: gcp.Provider | None
) -> GcpCiIdentity | None:
    """Keyless CI access to the stack's GCP project, where Google Cloud is enabled."""
    if not cfg.gcp.enabled or provider is None or cfg.gcp.project_id is None:
        return None
    return GcpCiIdentity(
        name,
        GcpCiIdentityArgs(
            project_id=cfg.gcp.project_id,
            owner=cfg.github.owner,
            repository=cfg.github.repository,
            environment=cfg.github.environment.name,
        ),
        opts=pulumi.ResourceOptions(providers=[provider]),
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
    }
    if platform is not None:
        variables["GAR_REPOSITORY"] = platform.registry_url
        variables["GKE_CLUSTER"] = platform.cluster_name
    return variables
