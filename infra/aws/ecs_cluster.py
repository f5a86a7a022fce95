"""`EcsCluster`: the Fargate cluster every service runs in.

Both FARGATE and FARGATE_SPOT are attached; the default strategy comes from
config (dev: Spot only; prod: on-demand with an optional Spot share).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.config import ComputeConfig


def capacity_provider_strategy(settings: ComputeConfig) -> list[tuple[str, int, int]]:
    """(capacity provider, weight, base) entries with a non-zero weight, from `compute`.

    The cluster's default strategy and every service's strategy: one rule for both.
    """
    entries = [
        ("FARGATE", settings.on_demand_weight, settings.on_demand_base),
        ("FARGATE_SPOT", settings.spot_weight, 0),
    ]
    return [e for e in entries if e[1] > 0]


@dataclass(frozen=True, kw_only=True)
class EcsClusterArgs:
    """What the `EcsCluster` is built from: the `compute` section.

    `settings`: `container_insights`, `spot_weight` and `on_demand_weight` (0-10
    each, not both 0) and `on_demand_base` (0-100 tasks always on FARGATE; needs
    an on-demand weight). See `capacity_provider_strategy`; capacity provider
    strategies: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-capacity-providers.html
    """

    settings: ComputeConfig


class EcsCluster(pulumi.ComponentResource):
    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: EcsClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:compute:EcsCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=naming.physical_name(name, max_length=255),
            settings=[
                aws.ecs.ClusterSettingArgs(
                    name="containerInsights",
                    value="enabled" if args.settings.container_insights else "disabled",
                )
            ],
            opts=child,
        )
        providers = aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity-providers",
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                    capacity_provider=provider, weight=weight, base=base
                )
                for provider, weight, base in capacity_provider_strategy(args.settings)
            ],
            opts=child,
        )
        # Services name FARGATE/FARGATE_SPOT in their strategies, which fails until the
        # providers are associated: hand out the cluster only once they are.
        self.cluster_arn = pulumi.Output.all(cluster.arn, providers.id).apply(lambda v: str(v[0]))
        self.cluster_name = providers.cluster_name
        self.register_outputs({"clusterArn": self.cluster_arn, "clusterName": self.cluster_name})
