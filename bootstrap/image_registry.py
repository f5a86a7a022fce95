"""`ImageRegistry`: the account's container images, pushed once per git SHA, run by every stack.

Why here and not in each stack: a stack's services pull their images on its first
`up` (and staging and prod wait for them to run). Images in repositories that the
stack's own `up` creates could not exist yet, and no CI identity created by that
`up` could have pushed them. So the repositories and the identity that pushes them
exist before any stack, once per account:

- one ECR repository per image, `aevon/<image>`: immutable tags (a git SHA always
  means the same image), scanned on push, encrypted with KMS (ECR's AWS-managed key),
  untagged images expired after `untagged_days`; tagged images are kept unless
  `keep_images` is set (a stack may still run an old release: expiring it would stop
  that stack's next task from starting);
- per publishing repository, a publisher role: its trust pins
  `token.actions.githubusercontent.com:aud` to `sts.amazonaws.com` and `:sub` to
  exactly `repo:<owner>/<name>:environment:<environment>`; it may push only to its
  own images' repositories (the permissions of Amazon ECR User Guide, "IAM
  permissions for pushing an image to an Amazon ECR private repository") and log
  in (`ecr:GetAuthorizationToken`, which takes only `*`): no delete, no repository
  policy or lifecycle change, nothing else.

One account per environment (README, "AWS accounts"), one build per SHA: the
publishers push into one account (`imageReplicaAccounts` names the others), and ECR
private replication copies every push under `aevon/` into each of those accounts'
repositories (Amazon ECR User Guide, "Private image replication"); each of those
accounts' bootstrap creates the same repositories (`imageRepositories`) and a
registry policy that admits replication from that one source account
(`imageSourceAccount`: `ecr:CreateRepository`, `ecr:ReplicateImage` on `aevon/*`,
"Private registry permissions for replication"). Replication copies pushes made
after it is configured: run the source account's bootstrap, and the others', before
the first image is pushed (README, "First run").

Each stack looks the repositories up (`infra/aws/images.py`) and gives the
publishing repository's environment a role that reads them; a release to a stack is
the image's SHA plus that stack's gated deploy. The offline first-deploy check
proves the order: a stack's images are a prerequisite that this publisher role can
satisfy before the stack's first `up` (`offline/world.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.ci_identity import trust_policy
from infra.config.delivery import GITHUB_ENVIRONMENT, GITHUB_NAME, IMAGE_NAME

_ACCOUNT = re.compile(r"^\d{12}$")

# Push one's own images (ECR User Guide, "IAM permissions for pushing an image").
PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]


@dataclass(frozen=True)
class Publisher:
    """A repository whose CI pushes images: `owner/name`, the GitHub environment its
    publishing job runs in, and the images it pushes."""

    repository: str
    environment: str
    images: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.repository.split("/", 1)[1]

    @property
    def subject(self) -> str:
        return f"repo:{self.repository}:environment:{self.environment}"


class ImageRegistryConfigError(ValueError):
    """A bad `imagePublishers` entry: the key (relative to the config key) and why."""


def _publisher(index: int, raw: Any) -> Publisher:
    where = f"[{index}]"
    if not isinstance(raw, Mapping) or set(raw) - {"repository", "environment", "images"}:
        raise ImageRegistryConfigError(
            f"{where} = {json.dumps(raw, default=str)}: each publisher is "
            "{repository: owner/name, environment: <GitHub environment>, images: [...]}"
        )
    repository = raw.get("repository")
    owner, _, name = str(repository or "").partition("/")
    if not (GITHUB_NAME.match(owner) and GITHUB_NAME.match(name)):
        raise ImageRegistryConfigError(
            f"{where}.repository = {json.dumps(repository)}: must be owner/name, literal "
            "GitHub names (the publisher role trusts exactly that repository)"
        )
    environment = raw.get("environment")
    if not isinstance(environment, str) or not GITHUB_ENVIRONMENT.match(environment):
        raise ImageRegistryConfigError(
            f"{where}.environment = {json.dumps(environment)}: must be the GitHub environment "
            "its publishing job runs in, such as development"
        )
    images = raw.get("images")
    if not isinstance(images, list) or not images:
        raise ImageRegistryConfigError(
            f"{where}.images = {json.dumps(images)}: a publisher role for {repository} needs "
            "the images it pushes (a repository with no images gets no push role)"
        )
    for position, image in enumerate(images):
        if not isinstance(image, str) or not IMAGE_NAME.match(image):
            raise ImageRegistryConfigError(
                f"{where}.images[{position}] = {json.dumps(image)}: not a valid image name "
                "(lowercase letters and digits separated by '.', '_' or '-')"
            )
    if len(set(images)) != len(images):
        raise ImageRegistryConfigError(
            f"{where}.images = {json.dumps(images)}: lists an image twice"
        )
    return Publisher(f"{owner}/{name}", environment, tuple(images))


def _string_list(config: pulumi.Config, stack: str, key: str, allowed: str) -> list[str]:
    """A list-of-strings config key ([] when unset). Raises pulumi.RunError naming stack,
    key, value and what is allowed."""
    raw = config.get_object(key)
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise pulumi.RunError(
            f"stack '{stack}': aevon-bootstrap:{key} = {json.dumps(raw, default=str)}: must be a "
            f"list of {allowed}"
        )
    return list(raw)


def parse_publishers(raw: Any) -> tuple[Publisher, ...]:
    """`imagePublishers` as Publishers. Raises ImageRegistryConfigError for a bad entry, a
    repository listed twice, or an image two repositories push."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ImageRegistryConfigError(
            f" = {json.dumps(raw, default=str)}: must be a list of publishers"
        )
    publishers = tuple(_publisher(i, entry) for i, entry in enumerate(raw))
    seen: dict[str, int] = {}
    owners: dict[str, str] = {}
    for index, publisher in enumerate(publishers):
        earlier = seen.setdefault(publisher.repository.lower(), index)
        if earlier != index:
            raise ImageRegistryConfigError(
                f"[{index}].repository = {json.dumps(publisher.repository)}: is listed twice "
                f"(also [{earlier}]); one publisher role per repository"
            )
        for image in publisher.images:
            other = owners.setdefault(image, publisher.repository)
            if other != publisher.repository:
                raise ImageRegistryConfigError(
                    f"[{index}].images: {image} is also pushed by {other}; each image has one "
                    "repository that pushes it"
                )
    return publishers


@dataclass(frozen=True, kw_only=True)
class ImageRegistrySettings:
    """The registry's config: `aevon-bootstrap:imagePublishers`, `imageUntaggedDays`,
    `imageKeepCount`, `imageRepositories`, `imageReplicaAccounts`, `imageSourceAccount`.

    - `publishers`: the repositories that push images (`Publisher`);
    - `untagged_days`: days (1-365) before an untagged image expires;
    - `keep_images`: None (keep every tagged image) or 1-10000 newest images kept;
    - `repositories`: images whose repositories exist here without a publisher (an
      account that receives them by replication);
    - `replica_accounts`: the accounts every push is replicated to (same region);
    - `source_account`: the one account allowed to replicate into this registry.

    Raises ValueError for days or counts out of range.
    """

    publishers: Sequence[Publisher] = ()
    untagged_days: int = 7
    keep_images: int | None = None
    repositories: Sequence[str] = ()
    replica_accounts: Sequence[str] = ()
    source_account: str | None = None

    def __post_init__(self) -> None:
        for account in [*self.replica_accounts, self.source_account]:
            if account is not None and not _ACCOUNT.match(account):
                raise ValueError(f"account {account!r}: must be a quoted 12-digit AWS account id")
        for image in self.repositories:
            if not IMAGE_NAME.match(image):
                raise ValueError(
                    f"repository {image!r}: not a valid image name (lowercase letters and digits "
                    "separated by '.', '_' or '-', such as api)"
                )
        if self.replica_accounts and self.source_account:
            raise ValueError(
                "an account either replicates its images to others (imageReplicaAccounts) or "
                "receives them (imageSourceAccount), not both"
            )
        if not 1 <= self.untagged_days <= 365:
            raise ValueError(f"untagged days {self.untagged_days}: must be 1-365")
        if self.keep_images is not None and not 1 <= self.keep_images <= 10_000:
            raise ValueError(f"kept images {self.keep_images}: must be 1-10000 (0: keep all)")

    @classmethod
    def from_config(cls, config: pulumi.Config) -> ImageRegistrySettings:
        """The stack's config, validated before any resource: one error naming stack, key
        and value (raises pulumi.RunError)."""
        stack = pulumi.get_stack()
        try:
            publishers = parse_publishers(config.get_object("imagePublishers"))
        except ImageRegistryConfigError as exc:
            raise pulumi.RunError(
                f"stack '{stack}': aevon-bootstrap:imagePublishers{exc}"
            ) from None
        days = config.get_int("imageUntaggedDays")
        keep = config.get_int("imageKeepCount")
        repositories = _string_list(config, stack, "imageRepositories", "image names [api, web]")
        replicas = _string_list(
            config, stack, "imageReplicaAccounts", 'quoted 12-digit account ids ["444455556666"]'
        )
        source = config.get("imageSourceAccount") or None
        for key, accounts in (("imageReplicaAccounts", replicas), ("imageSourceAccount", [source])):
            bad = next((a for a in accounts if a is not None and not _ACCOUNT.match(a)), None)
            if bad is not None:
                raise pulumi.RunError(
                    f"stack '{stack}': aevon-bootstrap:{key} = {json.dumps(bad)}: not an AWS "
                    "account id (a quoted string of 12 digits)"
                )
        if len(set(replicas)) != len(replicas):
            raise pulumi.RunError(
                f"stack '{stack}': aevon-bootstrap:imageReplicaAccounts = {json.dumps(replicas)}: "
                "lists an account twice"
            )
        own = [str(a) for a in (pulumi.Config("aws").get_object("allowedAccountIds") or [])]
        if set(own) & set(replicas):
            raise pulumi.RunError(
                f"stack '{stack}': aevon-bootstrap:imageReplicaAccounts = {json.dumps(replicas)}: "
                f"names this bootstrap's own account {own[0]} (replication copies to other "
                "accounts)"
            )
        try:
            return cls(
                publishers=publishers,
                untagged_days=7 if days is None else days,
                keep_images=keep or None,
                repositories=[str(r) for r in repositories],
                replica_accounts=[str(a) for a in replicas],
                source_account=source,
            )
        except ValueError as exc:
            text = str(exc)
            key, value = (
                ("imageUntaggedDays", days)
                if text.startswith("untagged")
                else ("imageKeepCount", keep)
                if text.startswith("kept")
                else ("imageRepositories", repositories)
                if text.startswith("repository")
                else ("imageSourceAccount", source)
            )
            raise pulumi.RunError(
                f"stack '{stack}': aevon-bootstrap:{key} = {value}: {exc}"
            ) from None

    @property
    def images(self) -> list[str]:
        """Every repository: the publishers' images and `imageRepositories`."""
        return sorted(
            {image for p in self.publishers for image in p.images} | set(self.repositories)
        )


@dataclass(frozen=True, kw_only=True)
class ImageRegistryArgs:
    """What the `ImageRegistry` is built from: its settings plus wiring.

    - `settings`: `ImageRegistrySettings`;
    - `oidc_provider_arn`: the account's GitHub OIDC provider (publishers trust it);
    - `region`, `account_id`: where the registry is (replication and its policy);
    - `protect`: Pulumi `protect` on each repository (which is never force-deleted).

    Raises ValueError for publishers without an OIDC provider.
    """

    settings: ImageRegistrySettings
    oidc_provider_arn: pulumi.Input[str] | None
    region: str
    account_id: pulumi.Input[str]
    protect: bool = True

    def __post_init__(self) -> None:
        if self.settings.publishers and self.oidc_provider_arn is None:
            raise ValueError("ImageRegistryArgs: publishers need the GitHub OIDC provider")


def lifecycle_policy(untagged_days: int, keep_images: int | None) -> str:
    """The ECR lifecycle policy document (pure, so tests read it directly)."""
    rules: list[dict[str, Any]] = [
        {
            "rulePriority": 1,
            "description": f"expire untagged images after {untagged_days} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_days,
            },
            "action": {"type": "expire"},
        }
    ]
    if keep_images is not None:
        rules.append(
            {
                # ECR: a tagStatus "any" rule must have the highest rulePriority.
                "rulePriority": 2,
                "description": f"keep the newest {keep_images} images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": keep_images,
                },
                "action": {"type": "expire"},
            }
        )
    return json.dumps({"rules": rules})


def push_policy(repository_arns: Sequence[pulumi.Input[str]]) -> pulumi.Output[str]:
    """A publisher's only policy: push to these repositories, and log in to ECR."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PushItsOwnImages",
                    "Effect": "Allow",
                    "Action": PUSH_ACTIONS,
                    "Resource": list(repository_arns),
                },
                {
                    "Sid": "RegistryLogin",
                    "Effect": "Allow",
                    "Action": ["ecr:GetAuthorizationToken"],
                    "Resource": "*",
                },
            ],
        }
    )


class ImageRegistry(pulumi.ComponentResource):
    repository_urls: dict[str, pulumi.Output[str]]
    repository_arns: dict[str, pulumi.Output[str]]
    publisher_role_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: ImageRegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:bootstrap:ImageRegistry", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings
        policy = lifecycle_policy(settings.untagged_days, settings.keep_images)
        self.repository_urls, self.repository_arns = {}, {}
        for image in settings.images:
            repository = aws.ecr.Repository(
                f"{name}-{image}",
                name=naming.image_repository(image),
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                    scan_on_push=True
                ),
                encryption_configurations=[
                    aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")
                ],
                # Every stack of the account runs these images: never emptied by a destroy.
                force_delete=False,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            aws.ecr.LifecyclePolicy(
                f"{name}-{image}-lifecycle",
                repository=repository.name,
                policy=policy,
                opts=child,
            )
            self.repository_urls[image] = repository.repository_url
            self.repository_arns[image] = repository.arn

        self.publisher_role_arns = {}
        for publisher in settings.publishers:
            role = aws.iam.Role(
                f"{name}-publish-{publisher.name}",
                name=f"aevon-publish-{publisher.name}"[:64].rstrip("-"),
                description=(
                    f"GitHub Actions of {publisher.repository} environment "
                    f"{publisher.environment}: pushes "
                    f"{', '.join(naming.image_repository(i) for i in publisher.images)}"
                ),
                assume_role_policy=trust_policy(args.oidc_provider_arn or "", publisher.subject),
                max_session_duration=3600,
                opts=child,
            )
            aws.iam.RolePolicy(
                f"{name}-publish-{publisher.name}-push",
                role=role.id,
                policy=push_policy([self.repository_arns[i] for i in publisher.images]),
                opts=child,
            )
            self.publisher_role_arns[publisher.repository] = role.arn
        prefix = f"{naming.IMAGE_NAMESPACE}/"
        if settings.replica_accounts:
            # Every push under aevon/ is copied to the same repository in each account.
            aws.ecr.ReplicationConfiguration(
                f"{name}-replication",
                replication_configuration=aws.ecr.ReplicationConfigurationReplicationConfigurationArgs(
                    rules=[
                        aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgs(
                            destinations=[
                                aws.ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs(
                                    region=args.region, registry_id=account
                                )
                                for account in settings.replica_accounts
                            ],
                            repository_filters=[
                                aws.ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs(
                                    filter=prefix, filter_type="PREFIX_MATCH"
                                )
                            ],
                        )
                    ]
                ),
                opts=child,
            )
        if settings.source_account:
            # Only the source account's registry may replicate into this one.
            aws.ecr.RegistryPolicy(
                f"{name}-replication-source",
                policy=pulumi.Output.json_dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "ReplicationFromTheSourceAccount",
                                "Effect": "Allow",
                                "Principal": {
                                    "AWS": f"arn:aws:iam::{settings.source_account}:root"
                                },
                                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                                "Resource": pulumi.Output.format(
                                    "arn:aws:ecr:{0}:{1}:repository/{2}*",
                                    args.region,
                                    args.account_id,
                                    prefix,
                                ),
                            }
                        ],
                    }
                ),
                opts=child,
            )
        self.register_outputs(
            {
                "repositoryUrls": self.repository_urls,
                "publisherRoleArns": self.publisher_role_arns,
            }
        )
