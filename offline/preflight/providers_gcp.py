"""Google Cloud provider and API rules for the GCP types the program registers
(hashicorp/terraform-provider-google, which pulumi-gcp wraps, and the APIs behind it)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from infra.gcp.ci_identity import ADMIN_OWNED, INFRA_PERMISSIONS
from offline.engine import Inventory, Registration
from offline.preflight import Check
from offline.preflight.table import names, per_resource, waits_for, whole_inventory

SERVICE = "gcp:projects/service:Service"
CLUSTER = "gcp:container/cluster:Cluster"
ACCOUNT = "gcp:serviceaccount/account:Account"
ACCOUNT_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"
POOL_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
REGISTRY = "gcp:artifactregistry/repository:Repository"
COMPUTE_NAMED = (
    "gcp:compute/network:Network",
    "gcp:compute/subnetwork:Subnetwork",
    "gcp:compute/router:Router",
    "gcp:compute/routerNat:RouterNat",
)

# The API each resource type calls (by type-token prefix): a project refuses every call
# to an API that is not enabled (403 SERVICE_DISABLED).
API_OF_TYPE: dict[str, str] = {
    "gcp:compute/": "compute.googleapis.com",
    "gcp:container/": "container.googleapis.com",
    "gcp:artifactregistry/": "artifactregistry.googleapis.com",
    "gcp:kms/": "cloudkms.googleapis.com",
    "gcp:binaryauthorization/": "binaryauthorization.googleapis.com",
    "gcp:projects/iAMCustomRole:": "iam.googleapis.com",
    "gcp:serviceaccount/": "iam.googleapis.com",
    "gcp:iam/": "iam.googleapis.com",
    "gcp:projects/iAMMember:": "cloudresourcemanager.googleapis.com",
}
# What keyless CI calls at run time, not at deploy time: the token exchange (STS) and
# the service-account impersonation (IAM Service Account Credentials).
RUNTIME_APIS: dict[str, tuple[str, ...]] = {
    POOL_PROVIDER: ("sts.googleapis.com", "iamcredentials.googleapis.com"),
}
# Predefined roles holding container.clusters.connect, which the DNS-based control-plane
# endpoint checks before a request reaches the Kubernetes API server.
CONNECT_ROLES = frozenset(
    {
        "roles/container.admin",
        "roles/container.clusterAdmin",
        "roles/container.developer",
        "roles/container.viewer",
        "roles/container.clusterViewer",
    }
)
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"

_RFC1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_ACCOUNT_ID = re.compile(r"^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$")
_POOL_ID = re.compile(r"^[a-z0-9-]{4,32}$")
_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
_MEMBER = re.compile(
    r"^(serviceAccount|user|group|domain):\S+$|^principal(Set)?://iam\.googleapis\.com/\S+$"
)


def api_of(typ: str) -> str | None:
    """The API a GCP resource type calls, or None for types outside the table."""
    return next((api for prefix, api in API_OF_TYPE.items() if typ.startswith(prefix)), None)


def _apis_enabled_first(inventory: Inventory) -> Iterable[tuple[str, str]]:
    services = {str(s.input("service")): s for s in inventory.of_type(SERVICE)}
    before = waits_for(inventory)
    for r in inventory.custom():
        api = api_of(r.type)
        if api is not None:
            service = services.get(api)
            if service is None:
                yield r.urn, f"{api} is not enabled in the stack (no {SERVICE} for it)"
            elif service.urn not in before(r):
                yield (
                    r.urn,
                    f"does not wait for {api}: on a new project it is created before the "
                    "API is on and fails with 403 SERVICE_DISABLED",
                )
        missing = [a for a in RUNTIME_APIS.get(r.type, ()) if a not in services]
        if missing:
            yield r.urn, f"CI cannot use it until {names(missing)} is enabled in the stack"


def _keep_api_on_destroy(r: Registration) -> Iterable[str]:
    if r.input("disableOnDestroy") is not False:
        yield (
            f"{r.input('service')} sets no disableOnDestroy: false; destroying this resource "
            "would switch the API off for everything else in the project"
        )


def _control_plane_reachable(r: Registration) -> Iterable[str]:
    endpoints = r.input("controlPlaneEndpointsConfig") or {}
    dns = endpoints.get("dnsEndpointConfig") or {}
    if dns.get("allowExternalTraffic") is True:
        return
    ip_on = (endpoints.get("ipEndpointsConfig") or {}).get("enabled") is not False
    private = (r.input("privateClusterConfig") or {}).get("enablePrivateEndpoint") is True
    authorized = r.input("masterAuthorizedNetworksConfig")
    closed = authorized is not None and not (
        authorized.get("cidrBlocks") or authorized.get("gcpPublicCidrsAccessEnabled")
    )
    if not ip_on or private or closed:
        yield (
            f"cluster {r.input('name')!r}: no CI runner reaches the control plane (IP endpoint "
            f"{'off' if not ip_on else 'private' if private else 'closed to every network'}, "
            "no DNS endpoint); allow external traffic on the IAM-gated DNS endpoint "
            "(controlPlaneEndpointsConfig.dnsEndpointConfig.allowExternalTraffic) or list "
            "authorized networks"
        )


def _ci_can_connect(inventory: Inventory) -> Iterable[tuple[str, str]]:
    """Where the DNS endpoint is the way in, a CI-impersonable account holds a role with
    container.clusters.connect."""
    dns_clusters = [
        c
        for c in inventory.of_type(CLUSTER)
        if ((c.input("controlPlaneEndpointsConfig") or {}).get("dnsEndpointConfig") or {}).get(
            "allowExternalTraffic"
        )
    ]
    if not dns_clusters:
        return
    impersonable = {
        str(m.input("serviceAccountId")).rsplit("/", 1)[-1]
        for m in inventory.of_type(ACCOUNT_MEMBER)
        if m.input("role") == "roles/iam.workloadIdentityUser"
    }
    connect = {
        str(m.input("member")).removeprefix("serviceAccount:")
        for m in inventory.of_type(PROJECT_MEMBER)
        if m.input("role") in CONNECT_ROLES
    }
    if not impersonable & connect:
        for c in dns_clusters:
            yield (
                c.urn,
                f"cluster {c.input('name')!r}: no account CI can impersonate holds a role with "
                f"container.clusters.connect ({names(CONNECT_ROLES)})",
            )


CUSTOM_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"


def _infra_role_covers(inventory: Inventory) -> Iterable[tuple[str, str]]:
    """The infra account's custom role holds what `pulumi up` of every CI-managed type calls;
    every other GCP type is administrator-owned (identities and grants)."""
    roles = [r for r in inventory.of_type(CUSTOM_ROLE) if str(r.input("roleId")).endswith("_infra")]
    if not roles:
        return
    granted = {str(p) for r in roles for p in (r.input("permissions") or [])}
    for r in inventory.custom():
        if not r.type.startswith("gcp:") or r.type in ADMIN_OWNED:
            continue
        needed = INFRA_PERMISSIONS.get(r.type)
        if needed is None:
            yield (
                r.urn,
                f"{r.type} is neither in INFRA_PERMISSIONS (what the infra account's role "
                "must hold to manage it) nor administrator-owned (ADMIN_OWNED), in "
                "infra/gcp/ci_identity.py",
            )
            continue
        missing = sorted(set(needed) - granted)
        if missing:
            yield (
                r.urn,
                f"the infra account's role lacks {names(missing)}: CI's `pulumi up` of "
                f"{r.name} fails with 403",
            )


def _github_provider_condition(r: Registration) -> Iterable[str]:
    issuer = (r.input("oidc") or {}).get("issuerUri")
    if issuer == GITHUB_ISSUER and not str(r.input("attributeCondition") or "").strip():
        yield (
            "a GitHub Actions provider without attributeCondition would admit every GitHub "
            "repository's tokens; Google refuses to create it"
        )


def _identifiers(r: Registration) -> Iterable[str]:
    if r.type == ACCOUNT:
        value = str(r.input("accountId"))
        if not _ACCOUNT_ID.match(value):
            yield f"accountId {value!r}: 6-30 of a-z, 0-9, '-', starting with a letter"
    elif r.type in (POOL, POOL_PROVIDER):
        key = "workloadIdentityPoolId" if r.type == POOL else "workloadIdentityPoolProviderId"
        value = str(r.input(key))
        if not _POOL_ID.match(value) or value.startswith("gcp-"):
            yield f"{key} {value!r}: 4-32 of a-z, 0-9, '-', not starting with 'gcp-'"
    elif r.type == CLUSTER:
        value = str(r.input("name"))
        if len(value) > 40 or not _RFC1035.match(value):
            yield f"cluster name {value!r}: at most 40 of a-z, 0-9, '-', starting with a letter"
    elif r.type == REGISTRY:
        value = str(r.input("repositoryId"))
        if len(value) > 63 or not _RFC1035.match(value):
            yield f"repositoryId {value!r}: at most 63 of a-z, 0-9, '-', starting with a letter"
    else:
        value = str(r.input("name"))
        if len(value) > 63 or not _RFC1035.match(value):
            yield f"name {value!r}: at most 63 of a-z, 0-9, '-', starting with a letter"


def _members(r: Registration) -> Iterable[str]:
    member = str(r.input("member"))
    if not _MEMBER.match(member):
        yield f"member {member!r} is not a principal identifier IAM accepts"


def _labels(r: Registration) -> Iterable[str]:
    key = "defaultLabels" if r.type == "pulumi:providers:gcp" else "resourceLabels"
    labels = r.input(key) or {}
    if isinstance(labels, str):  # provider configuration arrives as JSON text
        labels = json.loads(labels)
    for label, value in sorted(labels.items()):
        if not _LABEL_KEY.match(str(label)) or not _LABEL_VALUE.match(str(value)):
            yield (
                f"{key} {label}={value!r}: keys start with a-z; keys and values are at most 63 "
                "of a-z, 0-9, '_', '-'"
            )


CHECKS: list[Check] = [
    whole_inventory(
        "gcp-api-enabled-first",
        "every GCP resource's API is enabled by the stack, and the resource waits for it",
        "Google Cloud 'Enabling an API in your Google Cloud project' (Service Usage; 403 "
        "SERVICE_DISABLED); Google Cloud 'Configure Workload Identity Federation with "
        "deployment pipelines' (enable IAM, Resource Manager, Service Account Credentials and "
        "Security Token Service APIs)",
        check=_apis_enabled_first,
    ),
    per_resource(
        "gcp-api-kept-on-destroy",
        "enabled APIs are not switched off when their resource is destroyed",
        "hashicorp/terraform-provider-google google_project_service (disable_on_destroy "
        "defaults to true)",
        types=(SERVICE,),
        check=_keep_api_on_destroy,
    ),
    per_resource(
        "gcp-gke-control-plane-reachable",
        "CI runners can reach the GKE control plane",
        "Google Cloud GKE 'About network isolation' and 'Customize your network isolation' "
        "(DNS-based endpoint, allow_external_traffic; authorized networks)",
        types=(CLUSTER,),
        check=_control_plane_reachable,
    ),
    whole_inventory(
        "gcp-gke-ci-can-connect",
        "an account CI impersonates may connect through the DNS endpoint",
        "Google Cloud GKE 'Customize your network isolation' (container.clusters.connect); "
        "Google Cloud IAM 'Google Kubernetes Engine roles and permissions'",
        check=_ci_can_connect,
    ),
    whole_inventory(
        "gcp-infra-role-covers",
        "the CI infra account's custom role holds what `pulumi up` calls for each type it manages",
        "Google Cloud REST references ('Authorization requires the following IAM permission'), "
        "as iann0036/iam-dataset gcp/map.json collects them; INFRA_PERMISSIONS in "
        "infra/gcp/ci_identity.py",
        check=_infra_role_covers,
    ),
    per_resource(
        "gcp-github-provider-condition",
        "a GitHub Actions workload identity provider has an attribute condition",
        "Google Cloud 'Configure Workload Identity Federation with deployment pipelines' "
        "(GitHub: an attribute condition is required)",
        types=(POOL_PROVIDER,),
        check=_github_provider_condition,
    ),
    per_resource(
        "gcp-identifiers",
        "identifiers GCP accepts: service accounts, pools, cluster, registry, compute names",
        "hashicorp/terraform-provider-google resource_google_service_account.go (account_id "
        "6-30), services/iambeta/resource_iam_workload_identity_pool*.go (ids 4-32, no "
        "'gcp-'); Google Cloud 'Naming resources' (Compute Engine, RFC 1035); GKE "
        "'Creating a cluster' (name <= 40); Artifact Registry 'Create repositories'",
        types=(ACCOUNT, POOL, POOL_PROVIDER, CLUSTER, REGISTRY, *COMPUTE_NAMED),
        check=_identifiers,
    ),
    per_resource(
        "gcp-iam-member-format",
        "IAM members are principal identifiers",
        "Google Cloud IAM 'Principal identifiers'",
        types=(PROJECT_MEMBER, ACCOUNT_MEMBER),
        check=_members,
    ),
    per_resource(
        "gcp-labels",
        "labels GCP accepts",
        "Google Cloud Resource Manager 'Labels overview' (requirements for labels)",
        types=("pulumi:providers:gcp", CLUSTER),
        check=_labels,
    ),
]
