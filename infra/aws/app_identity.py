"""`ApplicationIdentity`: keyless AWS access for an application repository's releases.

One role per repository that builds images (kind services) and per stack, which its
jobs in this stack's GitHub environment assume. Its trust policy pins
`token.actions.githubusercontent.com:aud` to `sts.amazonaws.com` and `:sub` to exactly
`repo:<owner>/<repository>:environment:<environment>` (StringEquals, no wildcard).

It only reads: images are pushed once per git SHA by the account's publisher role
(`bootstrap/image_registry.py`), so a release to this stack needs nothing but to see
that the SHA's images exist and to pull them (to copy them into the stack's Artifact
Registry where it has one). It may read only its own repository's images: no push,
no delete, no policy or lifecycle change, and nothing of the stack's infrastructure.
The release itself is the gated infra deploy (`deploy.yml`), which writes the stack's
release parameter after its approvals; the application hands it the SHA by dispatch.

ECR permissions: the AWS managed policy `AmazonEC2ContainerRegistryPullOnly` (pulling
needs `ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer` and `ecr:GetAuthorizationToken`,
which takes only `*`), plus `DescribeImages`/`DescribeImageScanFindings` to check a
SHA's images before a release; all on the repository ARNs but the login.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.ci_identity import trust_policy
from infra.config import GithubConfig, RepositoryConfig, RepositoryKind

# Read one's own images: verify a release's SHA exists, pull it.
READ_IMAGE_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:DescribeImageScanFindings",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
]


@dataclass(frozen=True, kw_only=True)
class ApplicationIdentityArgs:
    """What an `ApplicationIdentity` is built from.

    - `repository`: the `github.repositories` entry (kind services, with images);
    - `github`: the `github` section (owner and this stack's environment: the trusted
      subject is `GithubConfig.subject_for(repository)`);
    - `provider_arn`: the account's GitHub OIDC provider;
    - `repository_arns`: image -> the account ECR repository's ARN, for at least the
      repository's images.

    Raises ValueError for a repository without images or an image without an ARN.
    """

    repository: RepositoryConfig
    github: GithubConfig
    provider_arn: pulumi.Input[str]
    repository_arns: Mapping[str, pulumi.Input[str]]

    def __post_init__(self) -> None:
        if not self.repository.images:
            raise ValueError(
                f"ApplicationIdentityArgs: {self.repository.name} has no images to read"
            )
        missing = sorted(set(self.repository.images) - set(self.repository_arns))
        if missing:
            raise ValueError(
                f"ApplicationIdentityArgs: no ECR repository ARN for {', '.join(missing)}"
            )

    @property
    def subject(self) -> str:
        return self.github.subject_for(self.repository)


def read_policy(repository_arns: list[pulumi.Input[str]]) -> pulumi.Output[str]:
    """The role's only policy: read these repositories' images, and log in to ECR."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadItsOwnImages",
                    "Effect": "Allow",
                    "Action": READ_IMAGE_ACTIONS,
                    "Resource": repository_arns,
                },
                {
                    # The registry login; the action takes only "*".
                    "Sid": "RegistryLogin",
                    "Effect": "Allow",
                    "Action": ["ecr:GetAuthorizationToken"],
                    "Resource": "*",
                },
            ],
        }
    )


class ApplicationIdentity(pulumi.ComponentResource):
    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ApplicationIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:identity:ApplicationIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        repository = args.repository
        role = aws.iam.Role(
            f"{name}-role",
            name=naming.physical_name(name, max_length=64),
            description=(
                f"GitHub Actions of {args.github.owner}/{repository.name} environment "
                f"{args.github.environment.name}: reads its images "
                f"({', '.join(naming.image_repository(i) for i in repository.images)})"
            ),
            assume_role_policy=trust_policy(args.provider_arn, args.subject),
            max_session_duration=3600,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-read-images",
            role=role.id,
            policy=read_policy([args.repository_arns[i] for i in repository.images]),
            opts=child,
        )
        self.role_arn = role.arn
        self.register_outputs({"roleArn": self.role_arn})


def build_all(
    name: str,
    github: GithubConfig,
    provider_arn: pulumi.Input[str],
    repository_arns: Mapping[str, pulumi.Input[str]],
    opts: pulumi.ResourceOptions | None = None,
) -> dict[str, ApplicationIdentity]:
    """repository name -> its identity, for every configured repository of kind services."""
    return {
        repository.name: ApplicationIdentity(
            f"{name}-{repository.name}",
            ApplicationIdentityArgs(
                repository=repository,
                github=github,
                provider_arn=provider_arn,
                repository_arns=repository_arns,
            ),
            opts=opts,
        )
        for repository in github.of_kind(RepositoryKind.SERVICES)
    }
