"""A stack's inventory as a Terraform plan: every type and input mapped, blocks in Terraform's
shapes, references where Terraform would have them, no secret in the file."""

from __future__ import annotations

import json

import pytest
from pulumi.runtime import rpc

from offline.engine import TEST_SECRET_VALUE, Inventory, Registration
from offline.scan import terraform_plan
from offline.scan.terraform_plan import SENSITIVE, UnmappedInputError, convert
from offline.scan.terraform_types import TYPES, scanned, snake

LB = "aws:lb/loadBalancer:LoadBalancer"
SERVICE = "aws:ecs/service:Service"


def _by_address(document: dict, address: str) -> dict:
    for r in document["planned_values"]["root_module"]["resources"]:
        if r["address"] == address:
            return r
    raise AssertionError(f"no {address} in the plan")


def _expressions(document: dict, address: str) -> dict:
    for r in document["configuration"]["root_module"]["resources"]:
        if r["address"] == address:
            return r["expressions"]
    raise AssertionError(f"no {address} in the configuration")


def test_every_aws_and_gcp_type_and_input_the_stacks_set_is_mapped_or_skipped(
    inventories: dict[str, Inventory],
) -> None:
    gaps = set()
    for inventory in inventories.values():
        for r in inventory.custom():
            if not scanned(r.type):
                continue
            table = TYPES.get(r.type)
            if table is None:
                gaps.add(f"{r.type}: no row in offline/scan/terraform_types.py")
                continue
            gaps |= {f"{r.type}.{k}" for k in r.inputs if not table.covers(k)}
    assert not gaps, sorted(gaps)


def test_rows_are_consistent() -> None:
    for token, row in TYPES.items():
        assert row.tf_type.startswith(("aws_", "google_")), token
        assert not row.same & set(row.renames), f"{token}: an input both same and renamed"
        assert not row.same & set(row.skipped), f"{token}: an input both same and skipped"
        for key in row.same:
            assert key[:1].islower(), f"{token}.{key}"
            assert "." not in key, f"{token}.{key}"
    assert snake("serverlessv2ScalingConfiguration") == "serverlessv2_scaling_configuration"
    assert snake("cidrIpv4") == "cidr_ipv4"


def test_each_stack_converts_and_every_resource_is_in_the_plan(
    inventories: dict[str, Inventory],
) -> None:
    for inventory in inventories.values():
        plan = convert(inventory)
        wanted = {r.urn for r in inventory.custom() if scanned(r.type)}
        assert set(plan.urns.values()) == wanted, inventory.stack
        planned = plan.document["planned_values"]["root_module"]["resources"]
        assert len(planned) == len(wanted) == len(plan.document["resource_changes"])
        assert len({r["address"] for r in planned}) == len(planned), "addresses are unique"
        assert all(c["change"]["actions"] == ["create"] for c in plan.document["resource_changes"])


def test_no_secret_reaches_a_plan_file(inventories: dict[str, Inventory]) -> None:
    for inventory in inventories.values():
        text = json.dumps(convert(inventory).document)
        secrets = {TEST_SECRET_VALUE} | {
            str(rpc.unwrap_rpc_secret(r.outputs.get("result")))
            for r in inventory.of_type("random:index/randomPassword:RandomPassword")
        }
        for secret in secrets:
            assert secret not in text, f"{inventory.stack}: a secret value is in the plan"


def test_a_secret_input_is_written_sensitive() -> None:
    group = Registration.fixture(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "cache-group",
        {"replicationGroupId": "x", "authToken": rpc.wrap_rpc_secret("hunter2-hunter2-hunter2")},
    )
    document = convert(Inventory.of(group)).document
    resource = _by_address(document, "aws_elasticache_replication_group.cache_group")
    assert resource["values"]["auth_token"] == SENSITIVE
    assert resource["sensitive_values"] == {"auth_token": True}
    assert "hunter2" not in json.dumps(document)


def test_an_output_of_another_resource_becomes_a_reference() -> None:
    lb = Registration.fixture(LB, "public-alb", {"name": "aevon-test-public"})
    lb.outputs = {"arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"}
    association = Registration.fixture(
        "aws:wafv2/webAclAssociation:WebAclAssociation",
        "public-waf-association",
        {"resourceArn": lb.outputs["arn"], "webAclArn": "arn:aws:wafv2:acl"},
        property_dependencies={"resourceArn": [lb.urn]},
    )
    document = convert(Inventory.of(lb, association)).document
    address = "aws_wafv2_web_acl_association.public_waf_association"
    assert "resource_arn" not in _by_address(document, address)["values"]
    assert _expressions(document, address)["resource_arn"] == {
        "references": ["aws_lb.public_alb.arn", "aws_lb.public_alb"]
    }
    change = next(c for c in document["resource_changes"] if c["address"] == address)
    assert change["change"]["after_unknown"] == {"resource_arn": True}
    # a value that only looks like the output, without the dependency, stays a value
    association.property_dependencies = {}
    document = convert(Inventory.of(lb, association)).document
    assert _by_address(document, address)["values"]["resource_arn"] == lb.outputs["arn"]


def test_references_inside_blocks_sit_where_terraform_puts_them() -> None:
    group = Registration.fixture("aws:lb/targetGroup:TargetGroup", "public-web-tg", {"name": "w"})
    group.outputs = {"arn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/w/1"}
    listener = Registration.fixture(
        "aws:lb/listener:Listener",
        "public-https",
        {
            "port": 443.0,
            "defaultActions": [{"type": "forward", "targetGroupArn": group.outputs["arn"]}],
        },
        property_dependencies={"defaultActions": [group.urn]},
    )
    document = convert(Inventory.of(group, listener)).document
    values = _by_address(document, "aws_lb_listener.public_https")["values"]
    assert values["port"] == 443, "whole numbers are integers"
    assert values["default_action"] == [{"type": "forward"}]
    assert _expressions(document, "aws_lb_listener.public_https")["default_action"] == [
        {
            "target_group_arn": {
                "references": [
                    "aws_lb_target_group.public_web_tg.arn",
                    "aws_lb_target_group.public_web_tg",
                ]
            }
        }
    ]


def test_blocks_take_terraform_names_and_shapes() -> None:
    service = Registration.fixture(
        SERVICE,
        "app-api",
        {
            "capacityProviderStrategies": [{"capacityProvider": "FARGATE", "weight": 1.0}],
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "tags": {"Name": "app-api", "team": "Platform"},
        },
    )
    values = _by_address(convert(Inventory.of(service)).document, "aws_ecs_service.app_api")[
        "values"
    ]
    assert values["capacity_provider_strategy"] == [{"capacity_provider": "FARGATE", "weight": 1}]
    assert values["deployment_circuit_breaker"] == [{"enable": True, "rollback": True}]
    assert values["tags"] == {"Name": "app-api", "team": "Platform"}, "maps keep their keys"


def test_an_iam_member_keeps_its_member_value() -> None:
    account = Registration.fixture("gcp:serviceaccount/account:Account", "gcp-ci-infra")
    account.outputs = {"email": "x@p.iam.gserviceaccount.com",
                       "member": "serviceAccount:x@p.iam.gserviceaccount.com"}  # fmt: skip
    member = Registration.fixture(
        "gcp:projects/iAMMember:IAMMember",
        "gcp-ci-infra-role",
        {"project": "p", "role": "roles/viewer", "member": account.outputs["member"]},
        property_dependencies={"member": [account.urn]},
    )
    document = convert(Inventory.of(account, member)).document
    values = _by_address(document, "google_project_iam_member.gcp_ci_infra_role")["values"]
    assert values["member"] == account.outputs["member"]


def test_an_unmapped_type_or_input_is_refused() -> None:
    with pytest.raises(UnmappedInputError, match=r"aws:fsx/lustre.*no row"):
        convert(
            Inventory.of(Registration.fixture("aws:fsx/lustreFileSystem:LustreFileSystem", "x"))
        )
    with pytest.raises(UnmappedInputError, match=r"aws:lb/loadBalancer:LoadBalancer.enableHttp2"):
        convert(Inventory.of(Registration.fixture(LB, "x", {"enableHttp2": True})))


def test_addresses_are_terraform_names() -> None:
    assert terraform_plan.address_name("public-in-80-ipv4") == "public_in_80_ipv4"
    twins = [
        Registration.fixture("aws:sqs/queue:Queue", "a-b", urn="urn:1"),
        Registration.fixture("aws:sqs/queue:Queue", "a_b", urn="urn:2"),
    ]
    plan = convert(Inventory.of(*twins))
    assert sorted(plan.urns) == ["aws_sqs_queue.a_b", "aws_sqs_queue.a_b_2"]
