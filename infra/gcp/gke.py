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

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

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
class NodePool:
    machine_type: str
    min_nodes: int
    max_nodes: int


@dataclass(frozen=True, kw_only=True)
class GkePlatformArgs:
    project_id: str
    region: str
    autopilot: bool
    regional: bool
    release_channel: str
    subnet_cidr: ipaddress.IPv4Network
    pods_cidr: ipaddress.IPv4Network
    services_cidr: ipaddress.IPv4Network
    master_cidr: ipaddress.IPv4Network
    authorized_networks: Sequence[tuple[str, ipaddress.IPv4Network]] = field(default_factory=tuple)
    dns_endpoint: bool = True
    deletion_protection: bool = True
    node_pool: NodePool | None = None
    registry_keep_recent: int = 20
    registry_untagged_days: int = 7

    def __post_init__(self) -> None:
        problems = []
        for label, cidr in self.authorized_networks:
            if cidr.prefixlen < 8:
                problems.append(f"authorized network {label} ({cidr}) is open to the internet")
        if self.autopilot and self.node_pool is not None:
            problems.append("Autopilot manages nodes: no node_pool")
        if not self.autopilot and self.node_pool is None:
            problems.append("Standard mode needs a node_pool")
        if self.autopilot and not self.regional:
            problems.append("Autopilot clusters are regional")
        if not self.dns_endpoint and not self.authorized_networks:
            problems.append(
                "no DNS endpoint and no authorized networks: the control plane is unreachable"
            )
        if problems:
            raise ValueError("GkePlatformArgs: " + "; ".join(problems))


class GkePlatform(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    cluster_endpoint: pulumi.Output[str]
    location: pulumi.Output[str]
    registry_url: pulumi.Output[str]
    network_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: GkePlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:gcp:GkePlatform", name, None, opts)
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
            region=args.region,
            ip_cidr_range=str(args.subnet_cidr),
            private_ip_google_access=True,
            secondary_ip_ranges=[
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name="pods", ip_cidr_range=str(args.pods_cidr)
                ),
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name="services", ip_cidr_range=str(args.services_cidr)
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
            f"{name}-router", name=physical, network=network.id, region=args.region, opts=child
        )
        gcp.compute.RouterNat(
            f"{name}-nat",
            name=physical,
            router=router.name,
            region=args.region,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
            opts=child,
        )

        node_sa = None
        if not args.autopilot:
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

        location = args.region if args.regional else f"{args.region}-a"
        cluster = gcp.container.Cluster(
            f"{name}-cluster",
            name=physical,
            location=location,
            network=network.id,
            subnetwork=subnet.id,
            enable_autopilot=True if args.autopilot else None,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
                cluster_secondary_range_name="pods", services_secondary_range_name="services"
            ),
            private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
                enable_private_nodes=True,
                enable_private_endpoint=False,
                master_ipv4_cidr_block=str(args.master_cidr),
            ),
            master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
                cidr_blocks=[
                    gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(
                        cidr_block=str(cidr), display_name=label
                    )
                    for label, cidr in args.authorized_networks
                ],
                gcp_public_cidrs_access_enabled=False,
            ),
            # CI runners (no fixed addresses) reach the control plane by its DNS name;
            # Google checks container.clusters.connect on every request before the
            # Kubernetes API server sees it. The IP endpoint stays closed but for the
            # authorized networks above.
            control_plane_endpoints_config=gcp.container.ClusterControlPlaneEndpointsConfigArgs(
                dns_endpoint_config=gcp.container.ClusterControlPlaneEndpointsConfigDnsEndpointConfigArgs(
                    allow_external_traffic=args.dns_endpoint
                )
            ),
            workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(
                workload_pool=f"{args.project_id}.svc.id.goog"
            ),
            release_channel=gcp.container.ClusterReleaseChannelArgs(channel=args.release_channel),
            datapath_provider="ADVANCED_DATAPATH",
            # Autopilot nodes are always shielded; Standard asks for it.
            enable_shielded_nodes=None if args.autopilot else True,
            deletion_protection=args.deletion_protection,
            # Standard: replace the default pool with the managed one below.
            remove_default_node_pool=None if args.autopilot else True,
            initial_node_count=None if args.autopilot else 1,
            resource_labels={"project": "aevon", "environment": pulumi.get_stack()},
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(protect=args.deletion_protection)
            ),
        )

        if args.node_pool is not None and node_sa is not None:
            gcp.container.NodePool(
                f"{name}-pool",
                name="general",
                cluster=cluster.id,
                location=location,
                autoscaling=gcp.container.NodePoolAutoscalingArgs(
                    min_node_count=args.node_pool.min_nodes, max_node_count=args.node_pool.max_nodes
                ),
                management=gcp.container.NodePoolManagementArgs(
                    auto_repair=True, auto_upgrade=True
                ),
                node_config=gcp.container.NodePoolNodeConfigArgs(
                    machine_type=args.node_pool.machine_type,
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
            location=args.region,
            format="DOCKER",
            description="ΛΞVON backend microservice images",
            docker_config=gcp.artifactregistry.RepositoryDockerConfigArgs(immutable_tags=True),
            cleanup_policy_dry_run=False,
            cleanup_policies=[
                gcp.artifactregistry.RepositoryCleanupPolicyArgs(
                    id="delete-untagged",
                    action="DELETE",
                    condition=gcp.artifactregistry.RepositoryCleanupPolicyConditionArgs(
                        tag_state="UNTAGGED", older_than=f"{args.registry_untagged_days * 86400}s"
                    ),
                ),
                gcp.artifactregistry.RepositoryCleanupPolicyArgs(
                    id="keep-recent",
                    action="KEEP",
                    most_recent_versions=gcp.artifactregistry.RepositoryCleanupPolicyMostRecentVersionsArgs(
                        keep_count=args.registry_keep_recent
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
            "{0}-docker.pkg.dev/{1}/{2}", args.region, args.project_id, registry.repository_id
        )
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
    pool = cfg.node_pool
    return GkePlatform(
        name,
        GkePlatformArgs(
            project_id=cfg.project_id,
            region=cfg.region,
            autopilot=cfg.mode is GkeMode.AUTOPILOT,
            regional=cfg.regional,
            release_channel=cfg.release_channel,
            subnet_cidr=cfg.subnet_cidr,
            pods_cidr=cfg.pods_cidr,
            services_cidr=cfg.services_cidr,
            master_cidr=cfg.master_cidr,
            authorized_networks=[(n.name, n.cidr) for n in cfg.authorized_networks],
            dns_endpoint=cfg.dns_endpoint,
            deletion_protection=cfg.deletion_protection,
            node_pool=(
                NodePool(
                    machine_type=pool.machine_type,
                    min_nodes=pool.min_nodes,
                    max_nodes=pool.max_nodes,
                )
                if pool
                else None
            ),
            registry_keep_recent=cfg.registry_keep_recent,
            registry_untagged_days=cfg.registry_untagged_days,
        ),
        opts=waiting_for(apis, provider),
    )
