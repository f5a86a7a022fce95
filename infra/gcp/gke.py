"""`GkePlatform`: GKE for the backend microservices, and the registry it pulls from.

- Its own VPC-native network: a subnet with secondary ranges for pods and
  services, private Google access, and Cloud NAT for egress (nodes have no
  external IPs).
- The cluster: Autopilot by default (regional by nature), Standard with an
  autoscaled node pool when config asks (regional or zonal). Private nodes;
  master authorized networks from config (never 0.0.0.0/0); Workload Identity;
  a release channel; Dataplane V2 (eBPF network policy); shielded nodes; on
  Standard, a dedicated node service account with only logging/monitoring roles.
- Artifact Registry (Docker) with cleanup policies.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra import naming
from infra.config import GcpConfig, GkeMode
from infra.gcp.apis import ProjectApis, waiting_for

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

    Raises ValueError when the section is not enabled with a project id.
    """

    settings: GcpConfig

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

    def __init__(
        self, name: str, args: GkePlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:gcp:GkePlatform", name, None, opts)
        settings = args.settings
        autopilot = settings.mode is GkeMode.AUTOPILOT
        # Children wait for what the component waits for: the project's APIs.
        child = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
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

        node_sa = None
        if not autopilot:
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

        if settings.node_pool is not None and node_sa is not None:
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
                    oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
                    shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(
                        enable_secure_boot=True, enable_integrity_monitoring=True
                    ),
                    workload_metadata_config=gcp.container.NodePoolNodeConfigWorkloadMetadataConfigArgs(
                        mode="GKE_METADATA"
                    ),
                ),
                opts=child,
            )

        registry = gcp.artifactregistry.Repository(
            f"{name}-registry",
            repository_id=physical,
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
            opts=child,
        )

        self.cluster_name = cluster.name
        self.cluster_endpoint = cluster.endpoint
        self.location = cluster.location
        self.network_name = network.name
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


def build_if_enabled(
    name: str, cfg: GcpConfig, provider: gcp.Provider | None, apis: ProjectApis | None
) -> GkePlatform | None:
    """The GKE platform where the stack's config enables Google Cloud."""
    if not cfg.enabled or provider is None or cfg.project_id is None:
        return None
    return GkePlatform(name, GkePlatformArgs(settings=cfg), opts=waiting_for(apis, provider))
