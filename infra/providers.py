"""Explicit providers, created once at the root and passed down.

`Pulumi.yaml` disables default providers, so every resource names one of these.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pulumi_github as github
import pulumi_random as random
import pulumiverse_vercel as vercel

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


def gcp_provider(cfg: StackConfig) -> gcp.Provider | None:
    """The Google Cloud provider for the stack's project, or None where GCP is off."""
    if not cfg.gcp.enabled:
        return None
    return gcp.Provider(
        "gcp",
        project=cfg.gcp.project_id,
        region=cfg.gcp.region,
        default_labels={
            "project": cfg.project,
            "environment": cfg.stack,
            "managed-by": naming.MANAGED_BY,
        },
    )


def github_provider(cfg: StackConfig) -> github.Provider:
    """GitHub, for the repository's environments and rulesets.

    The token comes from the environment (GITHUB_TOKEN: a GitHub App token with
    administration rights on the repository), never from code or config.
    """
    return github.Provider("github", owner=cfg.github.owner)


def vercel_provider(cfg: StackConfig) -> vercel.Provider:
    """Vercel, for the frontend project (token from VERCEL_API_TOKEN in the environment)."""
    return vercel.Provider("vercel", team=cfg.vercel.team)
