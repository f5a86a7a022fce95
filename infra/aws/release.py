"""The image contract: the IaC owns the task definitions, CI owns the image tags.

The deploy workflow pushes images tagged with the git SHA and releases them in two
steps, each followed by `pulumi up` (`scripts/release.py`):

1. it writes the SHA to `/<project>-<stack>/release/migration-tag`: the migration task
   definition (`infra.aws.migrations`) now runs the release's `api` image, the services
   still run the serving tag; it runs the migration and stops the release if it fails;
2. it writes the SHA to `/<project>-<stack>/release/image-tag`: the services roll.

The program reads both parameters, so any later `pulumi up` (an infrastructure-only
change, a drift fix) deploys the same images and never reverts a release. A stack may
instead pin one tag for both in its stack file (`compute.imageTagSource: config`), as
per-PR stacks do.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.config import ComputeConfig, ImageTagSource


def parameter_name() -> str:
    """The serving tag: the images every service runs."""
    return f"/{naming.prefix()}/release/image-tag"


def migration_parameter_name() -> str:
    """The tag whose `api` image the migration task definition runs."""
    return f"/{naming.prefix()}/release/migration-tag"


def image_tag(compute: ComputeConfig, opts: pulumi.InvokeOptions) -> pulumi.Input[str]:
    """The git SHA the services run, from the stack file or the release parameter."""
    return _tag(compute, parameter_name(), opts)


def migration_image_tag(compute: ComputeConfig, opts: pulumi.InvokeOptions) -> pulumi.Input[str]:
    """The git SHA the migration task runs, from the stack file or its release parameter."""
    return _tag(compute, migration_parameter_name(), opts)


def _tag(compute: ComputeConfig, name: str, opts: pulumi.InvokeOptions) -> pulumi.Input[str]:
    if compute.image_tag_source is ImageTagSource.CONFIG and compute.image_tag is not None:
        return compute.image_tag
    parameter = aws.ssm.get_parameter_output(name=name, opts=opts)
    # A git SHA is not a secret, and reviewers must see image changes in previews.
    # pulumi-aws 7 marks `value` secret always; `insecure_value` is the same text, but
    # the Python SDK makes a whole invoke result secret when any property is
    # (pulumi/pulumi#15583), so it is unmarked explicitly.
    return pulumi.Output.unsecret(parameter.insecure_value)
