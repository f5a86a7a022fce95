"""The controls every S3 bucket of this project shares, whatever it holds.

`private_controls` registers, as children of the bucket's component:

- object ownership `BucketOwnerEnforced`: ACLs are off, the bucket owner owns every
  object (S3 User Guide, "Controlling ownership of objects and disabling ACLs");
- all four public-access blocks on (S3 User Guide, "Blocking public access to your
  Amazon S3 storage"; Checkov CKV_AWS_53/54/55/56);
- versioning enabled (Checkov CKV_AWS_21): an overwritten or deleted object stays
  recoverable until its bucket's lifecycle expires the old version.

Encryption, lifecycle and the bucket policy differ per bucket and stay with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class PrivateControls:
    """The registered controls, for what must wait on one of them (a policy waits for the
    public-access block; a lifecycle configuration for versioning)."""

    ownership: aws.s3.BucketOwnershipControls
    public_access: aws.s3.BucketPublicAccessBlock
    versioning: aws.s3.BucketVersioning


def private_controls(
    name: str, bucket: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> PrivateControls:
    """Ownership enforced, public access blocked and versioning on for `bucket` (its id),
    named `<name>-ownership`, `<name>-public-access-block`, `<name>-versioning`."""
    ownership = aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=opts,
    )
    public_access = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access-block",
        bucket=bucket,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    versioning = aws.s3.BucketVersioning(
        f"{name}-versioning",
        bucket=bucket,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
            status="Enabled"
        ),
        opts=opts,
    )
    return PrivateControls(ownership, public_access, versioning)
