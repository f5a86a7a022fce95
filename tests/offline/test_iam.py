"""IAM: parliament lints every document (reviewed suppressions only), a grant on resources its
action cannot take is an error, and the deploy role is allowed every call the program needs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from offline import preflight
from offline.engine import Inventory, Registration
from offline.preflight import iam
from offline.preflight import iam_reference as ref

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/aevon-test-ci-deploy"
BOUNDARY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/aevon-test-ci-deploy-boundary"
ZONE_LOOKUP = ("aws:route53/getZone:getZone", {"name": "aevon.dev", "privateZone": False})


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _findings(inventory: Inventory, rule: str) -> list[str]:
    return [f.message for f in preflight.run(inventory) if f.rule == rule]


def _policy(name: str, *statements: dict[str, Any]) -> Registration:
    return Registration.fixture(
        "aws:iam/rolePolicy:RolePolicy",
        name,
        {"role": "aevon-test-ci-deploy", "policy": _doc(*statements)},
    )


def _deploy_inventory(
    policy: list[dict[str, Any]],
    boundary: list[dict[str, Any]] | None = None,
    *resources: Registration,
    invokes: tuple[tuple[str, dict[str, Any]], ...] = (ZONE_LOOKUP,),
    cli: tuple[dict[str, Any], ...] = (),
) -> Inventory:
    cli = cli or CLI_STATE
    role_inputs: dict[str, Any] = {"name": "aevon-test-ci-deploy", "assumeRolePolicy": _doc(
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
         "Action": "sts:AssumeRole"})}  # fmt: skip
    registrations = [
        Registration.fixture("pulumi:providers:aws", "aws", {"region": "us-east-1"}),
        _policy("ci-deploy-policy", *policy, *cli),
        *resources,
    ]
    if boundary is not None:
        role_inputs["permissionsBoundary"] = BOUNDARY_ARN
        registrations.append(
            Registration.fixture(
                "aws:iam/policy:Policy", "ci-deploy-boundary", {"policy": _doc(*boundary, *cli)},
                outputs={"arn": BOUNDARY_ARN},
            )
        )  # fmt: skip
    registrations.append(
        Registration.fixture(
            "aws:iam/role:Role",
            "ci-deploy-role",
            role_inputs,
            outputs={"arn": ROLE_ARN},
            id="aevon-test-ci-deploy",
        )
    )
    return Inventory("test", registrations, {"deployRoleArn": ROLE_ARN}, set(), list(invokes))


ROUTE53_READS = {
    "Sid": "Dns",
    "Effect": "Allow",
    "Action": ["route53:GetHostedZone", "route53:ListTagsForResource"],
    "Resource": "arn:aws:route53:::hostedzone/*",
}
LIST_ZONES = {
    "Sid": "FindZones",
    "Effect": "Allow",
    "Action": "route53:ListHostedZones",
    "Resource": "*",
}
# What the Pulumi CLI needs around the program (iam.cli_calls): state and secrets.
CLI_STATE: tuple[dict[str, Any], ...] = (
    {"Sid": "State", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:*Object"],
     "Resource": [f"arn:aws:s3:::aevon-pulumi-state-{ACCOUNT}",
                  f"arn:aws:s3:::aevon-pulumi-state-{ACCOUNT}/*"]},
    {"Sid": "Secrets", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"],
     "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"},
)  # fmt: skip
# The deploy role reads itself, its policy and boundary (their read handlers).
READ_SELF = {
    "Sid": "ReadSelf",
    "Effect": "Allow",
    "Action": ["iam:Get*", "iam:List*"],
    "Resource": "*",
}


# ------------------------------------------------------------------------------ iam-lint
@pytest.mark.parametrize(
    ("statement", "tripped"),
    [
        ({"Effect": "Permit", "Action": "sqs:SendMessage", "Resource": "*"}, True),
        (
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "NotAction": "sqs:Receive*",
                "Resource": "*",
            },
            True,
        ),
        ({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "not-an-arn"}, True),
        (
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs",
            },
            False,
        ),
    ],
)
def test_parliament_errors_trip(statement: dict[str, Any], tripped: bool) -> None:
    inventory = Inventory.of(_policy("app-policy", statement))
    assert bool(_findings(inventory, "iam-lint")) is tripped


def test_parliament_advice_is_a_warning() -> None:
    inventory = Inventory.of(
        _policy("app", {"Effect": "Allow", "Action": "sqs:SendMessages", "Resource": "*"})
    )
    found = [f for f in preflight.run(inventory) if f.rule == "iam-lint-advice"]
    assert found
    assert all(f.severity == "warning" for f in found)
    assert any("UNKNOWN_ACTION" in f.message for f in found)


def test_a_trust_policy_without_resource_is_not_malformed() -> None:
    trust = _doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    role = Registration.fixture("aws:iam/role:Role", "fn-role", {"assumeRolePolicy": trust})
    assert _findings(Inventory.of(role), "iam-lint") == []
    # The same document as an identity policy is malformed.
    assert _findings(Inventory.of(_policy("p", json.loads(trust)["Statement"][0])), "iam-lint")


def test_every_suppression_has_a_reason() -> None:
    for suppression in iam.SUPPRESSED:
        assert suppression.reason.strip(), suppression.issue


# ---------------------------------------------------------- iam-action-resource-mismatch
@pytest.mark.parametrize(
    ("actions", "resources", "expected"),
    [
        (["route53:ListHostedZones"], ["arn:aws:route53:::hostedzone/*"], 'takes only "*"'),
        (["route53:GetChange"], ["arn:aws:route53:::hostedzone/*"], "not of the resource types"),
        (
            ["s3:GetObject"],
            ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"],
            "lists resource arn:aws:s3:::bucket,",
        ),
        (["route53:ListHostedZones"], ["*"], None),
        (
            ["route53:GetHostedZone", "route53:GetChange"],
            ["arn:aws:route53:::hostedzone/*", "arn:aws:route53:::change/*"],
            None,
        ),
    ],
)
def test_a_grant_its_action_cannot_take_is_an_error(
    actions: list[str], resources: list[str], expected: str | None
) -> None:
    statement = {"Sid": "S", "Effect": "Allow", "Action": actions, "Resource": resources}
    found = _findings(Inventory.of(_policy("p", statement)), "iam-action-resource-mismatch")
    if expected is None:
        assert found == []
    else:
        assert any(expected in m for m in found), found
        assert all("p.policy statement S" in m for m in found)


# ----------------------------------------------------------------- iam-deploy-role-grants
def test_a_lookup_the_role_cannot_make_is_an_error() -> None:
    inventory = _deploy_inventory(
        [
            READ_SELF,
            {**ROUTE53_READS, "Action": ["route53:GetHostedZone", "route53:ListHostedZones"]},
        ]
    )
    found = _findings(inventory, "iam-deploy-role-grants")
    assert any("route53:ListHostedZones on *" in m for m in found), found
    assert any("route53:ListTagsForResource" in m for m in found), found
    assert all("lookup of hosted zone aevon.dev" in m for m in found)


def test_the_clis_state_and_secrets_calls_are_checked_too() -> None:
    bare = ({"Sid": "Nothing", "Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"},)
    found = _findings(
        _deploy_inventory([READ_SELF, ROUTE53_READS, LIST_ZONES], None, cli=bare),
        "iam-deploy-role-grants",
    )
    assert any(
        f"s3:PutObject on arn:aws:s3:::aevon-pulumi-state-{ACCOUNT}/.pulumi/" in m for m in found
    ), found
    assert any("kms:Decrypt on (the resource it finds) (the Pulumi CLI" in m for m in found)


def test_the_right_grants_pass() -> None:
    inventory = _deploy_inventory(
        [READ_SELF, ROUTE53_READS, LIST_ZONES], [READ_SELF, ROUTE53_READS, LIST_ZONES]
    )
    assert _findings(inventory, "iam-deploy-role-grants") == []


def test_the_boundary_caps_the_policy() -> None:
    inventory = _deploy_inventory(
        [READ_SELF, ROUTE53_READS, LIST_ZONES], [READ_SELF, ROUTE53_READS]
    )
    found = _findings(inventory, "iam-deploy-role-grants")
    assert any("ListHostedZones" in m and "boundary allows it in no statement" in m for m in found)


def test_a_deny_wins() -> None:
    deny = {"Sid": "NoTags", "Effect": "Deny", "Action": "route53:ListTagsFor*", "Resource": "*"}
    inventory = _deploy_inventory(
        [READ_SELF, ROUTE53_READS, LIST_ZONES], [READ_SELF, ROUTE53_READS, LIST_ZONES, deny]
    )
    found = _findings(inventory, "iam-deploy-role-grants")
    assert any("denied by ci-deploy-boundary statement NoTags" in m for m in found), found


def test_a_region_condition_is_evaluated() -> None:
    elsewhere = {"Effect": "Allow", "Action": "ssm:*", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}  # fmt: skip
    lookup = ("aws:ssm/getParameter:getParameter", {"name": "/aevon-test/release/image-tag"})
    inventory = _deploy_inventory([READ_SELF, elsewhere], None, invokes=(lookup,))
    found = _findings(inventory, "iam-deploy-role-grants")
    parameter = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/aevon-test/release/image-tag"
    assert any(f"ssm:GetParameter on {parameter}" in m for m in found), found
    here = {**elsewhere, "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}
    assert (
        _findings(
            _deploy_inventory([READ_SELF, here], None, invokes=(lookup,)), "iam-deploy-role-grants"
        )
        == []
    )


def test_a_resource_handler_the_role_cannot_run_is_an_error() -> None:
    queue = Registration.fixture(
        "aws:sqs/queue:Queue", "jobs", {"name": "jobs"},
        outputs={"arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"},
    )  # fmt: skip
    sqs_read = {
        "Effect": "Allow",
        "Action": ["sqs:GetQueueAttributes", "sqs:ListQueueTags"],
        "Resource": "*",
    }
    found = _findings(
        _deploy_inventory([READ_SELF, sqs_read], None, queue, invokes=()), "iam-deploy-role-grants"
    )
    assert any(f"sqs:CreateQueue on arn:aws:sqs:us-east-1:{ACCOUNT}:jobs" in m for m in found), (
        found
    )
    everything = {
        "Effect": "Allow",
        "Action": "sqs:*",
        "Resource": f"arn:aws:sqs:us-east-1:{ACCOUNT}:*",
    }
    assert (
        _findings(
            _deploy_inventory([READ_SELF, everything], None, queue, invokes=()),
            "iam-deploy-role-grants",
        )
        == []
    )


def test_a_launch_template_resolving_its_image_needs_get_parameters() -> None:
    """EC2 validates a `resolve:ssm:` image with the creator's ssm:GetParameters on the
    parameter (AWS's public ones have no account in their ARN)."""
    parameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
    template = Registration.fixture(
        "aws:ec2/launchTemplate:LaunchTemplate", "nat-template",
        {"name": "nat", "imageId": f"resolve:ssm:{parameter}", "instanceType": "t4g.nano"},
        outputs={"arn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:launch-template/lt-0123456789abcdef0"},
    )  # fmt: skip
    ec2 = {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}
    found = _findings(
        _deploy_inventory([READ_SELF, ec2], None, template, invokes=()), "iam-deploy-role-grants"
    )
    assert found == [
        "ci-deploy-role cannot call ssm:GetParameters on "
        f"arn:aws:ssm:us-east-1::parameter{parameter} "
        f"(EC2 resolves nat-template's image from parameter {parameter}): "
        "no statement of the role's policies allows it. Grant it in ci-deploy-policy"
    ]
    public = {
        "Effect": "Allow",
        "Action": "ssm:GetParameters",
        "Resource": "arn:aws:ssm:us-east-1::parameter/aws/service/*",
    }
    assert (
        _findings(
            _deploy_inventory([READ_SELF, ec2, public], None, template, invokes=()),
            "iam-deploy-role-grants",
        )
        == []
    )


@pytest.mark.all_stacks
def test_the_stacks_lookups_are_all_explained(inventories: dict[str, Inventory]) -> None:
    for inventory in inventories.values():
        _calls, unexplained = iam.lookup_calls(inventory, "us-east-1", ACCOUNT)
        assert unexplained == [], f"{inventory.stack}: add rows to LOOKUP_CALLS for {unexplained}"


@pytest.mark.all_stacks
def test_the_deploy_role_is_found_in_every_stack(inventories: dict[str, Inventory]) -> None:
    for inventory in inventories.values():
        deploy = iam.deploy_role(inventory)
        assert deploy is not None, inventory.stack
        assert deploy.boundary is not None, inventory.stack
        calls, _unknown = iam.needed_calls(inventory, deploy)
        assert len(calls) > 1000, inventory.stack


@pytest.mark.parametrize(("cfn_type", "pattern"), sorted(iam.NOT_NEEDED))
def test_every_not_needed_row_names_a_real_handler_permission(cfn_type: str, pattern: str) -> None:
    permissions = {p for ps in iam.handler_permissions(cfn_type).values() for p in ps}
    assert any(ref.glob_match(pattern.lower(), p.lower()) for p in permissions), (cfn_type, pattern)


def test_the_zone_lookup_grants_are_the_right_ones(inventories: dict[str, Inventory]) -> None:
    """Failing input 13: ListHostedZones on "*" and ListTagsForResource, in policy and boundary."""
    for stack in ("staging", "prod"):
        deploy = iam.deploy_role(inventories[stack])
        assert deploy is not None
        context = {"aws:RequestedRegion": "us-east-1"}
        assert deploy.grants.allows("route53:ListHostedZones", "*", context) is None
        zone = "arn:aws:route53:::hostedzone/Z0123456789ABC"
        assert deploy.grants.allows("route53:ListTagsForResource", zone, context) is None


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        (
            {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
            {"aws:RequestedRegion": "us-east-1"},
            True,
        ),
        (
            {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
            {"aws:RequestedRegion": "us-east-1"},
            False,
        ),
        (
            {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
            {"aws:RequestedRegion": "us-east-1"},
            True,
        ),
        (
            {"StringLike": {"aws:RequestedRegion": "us-*"}},
            {"aws:RequestedRegion": "us-east-1"},
            True,
        ),
        (
            {"ArnEquals": {"iam:PolicyARN": ["arn:aws:iam::aws:policy/AdministratorAccess"]}},
            {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
            False,
        ),
        ({"StringEquals": {"iam:AWSServiceName": "rds.amazonaws.com"}}, {}, None),  # unknown key
        ({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}, {}, True),  # absent: IfExists holds
    ],
)
def test_conditions_the_evaluator_decides(
    condition: dict[str, Any], context: dict[str, str], expected: bool | None
) -> None:
    assert iam.condition_holds(condition, context) is expected


# ------------------------------------------------------------------ issue 15: the release steps
def _release_inventory(*statements: dict[str, Any]) -> Inventory:
    """A stack exporting its migration task and release parameters (what scripts/release.py
    reads), whose deploy role has `statements`."""
    definition = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/aevon-test-migrations:3"
    task = Registration.fixture(
        "aws:ecs/taskDefinition:TaskDefinition", "migrations-task",
        {"executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/aevon-test-migrations-execution",
         "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/aevon-test-migrations-task"},
        outputs={"arn": definition},
    )  # fmt: skip
    inventory = _deploy_inventory([READ_SELF, *statements], None, invokes=())
    inventory.registrations.append(task)
    inventory.outputs |= {
        "imageTagParameter": "/aevon-test/release/image-tag",
        "migrationTagParameter": "/aevon-test/release/migration-tag",
        "migrationTask": {"taskDefinition": definition, "cluster": "aevon-test-ecs",
                          "logGroup": "/aevon-test/ecs/migrations"},
    }  # fmt: skip
    return inventory


def _release_grants(**narrower: list[str]) -> list[dict[str, Any]]:
    grants = {
        "ssm": ["ssm:PutParameter"],
        "ecs": ["ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask"],
        "iam": ["iam:PassRole"],
        "logs": ["logs:GetLogEvents"],
    }
    grants |= narrower
    return [{"Effect": "Allow", "Action": actions, "Resource": "*"} for actions in grants.values()]


def _release_findings(inventory: Inventory) -> list[str]:
    """The grant findings of the release steps (the task definition's own handlers aside)."""
    return [m for m in _findings(inventory, "iam-deploy-role-grants") if "scripts/release.py" in m]


def test_the_release_steps_calls_must_be_granted() -> None:
    assert _release_findings(_release_inventory(*_release_grants())) == []
    found = _release_findings(
        _release_inventory(*_release_grants(ecs=["ecs:DescribeTasks"], iam=[]))
    )
    assert any("ecs:RunTask on arn:aws:ecs:us-east-1:" in m for m in found), found
    assert any("ecs:StopTask" in m for m in found), found
    assert any(
        "iam:PassRole on arn:aws:iam::123456789012:role/aevon-test-migrations-execution" in m
        and "scripts/release.py runs the migration task" in m
        for m in found
    ), found


def test_the_stacks_deploy_roles_may_run_their_release_steps(
    inventories: dict[str, Inventory],
) -> None:
    for stack, inventory in inventories.items():
        deploy = iam.deploy_role(inventory)
        assert deploy is not None
        calls = iam.release_calls(inventory, deploy.region, deploy.account)
        assert {c.action for c in calls} == {
            "ssm:PutParameter", "ecs:RunTask", "iam:PassRole", "ecs:DescribeTasks",
            "ecs:StopTask", "logs:GetLogEvents",
        }, stack  # fmt: skip
        for call in calls:
            assert (
                deploy.grants.allows(call.action, call.resource, iam._context(call, deploy.region))
                is None
            ), (stack, call)
