"""Explicit providers, created once at the root and passed down.

`Pulumi.yaml` disables default providers, so every resource names one of these.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from infra import naming
from infra.config import StackConfig


def aws_provider(cfg: StackConfig) -> aws.Provider:
    """The AWS provider for the stack's region, tagging everything it creates."""
    return aws.Provider(
        "aws",
        aws.ProviderArgs(
            region=cfg.aws_region,
            default_tags=aws.ProviderDefaultTagsArgs(
                tags=naming.default_tags(
                    cfg.tags.owner, cfg.tags.cost_center, cfg.protect_stateful_resources
                ),
            ),
        ),
        opts=pulumi.ResourceOptions(),
    )


def random_provider() -> random.Provider:
    """pulumi-random, for generated secrets (the cache AUTH token)."""
    return random.Provider("random")
