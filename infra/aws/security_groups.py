"""Security groups: empty groups, the one way two groups are opened to each other, and
one group per workload of the blueprint.

Every group starts with no rules at all; each opening is its own
`aws.vpc.SecurityGroupIngressRule`/`EgressRule` with a description, added by the
component that needs it, so nothing is open by default and every opening is
reviewable. The helpers take the VPC id and the parent, so each group and rule
belongs to the component that asked for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.blueprint import Service


def security_group(
    name: str,
    *,
    vpc_id: pulumi.Input[str],
    description: str,
    parent: pulumi.Resource,
) -> aws.ec2.SecurityGroup:
    """A security group named `name` in the VPC `vpc_id`, with no rules at all, under `parent`.

    The physical name is `<project>-<stack>-<name>` (at most 255 characters).
    """
    return aws.ec2.SecurityGroup(
        name,
        name=naming.physical_name(name, max_length=255),
        description=description,
        vpc_id=vpc_id,
        # No inline rules: the provider then also removes AWS's default
        # allow-all egress, and separate rule resources never fight inline ones.
        revoke_rules_on_delete=True,
        tags=naming.name_tag(name),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def admit_clients(
    name: str,
    *,
    security_group_id: pulumi.Input[str],
    clients: Mapping[str, pulumi.Input[str]],
    port: int,
    service: str,
    parent: pulumi.Resource,
) -> None:
    """Open TCP `port` on a group to exactly `clients` (label -> their group id), both ways.

    Per client, in label order: an ingress rule `<name>-from-<label>` on the group
    from the client's group, and the matching egress rule `<name>-to-<label>-egress`
    on the client's group, each described with `service` and the label.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    for label, client_sg in sorted(clients.items()):
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-{label}",
            security_group_id=security_group_id,
            referenced_security_group_id=client_sg,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"{service} from {label}",
            opts=opts,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-{label}-egress",
            security_group_id=client_sg,
            referenced_security_group_id=security_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"{label} to {service}",
            opts=opts,
        )


@dataclass(frozen=True, kw_only=True)
class WorkloadSecurityGroupsArgs:
    """What the `WorkloadSecurityGroups` are built from.

    - `vpc_id`: the VPC (`vpc-...`) the groups live in.
    - `workloads`: the services that get a group, once each (the blueprint's `Service`).

    Raises ValueError when `workloads` is empty or repeats a service.
    """

    vpc_id: pulumi.Input[str]
    workloads: Sequence[Service]

    def __post_init__(self) -> None:
        if not self.workloads:
            raise ValueError("WorkloadSecurityGroupsArgs.workloads must name at least one service")
        if len(set(self.workloads)) != len(self.workloads):
            raise ValueError("WorkloadSecurityGroupsArgs.workloads must not repeat a service")


class WorkloadSecurityGroups(pulumi.ComponentResource):
    """One empty security group per service, before the data stores and the services.

    The database and cache admit exactly the workloads configured as their
    clients, and each service is placed in its own group later.
    """

    ids: dict[Service, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        args: WorkloadSecurityGroupsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("aevon:network:WorkloadSecurityGroups", name, None, opts)
        groups: dict[Service, aws.ec2.SecurityGroup] = {}
        for workload in args.workloads:
            groups[workload] = security_group(
                f"{name}-{workload.value}",
                vpc_id=args.vpc_id,
                description=f"{workload.value} workload",
                parent=self,
            )
        self.ids = {w: g.id for w, g in groups.items()}
        self.register_outputs({w.value: sg_id for w, sg_id in self.ids.items()})
