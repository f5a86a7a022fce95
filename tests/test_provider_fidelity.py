"""Issue 11's failing inputs, as the right values on every real stack.

Each test states what a real provider or cloud needs and fails on the program as
it was before the fix (the preflight rule of the same kind is in `offline/preflight`).
"""

from __future__ import annotations

import pytest

from offline.engine import Inventory
from offline.preflight.providers_aws import container_images

ECS_SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"


def test_services_with_a_strategy_force_a_new_deployment(inventory: Inventory) -> None:
    # Issue 11 item 5: terraform-provider-aws refuses a strategy change otherwise.
    services = inventory.of_type(ECS_SERVICE)
    assert services
    for service in services:
        assert service.input("capacityProviderStrategies"), service.urn
        assert service.input("forceNewDeployment") is True, service.urn


def test_reviewers_see_image_references(inventory: Inventory) -> None:
    # Issue 11 item 6: the release parameter is read as plain text, so a preview shows
    # the image of every task definition, not [secret].
    tasks = inventory.of_type(TASK)
    assert tasks
    for task in tasks:
        assert not task.is_secret_input("containerDefinitions"), task.urn
        for image in container_images(task):
            assert image.endswith(":0f3c2a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a"), (task.urn, image)


def _gcp(inventory: Inventory) -> bool:
    return bool(inventory.of_type("gcp:container/cluster:Cluster"))


def test_every_gcp_api_is_enabled_and_waited_for(inventory: Inventory) -> None:
    # Issue 11 item 2: a new project refuses every call to an API that is off.
    from offline.preflight.providers_gcp import api_of
    from offline.preflight.table import waits_for

    services = {s.input("service"): s for s in inventory.of_type("gcp:projects/service:Service")}
    if not _gcp(inventory):
        assert not services, "no GCP in this stack: no APIs to enable"
        return
    assert set(services) == {
        "cloudresourcemanager.googleapis.com",
        "compute.googleapis.com",
        "container.googleapis.com",
        "artifactregistry.googleapis.com",
        "cloudkms.googleapis.com",
        "binaryauthorization.googleapis.com",
        "iam.googleapis.com",
        "iamcredentials.googleapis.com",
        "sts.googleapis.com",
    }
    for service in services.values():
        assert service.input("disableOnDestroy") is False, service.urn
    before = waits_for(inventory)
    gcp_resources = [r for r in inventory.custom() if api_of(r.type)]
    assert gcp_resources
    for r in gcp_resources:
        assert services[api_of(r.type)].urn in before(r), f"{r.urn} does not wait for its API"


def test_ci_reaches_the_gke_control_plane(inventory: Inventory) -> None:
    # Issue 11 item 8: the deploy account rolls workloads from GitHub's runners.
    if not _gcp(inventory):
        return
    cluster = inventory.one("gcp:container/cluster:Cluster")
    dns = cluster.input("controlPlaneEndpointsConfig")["dnsEndpointConfig"]
    assert dns["allowExternalTraffic"] is True
    deploy_roles = {
        m.input("role")
        for m in inventory.of_type("gcp:projects/iAMMember:IAMMember")
        if m.name.startswith("gcp-ci-deploy-")
    }
    assert "roles/container.developer" in deploy_roles  # holds container.clusters.connect
    variables = {
        v.input("variableName"): v.input("value")
        for v in inventory.of_type(
            "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
        )
    }
    assert variables["GKE_CLUSTER"] == cluster.input("name")
    assert variables["GKE_LOCATION"] == cluster.input("location")


# ------------------------------------------------------------------------- Vercel
PROJECT = "vercel:index/project:Project"
GET_PROJECT = "vercel:index/getProject:getProject"
VARIABLE = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"


@pytest.mark.all_stacks
def test_the_first_deployed_stack_owns_the_vercel_project(
    inventories: dict[str, Inventory],
) -> None:
    # Issue 11 item 3: dev deploys first (main -> dev), so no stack reads a project that a
    # later stack creates.
    from offline.delivery import stacks_in_delivery_order
    from offline.engine import stack_file

    first, *later = stacks_in_delivery_order()
    assert first == "dev"
    (project,) = inventories[first].of_type(PROJECT)
    assert project.protect is True, "the other stacks read it"
    assert project.input("oidcTokenConfig") == {"issuerMode": "team"}
    assert not [t for t, _ in inventories[first].invokes if t == GET_PROJECT]
    for stack in later:
        # A stack that leaves Vercel alone (vercel.manage: false) neither owns nor reads it.
        manages = stack_file(stack)["config"]["aevon:vercel"].get("manage", True)
        assert inventories[stack].of_type(PROJECT) == [], stack
        assert [a["name"] for t, a in inventories[stack].invokes if t == GET_PROJECT] == (
            [project.input("name")] if manages else []
        ), stack


def _with_vercel(stack: str, **changes: object) -> dict[str, object]:
    """The stack's raw config with its `aevon:vercel` section changed."""
    from offline.engine import stack_config, stack_file

    raw: dict[str, object] = dict(stack_config(stack)[0])
    raw["aevon:vercel"] = {**stack_file(stack)["config"]["aevon:vercel"], **changes}
    return raw


def test_a_stack_reading_a_project_a_later_stack_creates_is_refused() -> None:
    import pytest

    from infra.config import ConfigError, parse
    from offline.engine import STACKS, stack_config
    from offline.ownership import check_single_ownership

    configs = {s: parse("aevon", s, stack_config(s)[0]) for s in STACKS}
    configs["dev"] = parse(
        "aevon", "dev", _with_vercel("dev", ownsProject=False, gitRepository=None)
    )
    configs["prod"] = parse(
        "aevon", "prod", _with_vercel("prod", ownsProject=True, gitRepository="aevon-os/aevon-web")
    )
    with pytest.raises(
        ConfigError,
        match=r"stack 'dev' \(aevon:vercel.projectName\) looks up vercel-project:aevon/aevon-web, "
        r"which stack 'prod' creates",
    ):
        check_single_ownership(configs)


def test_only_a_stack_on_the_promotes_from_chain_counts_as_deployed_before() -> None:
    # prod promoting from dev has no order relative to staging: a project staging owns
    # may not exist at prod's first `up`, though staging comes first in STACKS.
    import pytest

    from infra.config import ConfigError, parse
    from offline.engine import STACKS, stack_config
    from offline.ownership import check_single_ownership

    configs = {s: parse("aevon", s, stack_config(s)[0]) for s in STACKS}
    configs["dev"] = parse("aevon", "dev", _with_vercel("dev", manage=False))
    configs["staging"] = parse(
        "aevon",
        "staging",
        _with_vercel("staging", ownsProject=True, gitRepository="aevon-os/aevon-web"),
    )
    configs["prod"] = parse(
        "aevon", "prod", {**stack_config("prod")[0], "aevon:promotesFrom": "dev"}
    )
    check_single_ownership({**configs, "prod": parse("aevon", "prod", stack_config("prod")[0])})
    with pytest.raises(
        ConfigError,
        match=r"stack 'prod' \(aevon:vercel.projectName\) looks up vercel-project:aevon/aevon-web, "
        r"which stack 'staging' creates, not a stack deployed before it \(stacks before 'prod' "
        r"by aevon:promotesFrom: dev\)",
    ):
        check_single_ownership(configs)


def test_vercel_can_sign_its_calls_to_the_ingestion_api(inventory: Inventory) -> None:
    # Issue 11 item 9: the route is IAM-authorized; Vercel's OIDC token for exactly this
    # stack's target assumes a role that may invoke only that route.
    import json

    from offline.engine import stack_file

    if not stack_file(inventory.stack)["config"]["aevon:vercel"].get("manage", True):
        # A stack that leaves Vercel alone has no target, no variables and no caller role.
        assert inventory.of_type(VARIABLE) == []
        assert [r for r in inventory.registrations if r.name.startswith("vercel-ingest")] == []
        return
    variables = {v.input("key"): v for v in inventory.of_type(VARIABLE)}
    (target,) = variables["INGESTION_URL"].input("targets")
    role = inventory.by_name("vercel-ingest-role")
    assert variables["AWS_ROLE_ARN"].input("value") == role.outputs["arn"]
    assert variables["AWS_REGION"].input("value") == "us-east-1"
    (trust,) = json.loads(role.input("assumeRolePolicy"))["Statement"]
    assert trust["Principal"]["Federated"].endswith(":oidc-provider/oidc.vercel.com/aevon")
    assert trust["Condition"] == {
        "StringEquals": {
            "oidc.vercel.com/aevon:aud": "https://vercel.com/aevon",
            "oidc.vercel.com/aevon:sub": f"owner:aevon:project:aevon-web:environment:{target}",
        }
    }
    (grant,) = json.loads(inventory.by_name("vercel-ingest-invoke").input("policy"))["Statement"]
    api = inventory.one("aws:apigatewayv2/api:Api")
    assert grant["Action"] == ["execute-api:Invoke"]
    assert grant["Resource"] == [f"{api.outputs['executionArn']}/*/POST/ingest"]


def test_a_vercel_domain_in_the_stacks_zone_gets_its_record(inventory: Inventory) -> None:
    # Issue 11 item 10: prod's www.aevon.dev lies in the aevon.dev zone prod manages.
    domains = [
        d.input("domain") for d in inventory.of_type("vercel:index/projectDomain:ProjectDomain")
    ]
    records = {
        r.input("name"): r
        for r in inventory.of_type("aws:route53/record:Record")
        if r.name.startswith("frontend-dns")
    }
    assert list(records) == domains
    for domain in domains:
        assert records[domain].input("type") == "CNAME"
        assert records[domain].input("records") == ["cname.vercel-dns.com"]
    assert (inventory.stack == "prod") is bool(domains)
