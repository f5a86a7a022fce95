"""Security-group helpers and the workload groups, built from a plain VPC id (no VPC)."""

from __future__ import annotations

import pulumi
import pytest

from infra.aws.security_groups import (
    WorkloadSecurityGroups,
    WorkloadSecurityGroupsArgs,
    admit_clients,
    security_group,
)
from infra.blueprint import Service
from offline.engine import build, component_harness

VPC_ID = "vpc-0a1b2c3d"


class _Owner(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("test:index:Owner", name)


def test_security_group_is_empty_in_the_given_vpc_under_its_parent() -> None:
    def program() -> object:
        owner = _Owner("owner")
        return security_group("net-app-sg", vpc_id=VPC_ID, description="app tasks", parent=owner).id

    rec = build(program)
    (sg,) = rec.of_type("aws:ec2/securityGroup:SecurityGroup")
    (owner,) = rec.of_type("test:index:Owner")
    assert sg.parent == owner.urn
    assert sg.input("vpcId") == VPC_ID
    assert sg.input("ingress") is None
    assert sg.input("egress") is None
    assert sg.input("revokeRulesOnDelete") is True
    assert sg.input("description") == "app tasks"
    assert sg.input("name") == "aevon-test-net-app-sg"


def test_admit_clients_opens_exactly_the_port_both_ways() -> None:
    def program() -> object:
        owner = _Owner("db")
        admit_clients(
            "db",
            security_group_id="sg-db",
            clients={"web": "sg-web", "api": "sg-api"},
            port=5432,
            service="PostgreSQL",
            parent=owner,
        )
        return owner.urn

    rec = build(program)
    ingress = rec.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    egress = rec.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert [r.name for r in ingress] == ["db-from-api", "db-from-web"]
    assert [r.name for r in egress] == ["db-to-api-egress", "db-to-web-egress"]
    for rule in ingress:
        assert rule.input("securityGroupId") == "sg-db"
        assert (rule.input("fromPort"), rule.input("toPort"), rule.input("ipProtocol")) == (
            5432,
            5432,
            "tcp",
        )
        assert rule.input("cidrIpv4") is None
    assert {(r.input("securityGroupId"), r.input("referencedSecurityGroupId")) for r in egress} == {
        ("sg-api", "sg-db"),
        ("sg-web", "sg-db"),
    }
    assert rec.named("db-from-api").input("description") == "PostgreSQL from api"
    assert rec.named("db-to-api-egress").input("description") == "api to PostgreSQL"


def test_one_empty_group_per_service_in_the_vpc() -> None:
    def program() -> object:
        groups = WorkloadSecurityGroups(
            "workloads", WorkloadSecurityGroupsArgs(vpc_id=VPC_ID, workloads=list(Service))
        )
        return pulumi.Output.all(*groups.ids.values())

    rec = build(program)
    groups = rec.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert [g.name for g in groups] == sorted(f"workloads-{s.value}" for s in Service)
    (component,) = rec.of_type("aevon:network:WorkloadSecurityGroups")
    for group in groups:
        assert group.input("vpcId") == VPC_ID
        assert group.parent == component.urn
    assert rec.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") == []


@pytest.mark.parametrize(
    ("workloads", "message"),
    [([], "at least one service"), ([Service.API, Service.API], "must not repeat")],
)
def test_workload_groups_refuse_bad_service_lists(workloads: list[Service], message: str) -> None:
    with component_harness() as monitor:
        with pytest.raises(ValueError, match=message):
            WorkloadSecurityGroupsArgs(vpc_id=VPC_ID, workloads=workloads)
        assert monitor.registrations == []
