"""The image contract: the IaC owns the task definitions, CI owns the image tag.

The deploy workflow pushes images tagged with the git SHA, writes that SHA to the
stack's SSM parameter `/<project>-<stack>/release/image-tag`, then runs `pulumi up`.
The program reads the parameter, so any later `pulumi up` (an infrastructure-only
change, a drift fix) deploys the same images and never reverts a release. A stack
may instead pin the tag in its stack file (`compute.imageTagSource: config`), as
per-PR stacks do.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.config import ComputeConfig, ImageTagSource


def parameter_name() -> str:
    return f"/{naming.prefix()}/release/image-tag"


def image_tag(compute: ComputeConfig, opts: pulumi.InvokeOptions) -> pulumi.Input[str]:
    """The git SHA the services run, from the stack file or the release parameter."""
    if compute.image_tag_source is ImageTagSource.CONFIG and compute.image_tag is not None:
        return compute.image_tag
    parameter = aws.ssm.get_parameter_output(name=parameter_name(), opts=opts)
    # A git SHA is not a secret, and reviewers must see image changes in previews.
    # pulumi-aws 7 marks `value` secret always; `insecure_value` is the same text, but
    # the Python SDK makes a whole invoke result secret when any property is
    # (pulumi/pulumi#15583), so it is unmarked explicitly.
    return pulumi.Output.unsecret(parameter.insecure_value)
