"""First deploy from empty accounts: every real stack in delivery order, and fixture
worlds where a stack reads what nobody has created yet."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from offline import cli, world
from offline.delivery import (
    DeliveryOrderError,
    Deployment,
    ancestors,
    bootstrap_deployments,
    delivery_order,
    stack_deployment,
    stack_deployments,
)
from offline.engine import ROOT, STACKS, stack_file
from offline.first_deploy import FirstDeploy, Simulation, check_all
from tests.test_identity_and_platforms import pr_stack_overrides

PR_STACK = "pr-42"
OIDC_LOOKUP = "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"


def _account_of(stack: str) -> tuple[str, str]:
    """A stack's account (its file's aws:allowedAccountIds; a per-PR stack uses dev's) and
    the bootstrap stack that runs in that account."""
    config = stack_file("dev" if stack == PR_STACK else stack)["config"]
    account = str(config["aws:allowedAccountIds"][0])
    (boot,) = [b.label for b in bootstrap_deployments() if b.account == account]
    return account, boot


ACCOUNTS = {stack: _account_of(stack) for stack in [*STACKS, PR_STACK]}


def github_oidc(account: str) -> world.ObjectKey:
    return world.ObjectKey("aws-oidc-provider", account, "token.actions.githubusercontent.com")


def vercel_oidc(account: str) -> world.ObjectKey:
    return world.ObjectKey("aws-oidc-provider", account, "oidc.vercel.com/aevon")


def _oidc_lookups(result: FirstDeploy, key: world.ObjectKey) -> list[Any]:
    return [r for r in result.resolutions if r.need.via == OIDC_LOOKUP and r.need.key == key]


@pytest.fixture(scope="session")
def simulation() -> Simulation:
    pr_stack = stack_deployment(PR_STACK, config_from="dev", overrides=pr_stack_overrides(42))
    return Simulation([*stack_deployments(), pr_stack])


@pytest.fixture(scope="session")
def first_deploys(simulation: Simulation) -> dict[str, FirstDeploy]:
    return check_all(simulation)


# ------------------------------------------------------------------ the real stacks
def test_delivery_order_comes_from_promotes_from(simulation: Simulation) -> None:
    labels = [d.label for d in simulation.order]
    boots = [d.label for d in simulation.order if d.bootstrap]
    assert labels[: len(boots)] == sorted(boots), "the bootstraps come first"
    assert sorted(labels[len(boots) :]) == sorted([*STACKS, PR_STACK]), "every stack file, once"
    assert labels.index("dev") < labels.index("staging") < labels.index("prod")
    # Every account's bootstrap, then the promotesFrom chain (in other accounts).
    assert [d.label for d in ancestors(simulation.order, "prod")] == [*boots, "dev", "staging"]
    # A per-PR stack copies dev's config: it may exist before dev's first up.
    assert [d.label for d in ancestors(simulation.order, PR_STACK)] == boots
    accounts = {
        d.label: (
            d.account,
            next(b.label for b in simulation.order if b.bootstrap and b.account == d.account),
        )
        for d in simulation.order
        if not d.bootstrap
    }
    assert accounts == ACCOUNTS
    assert accounts[PR_STACK] == accounts["dev"], "per-PR stacks live in dev's account"


@pytest.mark.parametrize("stack", [*STACKS, PR_STACK])
def test_first_deploy_finds_everything_it_reads(
    first_deploys: dict[str, FirstDeploy], stack: str
) -> None:
    failures = [f.message for f in first_deploys[stack].failures]
    assert failures == [], first_deploys[stack].render()


@pytest.mark.parametrize("stack", [*STACKS, PR_STACK])
def test_the_github_oidc_provider_comes_from_bootstrap_in_the_same_account(
    first_deploys: dict[str, FirstDeploy], stack: str
) -> None:
    account, bootstrap = ACCOUNTS[stack]
    (lookup,) = _oidc_lookups(first_deploys[stack], github_oidc(account))
    assert (lookup.status, lookup.by) == ("created", bootstrap)


@pytest.mark.parametrize("stack", [*STACKS, PR_STACK])
def test_the_vercel_oidc_provider_comes_from_bootstrap_where_vercel_calls_ingestion(
    first_deploys: dict[str, FirstDeploy], stack: str
) -> None:
    # A stack that leaves Vercel alone (vercel.manage: false, as the per-PR stack does) has
    # no caller role and no lookup.
    manages = stack != PR_STACK and stack_file(stack)["config"]["aevon:vercel"].get("manage", True)
    account, bootstrap = ACCOUNTS[stack]
    lookups = _oidc_lookups(first_deploys[stack], vercel_oidc(account))
    assert [(r.status, r.by) for r in lookups] == ([("created", bootstrap)] if manages else [])


def test_prerequisites_follow_from_each_stacks_config(
    first_deploys: dict[str, FirstDeploy],
) -> None:
    described = {s: {p.key.describe() for p in first_deploys[s].prerequisites} for s in STACKS}
    assert (
        "SSM parameter /aevon-dev/release/image-tag in 111122223333/us-east-1" in described["dev"]
    )
    # Each account has its own zone: staging's is delegated from prod's aevon.dev.
    assert "Route 53 hosted zone staging.aevon.dev in account 444455556666" in described["staging"]
    assert "Route 53 hosted zone aevon.dev in account 777788889999" in described["prod"]
    assert "GitHub team aevon-os/platform-engineers" in described["staging"]
    assert {"GitHub team aevon-os/platform-leads", "GitHub team aevon-os/release-managers"} <= (
        described["prod"]
    )
    assert "Google Cloud project aevon-platform-prod" in described["prod"]
    assert "Google Cloud project aevon-platform-staging" not in described["prod"]
    # The per-PR stack pins its image tag in config: no release parameter to write.
    assert not any(
        "SSM parameter" in d
        for d in {p.key.describe() for p in first_deploys[PR_STACK].prerequisites}
    )
    prod = first_deploys["prod"]
    assert prod.already[world.ObjectKey("github-organization", "", "aevon-os")] == "dev"


def _first_run_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## First run")
    return readme[start : readme.index("\n## ", start + 1)]


@pytest.mark.all_stacks
def test_the_readmes_first_run_gives_exactly_the_printed_prerequisite_commands(
    first_deploys: dict[str, FirstDeploy],
) -> None:
    section = _first_run_section()
    printed = {
        _any_stack(c) for r in first_deploys.values() for p in r.prerequisites for c in p.commands
    }
    for command in sorted(printed):
        assert command in section, f"README's First run lacks `{command}`"
    by_hand = {
        line.strip()
        for line in section.splitlines()
        if line.strip().startswith(("gh ", "curl ", "aws ", "gcloud "))
    }
    assert by_hand - printed == set(), "README's First run has commands no stack needs"


def _any_stack(command: str) -> str:
    """The README writes each per-stack command (the release parameters, the operator
    values) once, for `<stack>`: a stack added later needs no README edit."""
    command = re.sub(r"/aevon-[a-z0-9-]+/release/", "/aevon-<stack>/release/", command)
    return re.sub(r"--stack [a-z0-9-]+ ", "--stack <stack> ", command)


# ------------------------------------------------------------------ bootstrap's OIDC provider
def test_a_stack_fails_when_bootstrap_does_not_create_the_oidc_provider() -> None:
    bootstrap = Deployment(
        "bootstrap/dev",
        "dev",
        ROOT / "bootstrap",
        overrides={"aevon-bootstrap:createGithubOidcProvider": False},
        account="111122223333",
    )
    result = Simulation([stack_deployment("dev")], bootstrap).check("dev")
    (lookup,) = _oidc_lookups(result, github_oidc("111122223333"))
    assert lookup.failed
    assert lookup.message == (
        "dev looks up IAM OIDC provider token.actions.githubusercontent.com in account "
        "111122223333: nothing creates it and it is not a prerequisite"
    )


def test_another_accounts_bootstrap_does_not_serve_a_stack() -> None:
    """prod's lookups are answered in prod's account only: dev's bootstrap does not count."""
    dev_account_only = [b for b in bootstrap_deployments() if b.account == "111122223333"]
    prod = stack_deployment("prod", overrides={"aevon:promotesFrom": ""})
    result = Simulation([prod], dev_account_only).check("prod")
    (lookup,) = _oidc_lookups(result, github_oidc("777788889999"))
    assert lookup.failed
    assert "in account 777788889999: nothing creates it" in lookup.message


# ------------------------------------------------------------------ fixture worlds
FIXTURE_PROGRAM = '''
"""A fixture program: creates or reads objects as its stack config says."""
import dataclasses
import json

import pulumi
import pulumi_aws as aws
import pulumiverse_vercel as vercel

config = pulumi.Config()
on_aws = pulumi.ResourceOptions(provider=aws.Provider("aws", region="eu-west-1"))
on_vercel = pulumi.ResourceOptions(provider=vercel.Provider("vercel", team="acme"))
read_aws = pulumi.InvokeOptions(provider=on_aws.provider)
read_vercel = pulumi.InvokeOptions(provider=on_vercel.provider)
for name in config.get_object("createsProjects") or []:
    vercel.Project(name, name=name, opts=on_vercel)
for name in config.get_object("readsProjects") or []:
    pulumi.export(name, vercel.get_project_output(name=name, opts=read_vercel).id)
for name in config.get_object("createsParameters") or []:
    aws.ssm.Parameter(name.strip("/"), name=name, type="String",
                      value=f"written-by-{pulumi.get_stack()}", opts=on_aws)
for name in config.get_object("readsParameters") or []:
    pulumi.export(name, aws.ssm.get_parameter_output(name=name, opts=read_aws).value)
if config.get_bool("createsOidc"):
    aws.iam.OpenIdConnectProvider("oidc", url="https://token.actions.githubusercontent.com",
                                  client_id_lists=["sts.amazonaws.com"], opts=on_aws)
if config.get_bool("readsOidc"):
    aws.iam.get_open_id_connect_provider_output(
        url="https://token.actions.githubusercontent.com", opts=read_aws)
own = {name: aws.ecr.Repository(name.replace("/", "-"), name=name, opts=on_aws)
       for name in config.get_object("createsImageRepositories") or []}
publisher = config.get("publisherFor")
if publisher and own:
    role = aws.iam.Role("publisher", name="publisher", opts=on_aws, assume_role_policy=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action":
         "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "arn:aws:iam::1:oidc"},
         "Condition": {"StringEquals": {
             "token.actions.githubusercontent.com:sub": f"repo:{publisher}:environment:build"}}}]}))
    aws.iam.RolePolicy("publisher-push", role=role.id, opts=on_aws, policy=pulumi.Output.all(
        *[r.arn for r in own.values()]).apply(lambda arns: json.dumps({"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["ecr:PutImage"], "Resource": arns}]})))
urls = [r.repository_url for r in own.values()] if config.get_bool("runsOwnImages") else []
urls += [aws.ecr.get_repository_output(name=name, opts=read_aws).repository_url
         for name in config.get_object("runsImages") or []]
for index, url in enumerate(urls):
    containers = url.apply(lambda u: json.dumps([{"name": "app", "image": f"{u}:0f3c2a9"}]))
    aws.ecs.TaskDefinition(f"task-{index}", family=f"task-{index}", opts=on_aws,
                           container_definitions=containers)
'''


@pytest.fixture
def fixture_project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: fixture\nmain: prog/\nruntime: python\n")
    (tmp_path / "prog").mkdir()
    (tmp_path / "prog" / "__main__.py").write_text(textwrap.dedent(FIXTURE_PROGRAM))
    return tmp_path


def _stack(
    project: Path, label: str, promotes_from: str | None = None, **config: Any
) -> Deployment:
    values = {f"fixture:{k}": v for k, v in config.items()}
    (project / f"Pulumi.{label}.yaml").write_text(json.dumps({"config": values}))
    return Deployment(label, label, project, promotes_from=promotes_from)


def _fixture_bootstrap(project: Path, account: str = "123456789012") -> Deployment:
    (project / "Pulumi.bootstrap.yaml").write_text(
        json.dumps({"config": {"fixture:createsOidc": True}})
    )
    return Deployment("bootstrap", "bootstrap", project, account=account)


def test_a_stack_reading_what_a_later_stack_creates_fails(fixture_project: Path) -> None:
    first = _stack(fixture_project, "first", readsProjects=["web"])
    second = _stack(fixture_project, "second", "first", createsProjects=["web"])
    simulation = Simulation([second, first], _fixture_bootstrap(fixture_project))
    result = simulation.check("first")
    assert [f.message for f in result.failures] == [
        "first looks up Vercel project acme/web, which second creates; second deploys after first"
    ]
    assert result.failures[0].status == "too-late"
    assert simulation.check("second").failures == []


def test_the_same_read_after_the_creator_succeeds_and_gets_its_answer(
    fixture_project: Path,
) -> None:
    first = _stack(fixture_project, "first", createsParameters=["/shared/tag"])
    second = _stack(fixture_project, "second", "first", readsParameters=["/shared/tag"])
    simulation = Simulation([first, second], _fixture_bootstrap(fixture_project))
    result = simulation.check("second")
    assert result.failures == []
    (read,) = [r for r in result.resolutions if r.need.via == "aws:ssm/getParameter:getParameter"]
    assert (read.status, read.by) == ("created", "first")
    assert read.need.key == world.ObjectKey(
        "aws-ssm-parameter", "123456789012/eu-west-1", "/shared/tag"
    )
    assert simulation.run("second").inventory.outputs["/shared/tag"] == "written-by-first"


def test_siblings_and_the_stack_itself_are_not_in_time(fixture_project: Path) -> None:
    root = _stack(fixture_project, "root")
    # maker comes before reader in the order (alphabetically), but neither promotes from
    # the other: nothing makes maker's first up happen before reader's.
    maker = _stack(fixture_project, "maker", "root", createsProjects=["web"])
    reader = _stack(fixture_project, "reader", "root", readsProjects=["web"])
    solo = _stack(fixture_project, "solo", "root", createsProjects=["own"], readsProjects=["own"])
    simulation = Simulation([root, reader, maker, solo], _fixture_bootstrap(fixture_project))
    assert [d.label for d in simulation.order] == ["bootstrap", "root", "maker", "reader", "solo"]
    assert [f.message for f in simulation.check("reader").failures] == [
        "reader looks up Vercel project acme/web, which maker creates; maker is not deployed "
        "before reader (neither promotes from the other)"
    ]
    assert [f.message for f in simulation.check("solo").failures] == [
        "solo looks up Vercel project acme/own: solo itself creates it, and a lookup runs "
        "before solo's resources exist"
    ]


def test_the_oidc_provider_must_be_in_the_same_account(fixture_project: Path) -> None:
    stack = _stack(fixture_project, "stack", readsOidc=True)
    elsewhere = _fixture_bootstrap(fixture_project, account="210987654321")
    result = Simulation([stack], elsewhere).check("stack")
    assert [f.message for f in result.failures] == [
        "stack looks up IAM OIDC provider token.actions.githubusercontent.com in account "
        "123456789012: nothing creates it and it is not a prerequisite"
    ]
    same = Simulation([stack], _fixture_bootstrap(fixture_project)).check("stack")
    assert same.failures == []


def test_a_prerequisite_is_printed_with_its_command_and_does_not_fail(
    fixture_project: Path,
) -> None:
    stack = _stack(fixture_project, "stack", readsParameters=["/by/hand"])
    result = Simulation([stack], _fixture_bootstrap(fixture_project)).check("stack")
    assert result.failures == []
    (prerequisite,) = [p for p in result.prerequisites if p.key.kind == "aws-ssm-parameter"]
    assert prerequisite.commands == (
        "aws ssm put-parameter --region eu-west-1 --name /by/hand --type String --value <GIT_SHA>",
    )
    assert "$ aws ssm put-parameter --region eu-west-1 --name /by/hand" in result.render()


def test_a_prerequisite_that_a_later_stack_creates_is_too_late_not_a_prerequisite(
    fixture_project: Path,
) -> None:
    """Creating it by hand would make the later stack's create collide."""
    first = _stack(fixture_project, "first", readsParameters=["/shared/tag"])
    second = _stack(fixture_project, "second", "first", createsParameters=["/shared/tag"])
    result = Simulation([first, second], _fixture_bootstrap(fixture_project)).check("first")
    assert [f.status for f in result.failures] == ["too-late"]


def test_a_lookup_the_tables_do_not_cover_fails(
    fixture_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(world.LOOKUPS, "aws:ssm/getParameter:getParameter")
    stack = _stack(fixture_project, "stack", readsParameters=["/by/hand"])
    result = Simulation([stack], _fixture_bootstrap(fixture_project)).check("stack")
    (failure,) = result.failures
    assert failure.status == "no-rule"
    assert "aws:ssm/getParameter:getParameter" in failure.message


# ------------------------------------------------------------------ the first image
def _images_bootstrap(project: Path, publisher: str | None) -> Deployment:
    config: dict[str, Any] = {
        "fixture:createsOidc": True,
        "fixture:createsImageRepositories": ["acme/app"],
    }
    if publisher is not None:
        config["fixture:publisherFor"] = publisher
    (project / "Pulumi.bootstrap.yaml").write_text(json.dumps({"config": config}))
    return Deployment("bootstrap", "bootstrap", project)


def test_images_in_the_accounts_repositories_are_a_prerequisite_the_publisher_can_push(
    fixture_project: Path,
) -> None:
    stack = _stack(fixture_project, "stack", runsImages=["acme/app"])
    result = Simulation([stack], _images_bootstrap(fixture_project, "acme/web")).check("stack")
    assert result.failures == []
    (lookup,) = [
        r for r in result.resolutions if r.need.via == "aws:ecr/getRepository:getRepository"
    ]
    assert (lookup.status, lookup.by) == ("created", "bootstrap")
    (image,) = [p for p in result.prerequisites if p.key.kind == "aws-ecr-image"]
    assert image.key == world.ObjectKey(
        "aws-ecr-image", "123456789012/eu-west-1", "acme/app:0f3c2a9"
    )
    assert image.commands[-1] == "gh workflow run release.yml --repo acme/web --ref main"
    assert "through publisher, which jobs in its environment build assume" in image.note


def test_images_nobody_may_push_before_the_first_up_fail(fixture_project: Path) -> None:
    stack = _stack(fixture_project, "stack", runsImages=["acme/app"])
    result = Simulation([stack], _images_bootstrap(fixture_project, None)).check("stack")
    assert [f.message for f in result.failures] == [
        "stack names ECR image acme/app:0f3c2a9 in 123456789012/eu-west-1: nothing creates it "
        "and it is not a prerequisite"
    ]


def test_images_in_repositories_the_stack_itself_creates_fail(fixture_project: Path) -> None:
    """Today's design before issue 13: each stack's first up creates its own repositories,
    so its services have nothing to pull, and no identity could have pushed."""
    stack = _stack(
        fixture_project,
        "stack",
        createsImageRepositories=["stack/app"],
        runsOwnImages=True,
        publisherFor="acme/web",
    )
    result = Simulation([stack], _images_bootstrap(fixture_project, "acme/web")).check("stack")
    (failure,) = result.failures
    assert failure.need.key == world.ObjectKey(
        "aws-ecr-image", "123456789012/eu-west-1", "stack/app:0f3c2a9"
    )
    assert failure.status == "missing"


@pytest.mark.parametrize("stack", [*STACKS, PR_STACK])
def test_every_stacks_images_come_from_bootstraps_repositories_and_publisher(
    first_deploys: dict[str, FirstDeploy], stack: str
) -> None:
    result = first_deploys[stack]
    repositories = [
        r for r in result.resolutions if r.need.via == "aws:ecr/getRepository:getRepository"
    ]
    assert {r.need.key.name for r in repositories if r.need.key} == {
        "aevon/api",
        "aevon/web",
        "aevon/worker",
    }
    assert {(r.status, r.by) for r in repositories} == {("created", ACCOUNTS[stack][1])}
    images = [p for p in result.prerequisites if p.key.kind == "aws-ecr-image"]
    assert {p.key.name.split(":")[0] for p in images} == {"aevon/api", "aevon/web", "aevon/worker"}
    for image in images:
        assert image.commands == (
            'gh variable set AWS_PUBLISH_ROLE_ARN --repo aevon-os/aevon-platform --body "arn:aws:'
            'iam::<ACCOUNT_ID>:role/aevon-publish-aevon-platform"',
            "gh workflow run release.yml --repo aevon-os/aevon-platform --ref main",
        )


# ------------------------------------------------------------------ delivery order
def _d(label: str, promotes_from: str | None = None) -> Deployment:
    return Deployment(label, label, promotes_from=promotes_from)


def test_order_is_topological_with_bootstrap_first() -> None:
    ordered = delivery_order([_d("prod", "staging"), _d("staging", "dev"), _d("dev")])
    assert [d.label for d in ordered] == [
        "bootstrap/dev",
        "bootstrap/prod",
        "bootstrap/staging",
        "dev",
        "staging",
        "prod",
    ]
    assert all(d.bootstrap for d in ordered[:3])
    assert ancestors(ordered, "bootstrap/prod") == []


def test_promoting_from_an_unknown_stack_is_one_clear_error() -> None:
    with pytest.raises(
        DeliveryOrderError,
        match=re.escape(
            "stack 'staging': aevon:promotesFrom = 'dve' names no stack; stacks: dev, staging"
        ),
    ):
        delivery_order([_d("dev"), _d("staging", "dve")])


def test_a_cycle_is_one_clear_error() -> None:
    with pytest.raises(DeliveryOrderError) as caught:
        delivery_order([_d("dev", "prod"), _d("staging", "dev"), _d("prod", "staging")])
    assert str(caught.value) == (
        "stacks promote from each other in a cycle: dev -> staging -> prod -> dev (by their "
        "aevon:promotesFrom); the chain must start at a stack without promotesFrom"
    )


# ------------------------------------------------------------------ the command
def test_command_exit_codes_and_report(
    simulation: Simulation,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli, "Simulation", lambda _deployments: simulation)
    assert cli.main(["plan", "prod", "--first-deploy"]) == 0
    out = capsys.readouterr().out
    boots = " -> ".join(d.label for d in simulation.order if d.bootstrap)
    assert out.startswith(f"first deploy of prod: {boots} -> dev -> staging -> prod\n")
    for heading in ("BEFORE prod's first up", "PREREQUISITES", "LOOKUPS", "REFERENCES"):
        assert heading in out
    assert "$ gh api -X POST orgs/aevon-os/teams -f name=platform-leads -f privacy=closed" in out
    assert cli.main(["plan", "dev", "--first-deploy", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {
        "stack", "order", "before", "prerequisites", "lookups", "references", "failures"
    }  # fmt: skip
    assert document["failures"] == 0
    assert (
        "IAM OIDC provider token.actions.githubusercontent.com in account 111122223333"
        in document["before"][0]["creates"]
    )


def _project_copy(tmp_path: Path, changes: dict[str, tuple[str, str]]) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "infra").symlink_to(ROOT / "infra")
    for stack in STACKS:
        text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
        if stack in changes:
            old, new = changes[stack]
            assert old in text
            text = text.replace(old, new)
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("changes", "argv", "message"),
    [
        ({}, ["plan", "nosuch", "--first-deploy"], "unknown stack 'nosuch'"),
        ({}, ["plan", "--diff", "dev", "prod", "--first-deploy"], "--first-deploy takes one stack"),
        (
            {"staging": ("aevon:promotesFrom: dev", "aevon:promotesFrom: dve")},
            ["plan", "prod", "--first-deploy"],
            "stack 'staging': aevon:promotesFrom = 'dve' names no stack; "
            f"stacks: {', '.join(STACKS)}",
        ),
        (
            {
                "dev": (
                    "aws:region: us-east-1\n",
                    "aws:region: us-east-1\n  aevon:promotesFrom: prod\n",
                )
            },
            ["plan", "dev", "--first-deploy"],
            "stacks promote from each other in a cycle: ",
        ),
        (
            {"prod": ("aevon:promotesFrom: staging", "aevon:promotesFrom: prod")},
            ["plan", "dev", "--first-deploy"],
            "stack 'prod': invalid configuration (1 problem(s))\n"
            '  - aevon:promotesFrom = "prod": is the stack itself',
        ),
        (
            {"dev": ('  aws:allowedAccountIds: ["111122223333"]\n', "")},
            ["plan", "dev", "--first-deploy"],
            "stack 'dev': invalid configuration (1 problem(s))\n"
            "  - aws:allowedAccountIds: required key is missing",
        ),
        (
            # prod in dev's account: two owners of its CI roles (and protected next to dev)
            {"prod": ('["777788889999"]', '["111122223333"]')},
            ["plan", "prod", "--first-deploy"],
            "stacks claim the same shared object (exactly one may own it):\n"
            "  - aws-ci-read-only-roles:111122223333: stack 'dev' (aevon:ci.accountRoles), "
            "stack 'prod' (aevon:ci.accountRoles)",
        ),
        (
            {
                "prod": ('["777788889999"]', '["111122223333"]'),
                "dev": ("accountRoles: true", "accountRoles: false"),
            },
            ["plan", "prod", "--first-deploy"],
            "account 111122223333 (aws:allowedAccountIds) holds protected stack(s) prod and "
            "unprotected stack(s) dev (aevon:protectStatefulResources): a protected stack gets "
            "an account of its own",
        ),
    ],
)
def test_bad_input_is_one_message_and_exit_code_2(
    changes: dict[str, tuple[str, str]],
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli, "ROOT", _project_copy(tmp_path, changes))
    monkeypatch.setattr(cli, "Simulation", _no_runs)
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def _no_runs(deployments: list[Deployment]) -> Simulation:
    """Order the deployments (bad input fails here) but run no program."""
    delivery_order(deployments)
    raise AssertionError("bad input must stop before any program runs")


def test_issue15_prerequisites_name_what_slack_the_pager_and_billing_need(
    first_deploys: dict[str, FirstDeploy],
) -> None:
    """The Slack workspace, the cost allocation tags, and each value an operator sets (a
    Slack channel id, prod's pager URL, a DSN) are prerequisites with their commands."""
    prod = {p.key.describe(): p for p in first_deploys["prod"].prerequisites}
    account = ACCOUNTS["prod"][0]
    assert f"Slack workspace aevon authorized in AWS Chatbot (account {account})" in prod
    tags = prod[f"cost allocation tags Project, Environment active in account {account}"]
    assert tags.commands == (
        "aws ce update-cost-allocation-tags-status --cost-allocation-tags-status "
        "TagKey=Project,Status=Active TagKey=Environment,Status=Active",
    )
    pager = prod["stack config aevon:pagerUrls.pagerduty of stack prod"]
    assert pager.commands == (
        "pulumi config set --secret --stack prod --path 'aevon:pagerUrls.pagerduty' "
        "<INTEGRATION_URL>",
    )
    assert "stack config aevon:errorTrackingDsn of stack prod" in prod
    assert f"SSM parameter /aevon-prod/release/migration-tag in {account}/us-east-1" in prod
    dev = {p.key.describe() for p in first_deploys["dev"].prerequisites}
    assert not any("pagerUrls" in d for d in dev), "dev pages nobody"
    # A per-PR stack copies dev's config (`pulumi config cp`): dev's values, no new ones.
    pr = {p.key.describe() for p in first_deploys[PR_STACK].prerequisites}
    assert {d for d in pr if d.startswith("stack config")} == {
        d for d in dev if d.startswith("stack config")
    }


def test_staging_and_prod_get_their_images_only_by_replication_from_devs_registry() -> None:
    """The publisher pushes into dev's account; without dev's bootstrap replicating the
    pushes, staging's and prod's task definitions name images nothing puts there."""
    boots = [
        dataclasses.replace(b, overrides={"aevon-bootstrap:imageReplicaAccounts": []})
        if b.label == "bootstrap/dev"
        else b
        for b in bootstrap_deployments()
    ]
    result = Simulation(stack_deployments(), boots).check("staging")
    missing = {f.need.key.name.split(":")[0] for f in result.failures if f.need.key}
    assert missing == {"aevon/api", "aevon/web", "aevon/worker"}, result.render()
