"""Issue 11's failing inputs, as the right values on every real stack.

Each test states what a real provider or cloud needs and fails on the program as
it was before the fix (the preflight rule of the same kind is in `offline/preflight`).
"""

from __future__ import annotations

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
