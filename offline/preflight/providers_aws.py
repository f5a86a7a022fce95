"""AWS provider rules the AWS resource schemas don't carry: validations that
terraform-provider-aws (which pulumi-aws wraps) applies in its CustomizeDiff
functions, and what the Pulumi engine does with the values on their way."""

from __future__ import annotations

import json
from collections.abc import Iterable

from offline.engine import Inventory, Registration
from offline.preflight import Check
from offline.preflight.table import per_resource, whole_inventory

ECS_SERVICE = "aws:ecs/service:Service"
ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_CLUSTER_CAPACITY_PROVIDERS = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"


def _strategy_needs_force_new_deployment(r: Registration) -> Iterable[str]:
    if r.input("capacityProviderStrategies") and r.input("forceNewDeployment") is not True:
        yield (
            f"service {r.input('name')!r} sets capacityProviderStrategies without "
            "forceNewDeployment: true; once it exists, any change of the strategy (weights, "
            "base) fails the preview with 'force_new_deployment should be true when "
            "capacity_provider_strategy is being updated'"
        )


def _images_visible(r: Registration) -> Iterable[str]:
    if r.is_secret_input("containerDefinitions"):
        yield (
            f"task definition {r.input('family')!r} has secret containerDefinitions: every "
            "preview shows them as [secret], so reviewers never see an image change; build "
            "them from values that are not secret (the release parameter's insecure_value)"
        )


def _services_name_a_strategy(inventory: Inventory) -> Iterable[tuple[str, str]]:
    """A service that names neither a launch type nor a strategy in a cluster with a
    default strategy gets the cluster's strategy copied in by ECS: a perpetual diff."""
    defaults = any(
        r.input("defaultCapacityProviderStrategies")
        for r in inventory.of_type(ECS_CLUSTER_CAPACITY_PROVIDERS)
    )
    if not defaults:
        return
    for r in inventory.of_type(ECS_SERVICE):
        if not r.input("launchType") and not r.input("capacityProviderStrategies"):
            yield (
                r.urn,
                f"service {r.input('name')!r} names neither launchType nor "
                "capacityProviderStrategies; ECS copies the cluster's default strategy into "
                "it and every later preview tries to remove it",
            )


def container_images(r: Registration) -> list[str]:
    """The images of a task definition's containers (its containerDefinitions JSON)."""
    raw = r.input("containerDefinitions")
    definitions = json.loads(raw) if isinstance(raw, str) else (raw or [])
    return [str(c.get("image", "")) for c in definitions]


CHECKS: list[Check] = [
    per_resource(
        "aws-ecs-strategy-needs-force-new-deployment",
        "ECS services with a capacity provider strategy set force_new_deployment",
        "hashicorp/terraform-provider-aws internal/service/ecs/service.go "
        "(capacityProviderStrategyCustomizeDiff); hashicorp/terraform-provider-aws#11351, "
        "PR #43533",
        types=(ECS_SERVICE,),
        check=_strategy_needs_force_new_deployment,
    ),
    per_resource(
        "aws-ecs-images-not-secret",
        "container definitions (and so image references) are not secret",
        "pulumi-aws 7 aws.ssm.getParameter docs ('value ... always marked as sensitive'; "
        "use insecureValue); an invoke result with one secret property is secret as a "
        "whole in the Python SDK (pulumi/pulumi#15583, pulumi/pulumi-yaml#636)",
        types=(ECS_TASK_DEFINITION,),
        check=_images_visible,
    ),
    whole_inventory(
        "aws-ecs-service-names-its-capacity",
        "every ECS service names a launch type or a strategy where the cluster has a default",
        "hashicorp/terraform-provider-aws#11351 (capacity_provider_strategy drift from the "
        "cluster's default strategy); AWS ECS CreateService: 'If a capacityProviderStrategy "
        "is specified ... the defaultCapacityProviderStrategy for the cluster is used'",
        check=_services_name_a_strategy,
    ),
]
