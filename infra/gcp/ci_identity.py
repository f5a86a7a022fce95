"""`GcpCiIdentity`: keyless Google Cloud access for GitHub Actions.

A workload identity pool and an OIDC provider for GitHub whose
`attribute_condition` admits tokens of exactly one repository and exactly the
subjects the accounts below trust, and three service accounts, each
impersonable only by exact token subjects:

- `deploy` (the stack's environment): the least roles application rollouts need,
  pushing images to Artifact Registry and updating workloads on GKE;
- `infra` (the stack's environment): what `pulumi up` of this program's Google
  Cloud resources calls, and nothing else: a custom role of the project holding
  the permissions `INFRA_PERMISSIONS` lists for each resource type it manages,
  and `roles/iam.serviceAccountUser` on the one account GKE's nodes run as
  (granted on that account, not the project). It holds no IAM administration:
  identities and grants (`ADMIN_OWNED`: service accounts, role bindings, the
  custom role, the pool) change only in an administrator's `pulumi up`, as the
  AWS deploy role's boundary does;
- `viewer` (pull requests and the main branch): predefined read-only roles, one
  per service the stack uses, for previews and drift (never the basic
  `roles/viewer`).

No service-account keys exist. Permissions per API method: Google Cloud's REST
references ("Authorization requires the following IAM permission"), as
iann0036/iam-dataset `gcp/map.json` collects them; role contents: Google Cloud
IAM "Roles and permissions" pages (checked against the same dataset's
`gcp/roles/*.json`, August 2026).
"""

from __future__ import annotations

from collections.abc import Mapping
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
# `pulumi preview` and drift detection: read only, per service the stack uses.
VIEWER_ROLES = (
    "roles/iam.securityReviewer",  # IAM policies of the project, its accounts and keys
    "roles/serviceusage.serviceUsageViewer",
    "roles/compute.networkViewer",
    "roles/container.clusterViewer",
    "roles/artifactregistry.reader",
    "roles/cloudkms.viewer",
    "roles/binaryauthorization.policyViewer",
    "roles/iam.serviceAccountViewer",
    "roles/iam.workloadIdentityPoolViewer",
    "roles/iam.roleViewer",
)
# What `pulumi up` calls for each resource type the infra account manages: create,
# read, update, delete and the operations they wait on (method -> permission).
INFRA_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "gcp:projects/service:Service": (
        "serviceusage.services.enable", "serviceusage.services.get",
        "serviceusage.services.list", "serviceusage.operations.get"),
    "gcp:compute/network:Network": (
        "compute.networks.create", "compute.networks.get", "compute.networks.update",
        "compute.networks.delete", "compute.globalOperations.get"),
    "gcp:compute/subnetwork:Subnetwork": (
        "compute.subnetworks.create", "compute.subnetworks.get", "compute.subnetworks.update",
        "compute.subnetworks.delete", "compute.subnetworks.setPrivateIpGoogleAccess",
        "compute.regionOperations.get"),
    "gcp:compute/router:Router": (
        "compute.routers.create", "compute.routers.get", "compute.routers.update",
        "compute.routers.delete", "compute.regionOperations.get"),
    "gcp:compute/routerNat:RouterNat": (
        "compute.routers.get", "compute.routers.update", "compute.regionOperations.get"),
    "gcp:compute/firewall:Firewall": (
        "compute.firewalls.create", "compute.firewalls.get", "compute.firewalls.update",
        "compute.firewalls.delete", "compute.networks.updatePolicy",
        "compute.globalOperations.get"),
    "gcp:container/cluster:Cluster": (
        "container.clusters.create", "container.clusters.get", "container.clusters.update",
        "container.clusters.delete", "container.operations.get"),
    # Node pool methods authorize on the cluster (nodePools.create: container.clusters.update).
    "gcp:container/nodePool:NodePool": (
        "container.clusters.get", "container.clusters.update", "container.operations.get"),
    "gcp:artifactregistry/repository:Repository": (
        "artifactregistry.repositories.create", "artifactregistry.repositories.get",
        "artifactregistry.repositories.update", "artifactregistry.repositories.delete"),
    "gcp:kms/keyRing:KeyRing": ("cloudkms.keyRings.create", "cloudkms.keyRings.get"),
    "gcp:kms/cryptoKey:CryptoKey": (
        "cloudkms.cryptoKeys.create", "cloudkms.cryptoKeys.get", "cloudkms.cryptoKeys.update"),
    "gcp:binaryauthorization/policy:Policy": (
        "binaryauthorization.policy.get", "binaryauthorization.policy.update"),
}  # fmt: skip
# The provider reads the project itself.
INFRA_BASE_PERMISSIONS = ("resourcemanager.projects.get",)
# Identities and grants: an administrator's `pulumi up` creates and changes them.
ADMIN_OWNED: dict[str, str] = {
    "gcp:serviceaccount/account:Account": "a service account",
    "gcp:serviceaccount/iAMMember:IAMMember": "a grant on a service account",
    "gcp:projects/iAMMember:IAMMember": "a grant on the project",
    "gcp:projects/iAMCustomRole:IAMCustomRole": "the infra account's own role",
    "gcp:projects/serviceIdentity:ServiceIdentity": "a Google service agent",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": "a grant on a key",
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": "a grant on a repository",
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": "the CI identity pool",
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": "the pool's provider",
}


def infra_permissions() -> tuple[str, ...]:
    """The infra account's custom role: every permission `INFRA_PERMISSIONS` lists, once."""
    return tuple(
        sorted({p for ps in INFRA_PERMISSIONS.values() for p in ps} | set(INFRA_BASE_PERMISSIONS))
    )


def custom_role_id(stack: str) -> str:
    """`aevon_<stack>_infra`: custom role ids take letters, digits, `_` and `.` (3-64)."""
    return f"aevon_{stack.replace('-', '_')}_infra"


@dataclass(frozen=True, kw_only=True)
class GcpCiIdentityArgs:
    """What the `GcpCiIdentity` is built from: the `gcp` and `github` sections.

    - `settings`: the enabled `gcp` section (its `project_id` receives the roles).
    - `github`: the repository whose tokens the pool accepts, and the deploy
      environment whose subject may impersonate the deploy and infra accounts.
    - `node_service_account`: the account GKE's nodes run as (its `name`,
      `projects/<p>/serviceAccounts/<email>`): the infra account may act as it
      (creating and updating the cluster needs that), and on no other account.

    Raises ValueError when the gcp section is not enabled with a project id.
    """

    settings: GcpConfig
    github: GithubConfig
    node_service_account: pulumi.Input[str] | None = None

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
            # Only this repository's tokens, and only the subjects an account trusts.
            attribute_condition=attribute_condition(
                args.repo, [args.github.oidc_subject, *viewer_subjects(args.repo)]
            ),
            opts=child,
        )
        environment_subject = args.github.oidc_subject
        self.service_account_email = self._account(
            name,
            "deploy",
            roles=_predefined(DEPLOY_ROLES),
            subjects=[environment_subject],
            pool=pool,
            args=args,
        )
        infra_role = gcp.projects.IAMCustomRole(
            f"{name}-infra-role",
            project=args.project_id,
            role_id=custom_role_id(pulumi.get_stack()),
            title=f"aevon {pulumi.get_stack()} pulumi up",
            description="What pulumi up of aevon-infra calls for the resources CI manages",
            permissions=list(infra_permissions()),
            stage="GA",
            opts=child,
        )
        self.infra_service_account_email = self._account(
            name,
            "infra",
            roles={"pulumi-up": infra_role.name},
            subjects=[environment_subject],
            pool=pool,
            args=args,
        )
        if args.node_service_account is not None:
            # Creating or updating the cluster acts as its node account: on it alone.
            gcp.serviceaccount.IAMMember(
                f"{name}-infra-acts-as-nodes",
                service_account_id=args.node_service_account,
                role="roles/iam.serviceAccountUser",
                member=self.infra_service_account_email.apply(lambda e: f"serviceAccount:{e}"),
                opts=child,
            )
        self.viewer_service_account_email = self._account(
            name,
            "viewer",
            roles=_predefined(VIEWER_ROLES),
            subjects=viewer_subjects(args.repo),
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
        roles: Mapping[str, pulumi.Input[str]],
        subjects: list[str],
        pool: gcp.iam.WorkloadIdentityPool,
        args: GcpCiIdentityArgs,
    ) -> pulumi.Output[str]:
        """A service account with `roles` (label -> role) on the project, which exactly these
        token subjects may impersonate."""
        child = self._child
        account = gcp.serviceaccount.Account(
            f"{name}-{purpose}",
            account_id=naming.physical_name(f"{name}-{purpose}", max_length=30),
            display_name=f"GitHub Actions {purpose} for {args.repo} ({args.environment})",
            opts=child,
        )
        member = account.email.apply(lambda email: f"serviceAccount:{email}")
        for label, role in roles.items():
            gcp.projects.IAMMember(
                f"{name}-{purpose}-{label}",
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


def _predefined(roles: tuple[str, ...]) -> dict[str, str]:
    """Predefined roles labelled as their names read (`roles/container.developer` ->
    `container-developer`)."""
    return {role.split("/")[-1].replace(".", "-"): role for role in roles}


def viewer_subjects(repo: str) -> list[str]:
    """The token subjects of the read-only jobs: pull requests and the main branch."""
    return [f"repo:{repo}:pull_request", f"repo:{repo}:ref:refs/heads/main"]


def attribute_condition(repo: str, subjects: list[str]) -> str:
    """The pool provider's CEL condition: this repository's tokens, with one of `subjects`."""
    alternatives = " || ".join(f'assertion.sub == "{s}"' for s in dict.fromkeys(subjects))
    return f'assertion.repository == "{repo}" && ({alternatives})'


def build_if_enabled(
    name: str,
    cfg: StackConfig,
    provider: gcp.Provider | None,
    apis: ProjectApis | None,
    platform: GkePlatform | None = None,
) -> GcpCiIdentity | None:
    """Keyless CI access to the stack's GCP project, where Google Cloud is enabled."""
    if not cfg.gcp.enabled or provider is None or cfg.gcp.project_id is None:
        return None
    return GcpCiIdentity(
        name,
        GcpCiIdentityArgs(
            settings=cfg.gcp,
            github=cfg.github,
            node_service_account=platform.node_service_account_name if platform else None,
        ),
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
