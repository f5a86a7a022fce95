"""`NatInstance`: the private subnets' way out through one small Graviton instance.

The cheapest egress that still lets private tasks pull images and reach AWS APIs
(`network.nat: instance`, dev): a t4g.nano costs ~$3/month where a NAT gateway
costs $32.85 plus its address. The shape is fck-nat's
(RaJiska/terraform-aws-fck-nat `main.tf`, `asg.tf`, `ec2.tf`, `iam.tf`):

- a **static network interface** in the public subnet, source/destination check
  off, is what the private route tables point at (`network_interface_id`); it
  outlives every instance, so the routes never change when one is replaced;
- an **Auto Scaling group of one** keeps an instance running: when it fails its
  EC2 status checks or is terminated, the group launches another, whose boot
  script (`nat_instance_boot.sh`) attaches the static interface, turns off the
  primary interface's source/destination check and masquerades out of it (AWS
  VPC User Guide, "NAT instances", Amazon Linux 2023 steps);
- the image is AWS's: the launch template names the public SSM parameter
  `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64` as
  `resolve:ssm:…`, so EC2 looks the current Amazon Linux 2023 arm64 image up at
  every launch (Amazon EC2 Auto Scaling User Guide, "Use AWS Systems Manager
  parameters instead of AMI IDs in launch templates"): a replacement boots a
  patched image, and no `up` churns when AWS publishes a new one.

Hardened: IMDSv2 only (hop limit 1), no key pair and no SSH rule (the boot script
also stops sshd), an encrypted gp3 root volume (the account's AWS-managed EBS key:
a customer-managed key would need the Auto Scaling service-linked role in its key
policy), standard CPU credits (no surplus charges), and an instance role allowed
only to attach and modify the network interfaces tagged with this NAT's name.
Its security group admits only the private subnets' blocks and lets everything out.

One instance in one AZ: when that AZ fails, the private subnets lose egress until
it recovers (as with one shared gateway). Health is the instance's EC2 status, not
whether it forwards packets.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.security_groups import security_group

# AWS's public parameter naming the current Amazon Linux 2023 arm64 image (EC2 User
# Guide, "Query for the latest Amazon Linux AMI IDs using Systems Manager Parameter Store").
AMAZON_LINUX_ARM64_PARAMETER = (
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
)
# The AL2023 standard image's root volume is 8 GiB; a smaller size fails to launch.
ROOT_VOLUME_GIB = 8
BOOT_SCRIPT = Path(__file__).with_name("nat_instance_boot.sh")
ENI_PLACEHOLDER = "@NAT_ENI_ID@"


def boot_script(eni_id: str) -> str:
    """The instance's user data (plain text): the boot script with the static interface's id."""
    return BOOT_SCRIPT.read_text().replace(ENI_PLACEHOLDER, eni_id)


def _user_data(eni_id: str) -> str:
    return base64.b64encode(boot_script(eni_id).encode()).decode()


@dataclass(frozen=True, kw_only=True)
class NatInstanceArgs:
    """What the `NatInstance` is built from.

    - `vpc_id`: the VPC (`vpc-...`); `subnet_id`: the public subnet (`subnet-...`)
      the interface and the instances live in (its AZ is the NAT's AZ);
    - `client_cidrs`: the private subnets' CIDR blocks, the only sources admitted;
    - `instance_type`: a Graviton type (the config checks it; `t4g.nano` by default).

    Raises ValueError when `client_cidrs` is empty (a NAT nobody may use).
    """

    vpc_id: pulumi.Input[str]
    subnet_id: pulumi.Input[str]
    client_cidrs: Sequence[str]
    instance_type: str

    def __post_init__(self) -> None:
        if not self.client_cidrs:
            raise ValueError("NatInstanceArgs.client_cidrs must name the private subnets' blocks")


class NatInstance(pulumi.ComponentResource):
    """A static interface the routes target, and an Auto Scaling group of one instance behind it."""

    network_interface_id: pulumi.Output[str]
    auto_scaling_group_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: NatInstanceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:network:NatInstance", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        physical = naming.physical_name(name)
        # The tag the instance role's conditions key on: the static interface and every
        # instance, root volume and primary interface the group launches carry it.
        own_tags = {"Name": physical}

        group = security_group(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description="NAT instance: forwards the private subnets traffic to the internet",
            parent=self,
        )
        for index, cidr in enumerate(args.client_cidrs):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-from-private-{index}",
                security_group_id=group.id,
                cidr_ipv4=cidr,
                ip_protocol="-1",
                description=f"all traffic from private subnet {index} ({cidr}), to forward",
                opts=child,
            )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-internet",
            security_group_id=group.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="-1",
            description="forwarded traffic to the internet (the NAT's purpose)",
            opts=child,
        )

        interface = aws.ec2.NetworkInterface(
            f"{name}-eni",
            description=f"{physical}: the static interface the private routes target",
            subnet_id=args.subnet_id,
            security_groups=[group.id],
            source_dest_check=False,
            tags=own_tags,
            opts=child,
        )

        region = aws.get_region_output(opts=invoke).region
        account = aws.get_caller_identity_output(opts=invoke).account_id
        role = aws.iam.Role(
            f"{name}-role",
            name=naming.physical_name(f"{name}-role", max_length=64),
            description=f"{physical}: attach the static interface, turn off source/dest checks",
            # EC2 assumes instance-profile roles without a source account or ARN to pin.
            assume_role_policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            # fck-nat's iam.tf: attach and modify only the interfaces and
                            # instances that carry this NAT's Name tag.
                            "Sid": "AttachTheStaticInterfaceToItself",
                            "Effect": "Allow",
                            "Action": [
                                "ec2:AttachNetworkInterface",
                                "ec2:ModifyNetworkInterfaceAttribute",
                            ],
                            "Resource": [
                                pulumi.Output.format(
                                    "arn:aws:ec2:{0}:{1}:network-interface/*", region, account
                                ),
                                pulumi.Output.format(
                                    "arn:aws:ec2:{0}:{1}:instance/*", region, account
                                ),
                            ],
                            "Condition": {"StringEquals": {"aws:ResourceTag/Name": physical}},
                        }
                    ],
                }
            ),
            opts=child,
        )
        profile = aws.iam.InstanceProfile(
            f"{name}-profile",
            name=naming.physical_name(f"{name}-profile", max_length=128),
            role=role.name,
            opts=child,
        )

        template = aws.ec2.LaunchTemplate(
            f"{name}-template",
            name=naming.physical_name(f"{name}-template", max_length=128),
            description=f"{physical}: Amazon Linux 2023 arm64 forwarding the private subnets",
            image_id=f"resolve:ssm:{AMAZON_LINUX_ARM64_PARAMETER}",
            instance_type=args.instance_type,
            iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=profile.arn),
            network_interfaces=[
                aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                    device_index=0,
                    associate_public_ip_address="true",
                    delete_on_termination="true",
                    security_groups=[group.id],
                    description=f"{physical}: primary interface (public address)",
                )
            ],
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=ROOT_VOLUME_GIB,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=1,
                instance_metadata_tags="disabled",
            ),
            credit_specification=aws.ec2.LaunchTemplateCreditSpecificationArgs(
                cpu_credits="standard"
            ),
            user_data=interface.id.apply(_user_data),
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(
                    resource_type=kind, tags={**naming.identity_tags(), **own_tags}
                )
                for kind in ("instance", "volume", "network-interface")
            ],
            tags=naming.name_tag(f"{name}-template"),
            opts=child,
        )

        asg = aws.autoscaling.Group(
            f"{name}-group",
            name=naming.physical_name(f"{name}-group", max_length=255),
            min_size=1,
            max_size=1,
            desired_capacity=1,
            vpc_zone_identifiers=[args.subnet_id],
            health_check_type="EC2",
            health_check_grace_period=120,
            launch_template=aws.autoscaling.GroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            # The instances take their tags from the launch template; the group its name.
            tags=[
                aws.autoscaling.GroupTagArgs(key="Name", value=physical, propagate_at_launch=False)
            ],
            opts=child,
        )

        self.network_interface_id = interface.id
        self.auto_scaling_group_name = asg.name
        self.register_outputs(
            {
                "networkInterfaceId": self.network_interface_id,
                "autoScalingGroupName": self.auto_scaling_group_name,
            }
        )
