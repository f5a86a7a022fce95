"""Physical names and tags: the one place that decides them.

Logical (URN) names stay the same in every stack (`network-vpc`) so stacks can be
compared resource by resource. Physical names and the `Name` tag carry the
project and stack (`aevon-dev-network-vpc`) so two stacks can share one account.
Project, environment and managed-by tags reach every taggable AWS resource
through the provider's `default_tags` (see `infra.providers`).
"""

from __future__ import annotations

import pulumi

MANAGED_BY = "pulumi"


def prefix() -> str:
    """`<project>-<stack>`, the start of every physical name."""
    return f"{pulumi.get_project()}-{pulumi.get_stack()}"


def physical_name(logical: str, max_length: int = 64) -> str:
    """The physical name for a child whose logical name is `logical`.

    AWS names have per-service length limits; the name is cut to `max_length`
    without a trailing '-'.
    """
    name = f"{prefix()}-{logical}"
    return name[:max_length].rstrip("-")


def name_tag(logical: str) -> dict[str, str]:
    """The per-resource `Name` tag (the console's display name)."""
    return {"Name": physical_name(logical, max_length=255)}


PROTECTION_TAG = "Protection"


def identity_tags() -> dict[str, str]:
    """Project, Environment and ManagedBy: which stack a resource belongs to.

    Part of `default_tags`; written out where the provider's default tags do not reach
    (what an Auto Scaling group launches from its launch template).
    """
    return {
        "Project": pulumi.get_project(),
        "Environment": pulumi.get_stack(),
        "ManagedBy": MANAGED_BY,
    }


def default_tags(owner: str, cost_center: str, protected: bool) -> dict[str, str]:
    """Tags every taggable AWS resource carries, applied once by the provider.

    `Protection` mirrors the stack's `protectStatefulResources`: backup selections
    and the policy pack's production rules key on it, never on the stack's name.
    """
    return {
        **identity_tags(),
        "Owner": owner,
        "CostCenter": cost_center,
        PROTECTION_TAG: "protected" if protected else "standard",
    }


# The account's image repositories are shared by every stack in it (bootstrap/ creates
# them), so their names carry the project but no stack.
IMAGE_NAMESPACE = "aevon"


def image_repository(image: str) -> str:
    """The ECR repository of one image in the account: `aevon/<image>`."""
    return f"{IMAGE_NAMESPACE}/{image}"
