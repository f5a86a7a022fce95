"""`StorePlacement`: where a data store lives and which workload groups may reach it.

The wiring Aurora and the cache share: the isolated tier of the `Network` and the
workload security groups. A store admits the services its config section names as
`clients`; their groups are picked from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.aws.security_groups import admit_clients, security_group
from infra.blueprint import Service


@dataclass(frozen=True, kw_only=True)
class StorePlacement:
    """The network side of a data store.

    - `vpc_id`: the VPC (`vpc-...`) its security group is created in.
    - `subnet_ids`: the isolated subnets, one per AZ (RDS and ElastiCache subnet
      groups want two AZs or more).
    - `availability_zones`: AZ names; node or instance *i* goes to zone *i* mod
      their count.
    - `workload_security_group_ids`: every service's workload security group.

    Raises ValueError when `subnet_ids` or `availability_zones` is empty.
    """

    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    availability_zones: Sequence[pulumi.Input[str]]
    workload_security_group_ids: Mapping[Service, pulumi.Input[str]]

    def __post_init__(self) -> None:
        if not self.subnet_ids or not self.availability_zones:
            raise ValueError("StorePlacement: subnet_ids and availability_zones must not be empty")

    def client_groups(self, clients: Sequence[Service]) -> dict[str, pulumi.Input[str]]:
        """The groups of `clients`, by service name (which the opening rules are named after).

        Raises ValueError naming each client that has no workload group.
        """
        unplaced = [c.value for c in clients if c not in self.workload_security_group_ids]
        if unplaced:
            raise ValueError(f"no security group for client {', '.join(unplaced)}")
        return {c.value: self.workload_security_group_ids[c] for c in clients}

    def store_security_group(
        self,
        name: str,
        *,
        clients: Sequence[Service],
        port: int,
        service: str,
        description: str,
        parent: pulumi.Resource,
    ) -> aws.ec2.SecurityGroup:
        """The store's own group `<name>-sg` in the VPC, open on TCP `port` to exactly the
        groups of `clients` (and their egress to it), all under `parent`.

        Raises ValueError naming each client that has no workload group.
        """
        group = security_group(
            f"{name}-sg", vpc_id=self.vpc_id, description=description, parent=parent
        )
        admit_clients(
            name,
            security_group_id=group.id,
            clients=self.client_groups(clients),
            port=port,
            service=service,
            parent=parent,
        )
        return group
