"""Composition root: load config -> build components -> export. Nothing else."""

import pulumi

from infra import config, providers
from infra.aws.network import Network, NetworkArgs

cfg = config.load()
aws_provider = providers.aws_provider(cfg)
aws_opts = pulumi.ResourceOptions(providers=[aws_provider])

network = Network(
    "network",
    NetworkArgs(
        cidr=cfg.network.cidr,
        az_count=cfg.network.az_count,
        nat=cfg.network.nat,
        flow_log_retention_days=cfg.network.flow_logs.retention_days,
    ),
    opts=aws_opts,
)

pulumi.export("vpcId", network.vpc_id)
pulumi.export("vpcCidr", network.vpc_cidr)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
