"""`ContainerRegistry`: one ECR repository per image the platform builds.

Tags are immutable (a git SHA or release tag always means the same image), every
push is scanned, images are KMS-encrypted, and a lifecycle policy expires
untagged images and keeps the last N release tags (`v*`, `rc-*`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.config import RegistryConfig

RELEASE_TAG_PATTERNS = ("v*", "rc-*")


@dataclass(frozen=True, kw_only=True)
class ContainerRegistryArgs:
    """What the `ContainerRegistry` is built from: the `registry` section plus its wiring.

    - `settings`: `repositories` (1-20 image names, lowercase, unique; the
      blueprint's images among them), `untagged_expiry_days` (1-365 days) and
      `keep_release_tags` (1-1000 release-tagged images kept).
    - `kms_key_arn`: the stack's key, or None for ECR's AWS-managed KMS key.
    - `protect`: Pulumi `protect` on each repository; a protected repository is
      also never force-deleted with its images.
    """

    settings: RegistryConfig
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False


def lifecycle_policy(untagged_expiry_days: int, keep_release_tags: int) -> str:
    """The ECR lifecycle policy document (pure, so tests read it directly)."""
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"expire untagged images after {untagged_expiry_days} days",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": untagged_expiry_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"keep the last {keep_release_tags} release-tagged images",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": list(RELEASE_TAG_PATTERNS),
                        "countType": "imageCountMoreThan",
                        "countNumber": keep_release_tags,
                    },
                    "action": {"type": "expire"},
                },
            ]
        }
    )


class ContainerRegistry(pulumi.ComponentResource):
    repository_urls: dict[str, pulumi.Output[str]]
    repository_arns: dict[str, pulumi.Output[str]]
    registry: pulumi.Output[str]

    def __init__(
        self, name: str, args: ContainerRegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:delivery:ContainerRegistry", name, None, opts)
        settings = args.settings
        policy = lifecycle_policy(settings.untagged_expiry_days, settings.keep_release_tags)
        self.repository_urls, self.repository_arns = {}, {}
        for repo in settings.repositories:
            repository = aws.ecr.Repository(
                f"{name}-{repo}",
                name=f"{naming.prefix()}/{repo}",
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                    scan_on_push=True
                ),
                encryption_configurations=[
                    aws.ecr.RepositoryEncryptionConfigurationArgs(
                        encryption_type="KMS", kms_key=args.kms_key_arn
                    )
                ],
                # A protected registry keeps its images; elsewhere a destroy empties it.
                force_delete=not args.protect,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            aws.ecr.LifecyclePolicy(
                f"{name}-{repo}-lifecycle",
                repository=repository.name,
                policy=policy,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.repository_urls[repo] = repository.repository_url
            self.repository_arns[repo] = repository.arn
        first = next(iter(self.repository_urls.values()))
        self.registry = first.apply(lambda url: url.split("/", 1)[0])
        self.register_outputs({"repositoryUrls": self.repository_urls, "registry": self.registry})
