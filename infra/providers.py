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
    """The AWS provider for the stack's region and its one account, tagging everything it creates.

    `allowed_account_ids` (`aws:allowedAccountIds`): the provider checks the account of
    the credentials it is given and refuses any other before it reads or changes
    anything, so prod run with dev's credentials stops instead of building prod in
    dev's account (Terraform AWS provider, "allowed_account_ids").
    """
    return aws.Provider(
        "aws",
        aws.ProviderArgs(
            region=cfg.aws_region,
            allowed_account_ids=cfg.aws_allowed_account_ids,
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


def github_provider(cfg: StackConfig) -> github.Provider | None:
    """GitHub, for the repository's environments and rulesets; None where config
    leaves GitHub alone (`github.manage: false`, per-PR stacks).

    The token comes from the environment (GITHUB_TOKEN), never from code or config:
    an installation token of the infra GitHub App, minted in the deploy job
    (actions/create-github-app-token) and valid for one hour; previews and drift
    mint one from a read-only App. An App private key in stack config would be
    readable by every preview, which can decrypt config secrets.
    """
    if not cfg.github.manage:
        return None
    return github.Provider("github", owner=cfg.github.owner)


def vercel_provider(cfg: StackConfig) -> vercel.Provider | None:
    """Vercel, for the frontend project (token from VERCEL_API_TOKEN in the environment);
    None where config leaves Vercel alone (the provider refuses to configure without a
    token, and per-PR jobs get none)."""
    if not cfg.vercel.manage:
        return None
    return vercel.Provider("vercel", team=cfg.vercel.team)
