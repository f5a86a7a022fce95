"""`GkePlatform`: GKE for the backend microservices, and the registry it pulls from.

- Its own VPC-native network: a subnet with secondary ranges for pods and
  services and flow logs, private Google access, Cloud NAT for egress (nodes have
  no external IPs), and an explicit, logged deny of all other ingress (the
  network's implied deny, made visible: GKE's own allow rules sit above it).
- The cluster: Autopilot by default (regional by nature), Standard with an
  autoscaled node pool when config asks (regional or zonal). Private nodes;
  master authorized networks from config (never 0.0.0.0/0); Workload Identity;
  a release channel; Dataplane V2 (eBPF network policy); intranode visibility
  (pod-to-pod traffic on one node goes through the VPC, so flow logs see it;
  Autopilot's default, https://cloud.google.com/kubernetes-engine/docs/how-to/intranode-visibility);
  no client certificates; shielded nodes; a dedicated node service account with
  only logging, monitoring and image-pull roles (Autopilot: its
  auto-provisioning default).
- Binary Authorization: the project's policy admits only images of this stack's
  Artifact Registry repository and Google-maintained system images (GKE's own,
  `globalPolicyEvaluationMode: ENABLE`); everything else is denied and
  audit-logged. The cluster enforces the project policy
  (https://cloud.google.com/binary-authorization/docs/policy-yaml-reference).
- Artifact Registry (Docker) with cleanup policies, encrypted with a Cloud KMS key
  of the stack (rotated every 90 days) that only the Artifact Registry service
  agent may use (https://cloud.google.com/artifact-registry/docs/cmek). The key,
  its key ring and the repository carry `protect` from config.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra import naming
from infra.config import GcpConfig, GkeMode
from infra.gcp.apis import ProjectApis, waiting_for

KMS_ROTATION_SECONDS = 90 * 24 * 3600
REGISTRY_SERVICE = "artifactregistry.googleapis.com"
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
NODE_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
)


@dataclass(frozen=True, kw_only=True)
class GkePlatformArgs:
    """What the `GkePlatform` is built from: the `gcp` section.

    `settings`: `project_id`, `region`, `mode` (autopilot, always regional; or
    standard with a `node_pool` of `min_nodes`-`max_nodes` machines), `regional`,
    `release_channel`, the IPv4 ranges (`subnet_cidr`, `pods_cidr`,
    `services_cidr`, and the control plane's /28 `master_cidr`, none overlapping),
    `authorized_networks` (/8 or narrower), `dns_endpoint` (CI reaches the control
    plane through the IAM-gated DNS endpoint; off needs authorized networks),
    `deletion_protection`, and the registry's cleanup (`registry_keep_recent`
    versions, untagged images deleted after `registry_untagged_days` days). GKE's
    rules: https://cloud.google.com/kubernetes-engine/docs/how-to/private-clusters
    and GKE's 'About network isolation' (the DNS-based endpoint).
    `protect`: Pulumi `protect` on the registry, its key and key ring (from config).

    Raises ValueError when the section is not enabled with a project id.
    """

    settings: GcpConfig
    protect: bool = False

    def __post_init__(self) -> None:
        if not self.settings.enabled or self.settings.project_id is None:
            raise ValueError("GkePlatformArgs: settings must be an enabled gcp section")

    @property
    def project_id(self) -> str:
        return str(self.settings.project_id)


class GkePlatform(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    cluster_endpoint: pulumi.Output[str]
    location: pulumi.Output[str]
    registry_url: pulumi.Output[str]
    registry_id: pulumi.Output[str]  # the Artifact Registry repository's id
    registry_location: str  # its region
    network_name: pulumi.Output[str]
    node_service_account_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: GkePlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:gcp:GkePlatform", name, None, opts)
        settings = args.settings
        autopilot = settings.mode is GkeMode.AUTOPILOT
        # Children wait for what the component waits for: the project's APIs.
        self._waits_for = opts.depends_on if opts else None
        child = pulumi.ResourceOptions(parent=self, depends_on=self._waits_for)
        physical = naming.physical_name(name, max_length=40)

        network = gcp.compute.Network(
            f"{name}-network",
            name=physical,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            opts=child,
        )
        subnet = gcp.compute.Subnetwork(
            f"{name}-subnet",
            name=physical,
            network=network.id,
            region=settings.region,
            ip_cidr_range=str(settings.subnet_cidr),
            private_ip_google_access=True,
            secondary_ip_ranges=[
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name="pods", ip_cidr_range=str(settings.pods_cidr)
                ),
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name="services", ip_cidr_range=str(settings.services_cidr)
                ),
            ],
            log_config=gcp.compute.SubnetworkLogConfigArgs(
                aggregation_interval="INTERVAL_5_SEC",
                flow_sampling=0.5,
                metadata="INCLUDE_ALL_METADATA",
            ),
            opts=child,
        )
        router = gcp.compute.Router(
            f"{name}-router", name=physical, network=network.id, region=settings.region, opts=child
        )
        gcp.compute.RouterNat(
            f"{name}-nat",
            name=physical,
            router=router.name,
            region=settings.region,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
            opts=child,
        )
        gcp.compute.Firewall(
            f"{name}-deny-ingress",
            name=f"{physical}-deny-ingress",
            network=network.id,
            description="the implied deny of all other ingress, explicit and logged",
            direction="INGRESS",
            priority=65534,
            source_ranges=["0.0.0.0/0"],
            denies=[gcp.compute.FirewallDenyArgs(protocol="all")],
            log_config=gcp.compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA"),
            opts=child,
        )

        node_sa = gcp.serviceaccount.Account(
            f"{name}-nodes",
            account_id=naming.physical_name(f"{name}-nodes", max_length=30),
            display_name=f"{physical} GKE nodes (least privilege)",
            opts=child,
        )
        for role in NODE_ROLES:
            gcp.projects.IAMMember(
                f"{name}-nodes-{role.split('/')[-1].replace('.', '-')}",
                project=args.project_id,
                role=role,
                member=node_sa.email.apply(lambda email: f"serviceAccount:{email}"),
                opts=child,
            )

        location = settings.region if settings.regional else f"{settings.region}-a"
        cluster = gcp.container.Cluster(
            f"{name}-cluster",
            name=physical,
            location=location,
            network=network.id,
            subnetwork=subnet.id,
            enable_autopilot=True if autopilot else None,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
                cluster_secondary_range_name="pods", services_secondary_range_name="services"
            ),
            private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
                enable_private_nodes=True,
                enable_private_endpoint=False,
                master_ipv4_cidr_block=str(settings.master_cidr),
            ),
            master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
                cidr_blocks=[
                    gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(
                        cidr_block=str(network.cidr), display_name=network.name
                    )
                    for network in settings.authorized_networks
                ],
                gcp_public_cidrs_access_enabled=False,
            ),
            # CI runners (no fixed addresses) reach the control plane by its DNS name;
            # Google checks container.clusters.connect on every request before the
            # Kubernetes API server sees it. The IP endpoint stays closed but for the
            # authorized networks above.
            control_plane_endpoints_config=gcp.container.ClusterControlPlaneEndpointsConfigArgs(
                dns_endpoint_config=gcp.container.ClusterControlPlaneEndpointsConfigDnsEndpointConfigArgs(
                    allow_external_traffic=settings.dns_endpoint
                )
            ),
            workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(
                workload_pool=f"{args.project_id}.svc.id.goog"
            ),
            release_channel=gcp.container.ClusterReleaseChannelArgs(
                channel=settings.release_channel
            ),
            datapath_provider="ADVANCED_DATAPATH",
            enable_intranode_visibility=True,
            master_auth=gcp.container.ClusterMasterAuthArgs(
                client_certificate_config=gcp.container.ClusterMasterAuthClientCertificateConfigArgs(
                    issue_client_certificate=False
                )
            ),
            binary_authorization=gcp.container.ClusterBinaryAuthorizationArgs(
                evaluation_mode="PROJECT_SINGLETON_POLICY_ENFORCE"
            ),
            # Autopilot's nodes run as the least-privilege account (Standard: its pool's).
            cluster_autoscaling=gcp.container.ClusterClusterAutoscalingArgs(
                auto_provisioning_defaults=gcp.container.ClusterClusterAutoscalingAutoProvisioningDefaultsArgs(
                    service_account=node_sa.email, oauth_scopes=[CLOUD_PLATFORM_SCOPE]
                )
            )
            if autopilot
            else None,
            # Autopilot nodes are always shielded; Standard asks for it.
            enable_shielded_nodes=None if autopilot else True,
            deletion_protection=settings.deletion_protection,
            # Standard: replace the default pool with the managed one below.
            remove_default_node_pool=None if autopilot else True,
            initial_node_count=None if autopilot else 1,
            resource_labels={"project": "aevon", "environment": pulumi.get_stack()},
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(protect=settings.deletion_protection)
            ),
        )

        if settings.node_pool is not None:
            gcp.container.NodePool(
                f"{name}-pool",
                name="general",
                cluster=cluster.id,
                location=location,
                autoscaling=gcp.container.NodePoolAutoscalingArgs(
                    min_node_count=settings.node_pool.min_nodes,
                    max_node_count=settings.node_pool.max_nodes,
                ),
                management=gcp.container.NodePoolManagementArgs(
                    auto_repair=True, auto_upgrade=True
                ),
                node_config=gcp.container.NodePoolNodeConfigArgs(
                    machine_type=settings.node_pool.machine_type,
                    service_account=node_sa.email,
                    oauth_scopes=[CLOUD_PLATFORM_SCOPE],
                    shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(
                        enable_secure_boot=True, enable_integrity_monitoring=True
                    ),
                    workload_metadata_config=gcp.container.NodePoolNodeConfigWorkloadMetadataConfigArgs(
                        mode="GKE_METADATA"
                    ),
                ),
                opts=child,
            )

        registry_key = self._registry_key(name, physical, args)
        registry = gcp.artifactregistry.Repository(
            f"{name}-registry",
            repository_id=physical,
            kms_key_name=registry_key,
            location=settings.region,
            format="DOCKER",
            description="ΛΞVON backend microservice images",
            docker_config=gcp.artifactregistry.RepositoryDockerConfigArgs(immutable_tags=True),
            cleanup_policy_dry_run=False,
            cleanup_policies=[
                gcp.artifactregistry.RepositoryCleanupPolicyArgs(
                    id="delete-untagged",
                    action="DELETE",
                    condition=gcp.artifactregistry.RepositoryCleanupPolicyConditionArgs(
                        tag_state="UNTAGGED",
                        older_than=f"{settings.registry_untagged_days * 86400}s",
                    ),
                ),
                gcp.artifactregistry.RepositoryCleanupPolicyArgs(
                    id="keep-recent",
                    action="KEEP",
                    most_recent_versions=gcp.artifactregistry.RepositoryCleanupPolicyMostRecentVersionsArgs(
                        keep_count=settings.registry_keep_recent
                    ),
                ),
            ],
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=args.protect)),
        )
        self._admission_policy(name, args, registry.repository_id)

        self.cluster_name = cluster.name
        self.cluster_endpoint = cluster.endpoint
        self.location = cluster.location
        self.network_name = network.name
        self.node_service_account_name = node_sa.name
        self.registry_url = pulumi.Output.format(
            "{0}-docker.pkg.dev/{1}/{2}", settings.region, args.project_id, registry.repository_id
        )
        self.registry_id = registry.repository_id
        self.registry_location = settings.region
        self.register_outputs(
            {
                "clusterName": self.cluster_name,
                "location": self.location,
                "registryUrl": self.registry_url,
            }
        )

    def _registry_key(self, name: str, physical: str, args: GkePlatformArgs) -> pulumi.Output[str]:
        """The registry's Cloud KMS key, usable by the Artifact Registry service agent alone;
        its id is handed out once the grant exists (AR checks the key when it creates the
        repository)."""
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        waits = pulumi.ResourceOptions(parent=self, depends_on=self._waits_for)
        ring = gcp.kms.KeyRing(
            f"{name}-keys",
            name=physical,
            location=args.settings.region,
            opts=pulumi.ResourceOptions.merge(waits, stateful),
        )
        key = gcp.kms.CryptoKey(
            f"{name}-registry-key",
            name=f"{physical}-registry",
            key_ring=ring.id,
            purpose="ENCRYPT_DECRYPT",
            rotation_period=f"{KMS_ROTATION_SECONDS}s",
            opts=stateful,
        )
        agent = gcp.projects.ServiceIdentity(
            f"{name}-registry-agent",
            project=args.project_id,
            service=REGISTRY_SERVICE,
            opts=waits,
        )
        grant = gcp.kms.CryptoKeyIAMMember(
            f"{name}-registry-key-user",
            crypto_key_id=key.id,
            role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
            member=agent.member,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return pulumi.Output.all(key.id, grant.etag).apply(lambda v: str(v[0]))

    def _admission_policy(
        self, name: str, args: GkePlatformArgs, repository_id: pulumi.Input[str]
    ) -> None:
        """The project's Binary Authorization policy: this stack's registry and Google's
        system images, nothing else."""
        region = args.settings.region
        gcp.binaryauthorization.Policy(
            f"{name}-admission",
            project=args.project_id,
            description="only images of the stack's Artifact Registry repository",
            global_policy_evaluation_mode="ENABLE",
            admission_whitelist_patterns=[
                gcp.binaryauthorization.PolicyAdmissionWhitelistPatternArgs(
                    name_pattern=pulumi.Output.format(
                        "{0}-docker.pkg.dev/{1}/{2}/**", region, args.project_id, repository_id
                    )
                )
            ],
            default_admission_rule=gcp.binaryauthorization.PolicyDefaultAdmissionRuleArgs(
                evaluation_mode="ALWAYS_DENY", enforcement_mode="ENFORCED_BLOCK_AND_AUDIT_LOG"
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._waits_for),
        )


def build_if_enabled(
    name: str,
    cfg: GcpConfig,
    provider: gcp.Provider | None,
    apis: ProjectApis | None,
    *,
    protect: bool = False,
) -> GkePlatform | None:
    """The GKE platform where the stack's config enables Google Cloud; `protect` (the stack's
    `protectStatefulResources`) goes on the registry, its key and key ring."""
    if not cfg.enabled or provider is None or cfg.project_id is None:
        return None
    return GkePlatform(
        name, GkePlatformArgs(settings=cfg, protect=protect), opts=waiting_for(apis, provider)
    )
