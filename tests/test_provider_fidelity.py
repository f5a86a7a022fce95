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
