"""`WorkloadSecurityGroups`: one empty security group per workload of the blueprint.

They exist before the data stores and the services, so the database and cache
can admit exactly the workloads configured as their clients, and each service
can be placed in its own group later. Every rule is added, with a description,
by the component that needs it; nothing here opens anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.aws.network import Network
from infra.blueprint import Service


@dataclass(frozen=True, kw_only=True)
class WorkloadSecurityGroupsArgs:
    network: Network
    services: Sequence[Service]

    def __post_init__(self) -> None:
        if not self.services:
            raise ValueError("WorkloadSecurityGroupsArgs.workloads must name at least one workload")
        if len(set(self.services)) != len(self.services):
            raise ValueError("WorkloadSecurityGroupsArgs.workloads must not repeat a workload")


class WorkloadSecurityGroups(pulumi.ComponentResource):
    ids: dict[Service, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        args: WorkloadSecurityGroupsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aevon:network:WorkloadSecurityGroups", name, None, opts)
        groups: dict[Service, aws.ec2.SecurityGroup] = {}
        for workload in args.services:
            groups[workload] = args.network.security_group(
                f"{name}-{workload.value}",
                description=f"{workload.value} workload",
                parent=self,
            )
        self.ids = {w: g.id for w, g in groups.items()}
        self.register_outputs({w.value: sg_id for w, sg_id in self.ids.items()})
