"""`Network`: the VPC every AWS component lives in.

Per AZ, three tiers of subnet:
- public: the ALB and the NAT gateways (or the NAT instance); a route to the
  internet gateway;
- private (application): Fargate tasks and the Lambda; egress through NAT, as the
  NAT strategy says;
- isolated (data): Aurora and ElastiCache; no route to or from the internet.

Subnet CIDRs are computed from the VPC CIDR by `plan_subnets`: each tier owns a
fixed block with eight AZ slots, so adding an AZ never moves an existing subnet.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.nat_instance import NatInstance, NatInstanceArgs
from infra.aws.policy_documents import service_trust
from infra.config import NatStrategy, NetworkConfig

AZ_SLOTS = 8  # each tier block is cut into this many equal subnets, one per AZ index


class Tier(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    ISOLATED = "isolated"


def plan_subnets(
    vpc_cidr: ipaddress.IPv4Network, az_count: int
) -> dict[Tier, list[ipaddress.IPv4Network]]:
    """The subnet CIDRs of each tier, one per AZ, in AZ order.

    Layout of the VPC block: the first half is the private tier (tasks need the
    addresses); the second half is cut in four: public, isolated and two
    reserved quarters for later tiers. Each tier block holds `AZ_SLOTS` equal
    subnets and AZ *i* always gets slot *i*, so the plan for `az_count=n` is a
    prefix of the plan for `az_count=n+1`.
    """
    if not 1 <= az_count <= AZ_SLOTS:
        raise ValueError(f"az_count must be between 1 and {AZ_SLOTS}, got {az_count}")
    private_block, upper_half = vpc_cidr.subnets(prefixlen_diff=1)
    public_block, isolated_block, _reserved_1, _reserved_2 = upper_half.subnets(prefixlen_diff=2)
    slot_bits = (AZ_SLOTS - 1).bit_length()
    blocks = {Tier.PUBLIC: public_block, Tier.PRIVATE: private_block, Tier.ISOLATED: isolated_block}
    return {
        tier: list(block.subnets(prefixlen_diff=slot_bits))[:az_count]
        for tier, block in blocks.items()
    }


@dataclass(frozen=True, kw_only=True)
class NetworkArgs:
    """What the `Network` is built from.

    - `settings`: the stack's `network` section: `cidr` (an RFC 1918 IPv4 block,
      /16 to /20), `az_count` (2-6 availability zones), `nat` (none, single,
      per_az or instance, with `nat_instance` its type) and
      `flow_logs.retention_days` (days; a CloudWatch Logs period).
    - `flow_log_kms_key_arn`: the stack's KMS key ARN for the flow-log group, or
      None for CloudWatch Logs' own encryption.
    - `protect`: Pulumi `protect` on the flow-log group (from config).

    The settings model has checked every value. A region that offers fewer zones
    than `az_count` fails when the zone lookup resolves (ValueError naming
    `network.azCount`).
    """

    settings: NetworkConfig
    flow_log_kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False


def _az_name(index: int):
    def pick(names: list[str]) -> str:
        if index >= len(names):
            raise ValueError(
                f"the region offers {len(names)} availability zones; "
                f"network.azCount asks for at least {index + 1}"
            )
        return names[index]

    return pick


class Network(pulumi.ComponentResource):
    """A three-tier VPC with flow logs, NAT per strategy and free gateway endpoints."""

    vpc_id: pulumi.Output[str]
    vpc_cidr: pulumi.Output[str]
    availability_zones: list[pulumi.Output[str]]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    isolated_subnet_ids: list[pulumi.Output[str]]
    nat_gateway_ids: list[pulumi.Output[str]]
    nat_instance_interface_id: pulumi.Output[str] | None
    flow_log_group_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:network:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=str(settings.cidr),
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=naming.name_tag(f"{name}-vpc"),
            opts=child,
        )

        # Adopt the default security group and strip it of every rule, so nothing
        # that lands in it by accident can talk to anything.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=vpc.id,
            ingress=[],
            egress=[],
            tags=naming.name_tag(f"{name}-default-sg-unused"),
            opts=child,
        )

        zones = aws.get_availability_zones_output(
            state="available",
            filters=[
                aws.GetAvailabilityZonesFilterArgs(
                    name="opt-in-status", values=["opt-in-not-required"]
                )
            ],
            opts=pulumi.InvokeOptions(parent=self),
        )
        az_names = [zones.names.apply(_az_name(i)) for i in range(settings.az_count)]

        plan = plan_subnets(settings.cidr, settings.az_count)
        subnets: dict[Tier, list[aws.ec2.Subnet]] = {tier: [] for tier in Tier}
        for tier in Tier:
            for index, cidr in enumerate(plan[tier]):
                logical = f"{name}-{tier.value}-{index}"
                subnets[tier].append(
                    aws.ec2.Subnet(
                        logical,
                        vpc_id=vpc.id,
                        cidr_block=str(cidr),
                        availability_zone=az_names[index],
                        map_public_ip_on_launch=False,
                        tags={**naming.name_tag(logical), "Tier": tier.value},
                        opts=child,
                    )
                )

        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags=naming.name_tag(f"{name}-igw"), opts=child
        )
        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt",
            vpc_id=vpc.id,
            tags=naming.name_tag(f"{name}-public-rt"),
            opts=child,
        )
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child,
        )
        for index, subnet in enumerate(subnets[Tier.PUBLIC]):
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{index}-rta",
                subnet_id=subnet.id,
                route_table_id=public_rt.id,
                opts=child,
            )

        # NAT gateways: none, one in the first AZ, or one per AZ.
        nat_count = {
            NatStrategy.NONE: 0,
            NatStrategy.SINGLE: 1,
            NatStrategy.PER_AZ: settings.az_count,
            NatStrategy.INSTANCE: 0,
        }[settings.nat]
        nat_gateways: list[aws.ec2.NatGateway] = []
        for index in range(nat_count):
            eip = aws.ec2.Eip(
                f"{name}-nat-{index}-eip",
                domain="vpc",
                tags=naming.name_tag(f"{name}-nat-{index}-eip"),
                opts=child,
            )
            nat_gateways.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{index}",
                    allocation_id=eip.id,
                    subnet_id=subnets[Tier.PUBLIC][index].id,
                    connectivity_type="public",
                    tags=naming.name_tag(f"{name}-nat-{index}"),
                    # The IGW must exist before a public NAT gateway can route.
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
            )

        # NAT instance: one, in the first AZ, behind a static interface the routes target.
        nat_instance = None
        if settings.nat is NatStrategy.INSTANCE:
            nat_instance = NatInstance(
                f"{name}-nat",
                NatInstanceArgs(
                    vpc_id=vpc.id,
                    subnet_id=subnets[Tier.PUBLIC][0].id,
                    client_cidrs=[str(cidr) for cidr in plan[Tier.PRIVATE]],
                    instance_type=settings.nat_instance,
                ),
                opts=child,
            )

        # Private route tables: one per AZ when each AZ has its own NAT, else one shared.
        private_rts: list[aws.ec2.RouteTable] = []
        private_rt_count = settings.az_count if settings.nat is NatStrategy.PER_AZ else 1
        for index in range(private_rt_count):
            logical = f"{name}-private-rt-{index}"
            rt = aws.ec2.RouteTable(
                logical, vpc_id=vpc.id, tags=naming.name_tag(logical), opts=child
            )
            private_rts.append(rt)
            if nat_gateways:
                aws.ec2.Route(
                    f"{name}-private-default-{index}",
                    route_table_id=rt.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat_gateways[index].id,
                    opts=child,
                )
            elif nat_instance is not None:
                aws.ec2.Route(
                    f"{name}-private-default-{index}",
                    route_table_id=rt.id,
                    destination_cidr_block="0.0.0.0/0",
                    network_interface_id=nat_instance.network_interface_id,
                    opts=child,
                )
        for index, subnet in enumerate(subnets[Tier.PRIVATE]):
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}-rta",
                subnet_id=subnet.id,
                route_table_id=private_rts[index % private_rt_count].id,
                opts=child,
            )

        # The isolated tier has a route table with no route out of the VPC.
        isolated_rt = aws.ec2.RouteTable(
            f"{name}-isolated-rt",
            vpc_id=vpc.id,
            tags=naming.name_tag(f"{name}-isolated-rt"),
            opts=child,
        )
        for index, subnet in enumerate(subnets[Tier.ISOLATED]):
            aws.ec2.RouteTableAssociation(
                f"{name}-isolated-{index}-rta",
                subnet_id=subnet.id,
                route_table_id=isolated_rt.id,
                opts=child,
            )

        # Gateway endpoints cost nothing and keep S3/DynamoDB traffic off the NAT.
        region = aws.get_region_output(opts=pulumi.InvokeOptions(parent=self))
        for service in ("s3", "dynamodb"):
            aws.ec2.VpcEndpoint(
                f"{name}-{service}-endpoint",
                vpc_id=vpc.id,
                service_name=pulumi.Output.format("com.amazonaws.{0}.{1}", region.region, service),
                vpc_endpoint_type="Gateway",
                route_table_ids=[rt.id for rt in [*private_rts, isolated_rt]],
                tags=naming.name_tag(f"{name}-{service}-endpoint"),
                opts=child,
            )

        flow_log_group = self._flow_logs(name, vpc, args)

        self.vpc_id = vpc.id
        self.vpc_cidr = vpc.cidr_block
        self.availability_zones = az_names
        self.public_subnet_ids = [s.id for s in subnets[Tier.PUBLIC]]
        self.private_subnet_ids = [s.id for s in subnets[Tier.PRIVATE]]
        self.isolated_subnet_ids = [s.id for s in subnets[Tier.ISOLATED]]
        self.nat_gateway_ids = [n.id for n in nat_gateways]
        self.nat_instance_interface_id = (
            None if nat_instance is None else nat_instance.network_interface_id
        )
        self.flow_log_group_name = flow_log_group.name
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "vpcCidr": self.vpc_cidr,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "isolatedSubnetIds": self.isolated_subnet_ids,
                "natGatewayIds": self.nat_gateway_ids,
                "natInstanceInterfaceId": self.nat_instance_interface_id,
                "flowLogGroupName": self.flow_log_group_name,
            }
        )

    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, args: NetworkArgs) -> aws.cloudwatch.LogGroup:
        """VPC flow logs of ALL traffic into a CloudWatch log group with a retention."""
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/{naming.prefix()}/vpc/{name}/flow-logs",
            retention_in_days=args.settings.flow_logs.retention_days,
            kms_key_id=args.flow_log_kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self))
        role = aws.iam.Role(
            f"{name}-flow-logs-role",
            name=naming.physical_name(f"{name}-flow-logs", max_length=64),
            assume_role_policy=service_trust("vpc-flow-logs.amazonaws.com", account.account_id),
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-flow-logs-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": [
                                "logs:CreateLogStream",
                                "logs:PutLogEvents",
                                "logs:DescribeLogStreams",
                            ],
                            "Resource": [log_group.arn, pulumi.Output.concat(log_group.arn, ":*")],
                        }
                    ],
                }
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=naming.name_tag(f"{name}-flow-log"),
            # The flow log starts delivering at once: its role must already be allowed to.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
        )
        return log_group
