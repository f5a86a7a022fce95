"""`AccessLogBucket`: the S3 bucket the public load balancer writes its access logs to.

- Encrypted with S3-managed keys (SSE-S3): the only server-side encryption Elastic
  Load Balancing writes access logs with ("Enable access logs for your Application
  Load Balancer", bucket requirements).
- Private: every public-access block on, ACLs off (bucket owner enforced), and a
  policy that refuses plain HTTP and lets only the Elastic Load Balancing account
  of the region write, and only under `AWSLogs/<account>/` (the same page, step 2:
  regions available before August 2022 name that account; the provider's
  `aws_elb_service_account` data source holds the table).
- Lifecycle-managed: objects expire after `expireDays`; versioning is on, so a log
  deleted by hand stays a noncurrent version for a day, and unfinished uploads are
  cleaned after a day.

The bucket name the load balancer gets resolves only once the policy and the
encryption exist: AWS checks that it may write when access logging is turned on.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws import buckets
from infra.aws.policy_documents import deny_insecure_transport
from infra.config import AccessLogsConfig

NONCURRENT_DAYS = 1


@dataclass(frozen=True, kw_only=True)
class AccessLogBucketArgs:
    """What the `AccessLogBucket` is built from: the `security.accessLogs` section.

    - `settings`: `expire_days` (1-3650 days a log object is kept).
    - `protect`: Pulumi `protect` on the bucket (from config); an unprotected bucket
      is emptied on delete (`force_destroy`), so a dev or per-PR stack can be
      destroyed with its logs.
    """

    settings: AccessLogsConfig
    protect: bool = False


class AccessLogBucket(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: AccessLogBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:edge:AccessLogBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        # The Elastic Load Balancing account of the provider's region (a table in the
        # provider; no API call).
        elb_account_arn = aws.elb.get_service_account_output(opts=invoke).arn

        bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket=pulumi.Output.format("{0}-{1}", naming.physical_name(name, 50), account),
            force_destroy=not args.protect,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        controls = buckets.private_controls(name, bucket.id, child)
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=args.settings.expire_days
                    ),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=NONCURRENT_DAYS
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=1
                    ),
                )
            ],
            # The provider asks for versioning first on a versioned bucket (its
            # aws_s3_bucket_lifecycle_configuration page), so the rules see the versions.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[controls.versioning]),
        )
        policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        deny_insecure_transport(
                            "s3:*", [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")]
                        ),
                        {
                            "Sid": "ElasticLoadBalancingWritesAccessLogs",
                            "Effect": "Allow",
                            "Principal": {"AWS": elb_account_arn},
                            "Action": "s3:PutObject",
                            "Resource": pulumi.Output.format(
                                "{0}/AWSLogs/{1}/*", bucket.arn, account
                            ),
                        },
                    ],
                }
            ),
            # Two bucket-level writes at once fail with OperationAborted ("a conflicting
            # conditional operation is in progress"): the policy waits for the block.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[controls.public_access]),
        )

        # Handed out once the load balancer may write (policy) and ACLs are off.
        self.bucket_name = pulumi.Output.all(
            bucket.bucket, policy.id, encryption.id, controls.ownership.id
        ).apply(lambda v: str(v[0]))
        self.bucket_arn = bucket.arn
        self.register_outputs({"bucketName": self.bucket_name, "bucketArn": self.bucket_arn})
