"""The account's image repositories, looked up: images are built once, not per stack.

Each image lives in one ECR repository per AWS account, `aevon/<image>` (immutable
tags, scanned on push), created by `bootstrap/` (`bootstrap/image_registry.py`)
together with the publisher role the building repository's CI pushes with. Every
stack in the account runs the same images: a release to a stack is the image's git
SHA written to that stack's release parameter plus a gated `pulumi up`
(`infra.aws.release`). So a stack's first `up` finds its images already pushed: the
repositories exist before any stack, and so can the images in them.

A repository that bootstrap has not created fails the lookup; offline, the
first-deploy check reports it (`offline/world.py`, kind `aws-ecr-repository`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming


@dataclass(frozen=True)
class ImageRepositories:
    """image name -> the account repository's URL and ARN, and the registry host."""

    urls: dict[str, pulumi.Output[str]]
    arns: dict[str, pulumi.Output[str]]
    registry: pulumi.Output[str]


def look_up(images: Iterable[str], opts: pulumi.InvokeOptions) -> ImageRepositories:
    """The account repositories of `images` (`aevon/<image>`), each read once.

    Raises ValueError for an empty list (the registry host comes from a repository).
    """
    urls: dict[str, pulumi.Output[str]] = {}
    arns: dict[str, pulumi.Output[str]] = {}
    for image in sorted(set(images)):
        found = aws.ecr.get_repository_output(name=naming.image_repository(image), opts=opts)
        urls[image] = found.repository_url
        arns[image] = found.arn
    if not urls:
        raise ValueError("images.look_up: no images to look up")
    registry = next(iter(urls.values())).apply(lambda url: url.split("/", 1)[0])
    return ImageRepositories(urls, arns, registry)
