"""`CiIdentity`: keyless AWS access for GitHub Actions.

- The deploy role of this stack's GitHub environment. Its trust policy pins
  `token.actions.githubusercontent.com:aud` to `sts.amazonaws.com` and `:sub` to
  exactly `repo:<owner>/<repository>:environment:<environment>` (StringEquals, no
  wildcard). Its permissions are the services this program manages, pinned to the
  stack's region, IAM only on `<project>-<stack>-*` roles, and the Pulumi state
  bucket and secrets key: no AdministratorAccess. A permissions boundary caps it
  and denies the escalation paths (IAM users and keys, admin policy attachment,
  editing its own role or boundary).
- Where this stack owns them (`ci.accountRoles`), the account's read-only roles:
  `preview` (sub: pull requests only) and `drift` (sub: the main branch, for the
  scheduled refresh).
- The GitHub OIDC provider: one per account, created here when config says so,
  otherwise looked up (bootstrap creates it by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws import deploy_scope
from infra.config import CiConfig, GithubConfig, OidcProviderMode

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
SECRETS_KEY_ALIAS = "alias/aevon-pulumi-secrets"  # created by bootstrap/
ESCALATION_ACTIONS = [
    "iam:CreateUser",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AddUserToGroup",
    "iam:DeleteRolePermissionsBoundary",
    "organizations:*",
    "account:*",
]
STACK_ROLE_ACTIONS = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:GetRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PassRole",
    "iam:ListInstanceProfilesForRole",
    "iam:CreatePolicy",
    "iam:DeletePolicy",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:ListPolicyVersions",
    "iam:UpdateRoleDescription",
    "iam:ListEntitiesForPolicy",
]  # fmt: skip
# Changing the deploy role or its boundary takes an administrator.
SELF_PROTECTING_ACTIONS = [
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRole",
    "iam:PutRolePermissionsBoundary",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:DeletePolicy",
]  # fmt: skip
ADMIN_POLICIES = [
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/IAMFullAccess",
]


def state_bucket_name(account_id: str) -> str:
    """The bootstrap project's state bucket for this account."""
    return f"aevon-pulumi-state-{account_id}"


@dataclass(frozen=True, kw_only=True)
class CiIdentityArgs:
    """What the `CiIdentity` is built from: the `github` and `ci` sections.

    - `github`: the repository (`owner`/`repository`, literal names) and the
      stack's deploy environment; the deploy role trusts exactly
      `repo:<owner>/<repository>:environment:<name>` (`GithubConfig.oidc_subject`),
      https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
    - `settings`: `github_oidc_provider` (create it, or look up the account's) and
      `account_roles` (this stack owns the read-only preview and drift roles).
    - `region`: the AWS region code the deploy role's `service:*` actions are
      pinned to; `protect`: Pulumi `protect` on a created OIDC provider.
    - `looked_up_oidc_provider_arns`: the ARNs of the other IAM OIDC providers the
      stack's lookups read (the Vercel team's), which the deploy role may read too.
    """

    github: GithubConfig
    settings: CiConfig
    region: str
    protect: bool = False
    looked_up_oidc_provider_arns: Sequence[pulumi.Input[str]] = ()

    @property
    def repo(self) -> str:
        return self.github.repo

    @property
    def environment(self) -> str:
        return self.github.environment.name


def trust_policy(provider_arn: pulumi.Input[str], subject: str) -> pulumi.Output[str]:
    """Web-identity trust for GitHub Actions with `aud` and `sub` pinned exactly."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                            f"{GITHUB_OIDC_HOST}:sub": subject,
                        }
                    },
                }
            ],
        }
    )


class CiIdentity(pulumi.ComponentResource):
    deploy_role_arn: pulumi.Output[str]
    backend_url: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    preview_role_arn: pulumi.Output[str] | None
    drift_role_arn: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: CiIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:identity:CiIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id

        if args.settings.github_oidc_provider is OidcProviderMode.CREATE:
            provider_arn = aws.iam.OpenIdConnectProvider(
                f"{name}-github-oidc",
                url=GITHUB_OIDC_URL,
                client_id_lists=["sts.amazonaws.com"],
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            ).arn
        else:
            provider_arn = aws.iam.get_open_id_connect_provider_output(
                url=GITHUB_OIDC_URL, opts=invoke
            ).arn

        prefix = naming.prefix()
        deploy_role_name = naming.physical_name(f"{name}-deploy", max_length=64)
        boundary_name = naming.physical_name(f"{name}-deploy-boundary", max_length=128)
        actions_name = naming.physical_name(f"{name}-deploy-actions", max_length=128)
        allowed = self._deploy_statements(
            account, args.region, prefix, args.looked_up_oidc_provider_arns
        )
        boundary = aws.iam.Policy(
            f"{name}-deploy-boundary",
            name=boundary_name,
            description=f"Caps what the {args.environment} deploy role can ever do",
            # The role's grants, compacted to fit a managed policy, and the denials.
            policy=pulumi.Output.json_dumps(
                pulumi.Output.all(
                    pulumi.Output.from_input(allowed),
                    pulumi.Output.from_input(
                        self._deny_statements(
                            account, deploy_role_name, boundary_name, actions_name
                        )
                    ),
                ).apply(
                    lambda parts: {
                        "Version": "2012-10-17",
                        "Statement": [*deploy_scope.compact(parts[0], prefix), *parts[1]],
                    }
                )
            ),
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-deploy-role",
            name=deploy_role_name,
            description=f"GitHub Actions deploys of {args.repo} environment {args.environment}",
            assume_role_policy=trust_policy(provider_arn, args.github.oidc_subject),
            permissions_boundary=boundary.arn,
            max_session_duration=3600,
            opts=child,
        )
        # A role's inline policies share 10,240 characters (IAM quotas): the grants on the
        # stack's resources stay inline, the actions that take no resource (only "*") go
        # into a managed policy of their own (6,144 characters).
        on_star = [s for s in allowed if s.get("Resource") == "*"]
        aws.iam.RolePolicy(
            f"{name}-deploy-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                {"Version": "2012-10-17", "Statement": [s for s in allowed if s not in on_star]}
            ),
            opts=child,
        )
        actions = aws.iam.Policy(
            f"{name}-deploy-actions",
            name=actions_name,
            description=f"Actions without resources the {args.environment} deploy role calls",
            policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": on_star}),
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-deploy-actions-attachment",
            role=role.name,
            policy_arn=actions.arn,
            opts=child,
        )

        self.preview_role_arn = self.drift_role_arn = None
        if args.settings.account_roles:
            self.preview_role_arn = self._read_only_role(
                f"{name}-preview", provider_arn, f"repo:{args.repo}:pull_request", account
            )
            self.drift_role_arn = self._read_only_role(
                f"{name}-drift", provider_arn, f"repo:{args.repo}:ref:refs/heads/main", account
            )

        self.deploy_role_arn = role.arn
        # The stack's state lives in its own account's bucket (bootstrap/, one per account).
        self.backend_url = pulumi.Output.concat("s3://", account.apply(state_bucket_name))
        self.oidc_provider_arn = pulumi.Output.from_input(provider_arn)
        self.register_outputs(
            {
                "deployRoleArn": self.deploy_role_arn,
                "backendUrl": self.backend_url,
                "previewRoleArn": self.preview_role_arn,
                "driftRoleArn": self.drift_role_arn,
            }
        )

    @staticmethod
    def _deploy_statements(
        account: pulumi.Output[str],
        region: str,
        prefix: str,
        looked_up_oidc_provider_arns: Sequence[pulumi.Input[str]],
    ) -> list[dict[str, Any]]:
        bucket = account.apply(state_bucket_name)
        return [
            # The stack's own resources, by name prefix where AWS names them (one row per
            # service in infra/aws/deploy_scope.py), and the generated actions that take
            # no resource on "*".
            *deploy_scope.statements(account, region, prefix),
            {
                "Sid": "ManageOnlyTheStacksRoles",
                "Effect": "Allow",
                "Action": STACK_ROLE_ACTIONS,
                "Resource": [
                    pulumi.Output.format("arn:aws:iam::{0}:role/{1}-*", account, prefix),
                    pulumi.Output.format("arn:aws:iam::{0}:policy/{1}-*", account, prefix),
                ],
            },
            {
                # The account's image repositories (bootstrap/ creates and owns them): the
                # stack looks them up and the deploy checks a release's images exist. Read
                # only: pushing is the publishers', deleting nobody's.
                "Sid": "ReadTheAccountsImageRepositories",
                "Effect": "Allow",
                "Action": [
                    "ecr:DescribeRepositories",
                    "ecr:DescribeImages",
                    "ecr:ListTagsForResource",
                ],
                "Resource": pulumi.Output.format(
                    "arn:aws:ecr:{0}:{1}:repository/{2}/*", region, account, naming.IMAGE_NAMESPACE
                ),
            },
            {
                # GitHub's, and any other the stack looks up (the Vercel team's).
                "Sid": "ReadTheOidcProvidersItUses",
                "Effect": "Allow",
                "Action": ["iam:GetOpenIDConnectProvider"],
                "Resource": [
                    pulumi.Output.format(
                        "arn:aws:iam::{0}:oidc-provider/{1}", account, GITHUB_OIDC_HOST
                    ),
                    *looked_up_oidc_provider_arns,
                ],
            },
            {
                "Sid": "ServiceLinkedRolesOfTheServicesUsed",
                "Effect": "Allow",
                "Action": ["iam:CreateServiceLinkedRole"],
                "Resource": pulumi.Output.format(
                    "arn:aws:iam::{0}:role/aws-service-role/*", account
                ),
                "Condition": {
                    "StringEquals": {
                        "iam:AWSServiceName": [
                            "ecs.amazonaws.com",
                            "elasticache.amazonaws.com",
                            "rds.amazonaws.com",
                            "elasticloadbalancing.amazonaws.com",
                            "ecs.application-autoscaling.amazonaws.com",
                            "autoscaling.amazonaws.com",
                            # AWS Chatbot's (AWSServiceRoleForAWSChatbot), on its first
                            # channel configuration.
                            "management.chatbot.amazonaws.com",
                            "backup.amazonaws.com",
                            "wafv2.amazonaws.com",
                        ]
                    }
                },
            },
            {
                # The NAT instance's profile (network.nat: instance), by name prefix.
                "Sid": "ManageOnlyTheStacksInstanceProfiles",
                "Effect": "Allow",
                "Action": [
                    "iam:CreateInstanceProfile",
                    "iam:DeleteInstanceProfile",
                    "iam:GetInstanceProfile",
                    "iam:AddRoleToInstanceProfile",
                    "iam:RemoveRoleFromInstanceProfile",
                    "iam:TagInstanceProfile",
                    "iam:UntagInstanceProfile",
                ],
                "Resource": pulumi.Output.format(
                    "arn:aws:iam::{0}:instance-profile/{1}-*", account, prefix
                ),
            },
            {
                "Sid": "DnsRecordsForCertificatesAndAliases",
                "Effect": "Allow",
                "Action": [
                    "route53:GetHostedZone",
                    "route53:ListResourceRecordSets",
                    "route53:ChangeResourceRecordSets",
                    "route53:GetChange",
                    "route53:ListTagsForResource",
                ],
                "Resource": ["arn:aws:route53:::hostedzone/*", "arn:aws:route53:::change/*"],
            },
            {
                "Sid": "PulumiStateBucket",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                "Resource": [
                    pulumi.Output.concat("arn:aws:s3:::", bucket),
                    pulumi.Output.concat("arn:aws:s3:::", bucket, "/*"),
                ],
            },
        ]

    @staticmethod
    def _deny_statements(
        account: pulumi.Output[str], role_name: str, *policy_names: str
    ) -> list[dict[str, Any]]:
        return [
            {
                "Sid": "NoUsersOrKeys",
                "Effect": "Deny",
                "Action": ESCALATION_ACTIONS,
                "Resource": "*",
            },
            {
                "Sid": "NoAdministratorPolicies",
                "Effect": "Deny",
                "Action": ["iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:AttachGroupPolicy"],
                "Resource": "*",
                "Condition": {"ArnEquals": {"iam:PolicyARN": ADMIN_POLICIES}},
            },
            {
                # kms:* on the account's keys covers the state secrets key (the CLI's
                # Encrypt/Decrypt); nothing that would lose it or take it away.
                "Sid": "KeepTheStateSecretsKey",
                "Effect": "Deny",
                "Action": [
                    "kms:ScheduleKeyDeletion",
                    "kms:DisableKey",
                    "kms:PutKeyPolicy",
                    "kms:DeleteAlias",
                    "kms:UpdateAlias",
                ],
                "Resource": "*",
                "Condition": {
                    "ForAnyValue:StringEquals": {"kms:ResourceAliases": SECRETS_KEY_ALIAS}
                },
            },
            {
                # Changing the deploy role or its boundary takes an administrator.
                "Sid": "CannotWidenItself",
                "Effect": "Deny",
                "Action": SELF_PROTECTING_ACTIONS,
                "Resource": [
                    pulumi.Output.format("arn:aws:iam::{0}:role/{1}", account, role_name),
                    *(
                        pulumi.Output.format("arn:aws:iam::{0}:policy/{1}", account, policy)
                        for policy in policy_names
                    ),
                ],
            },
        ]

    def _read_only_role(
        self,
        name: str,
        provider_arn: pulumi.Input[str],
        subject: str,
        account: pulumi.Output[str],
    ) -> pulumi.Output[str]:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            name=naming.physical_name(name, max_length=64),
            description=f"GitHub Actions read-only access for {subject}",
            assume_role_policy=trust_policy(provider_arn, subject),
            max_session_duration=3600,
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-read-only", role=role.name, policy_arn=READ_ONLY_POLICY, opts=child
        )
        bucket = account.apply(state_bucket_name)
        aws.iam.RolePolicy(
            f"{name}-state",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "ReadState",
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:ListBucket"],
                            "Resource": [
                                pulumi.Output.concat("arn:aws:s3:::", bucket),
                                pulumi.Output.concat("arn:aws:s3:::", bucket, "/*"),
                            ],
                        },
                        {
                            "Sid": "TakeAndReleaseStackLocks",
                            "Effect": "Allow",
                            "Action": ["s3:PutObject", "s3:DeleteObject"],
                            "Resource": [
                                pulumi.Output.concat("arn:aws:s3:::", bucket, "/.pulumi/locks/*")
                            ],
                        },
                        {
                            # The account's keys (bootstrap's region may differ from the
                            # stack's), narrowed by the condition to the secrets key.
                            "Sid": "DecryptStackSecrets",
                            "Effect": "Allow",
                            "Action": ["kms:Decrypt"],
                            "Resource": pulumi.Output.format("arn:aws:kms:*:{0}:key/*", account),
                            "Condition": {
                                "ForAnyValue:StringEquals": {
                                    "kms:ResourceAliases": SECRETS_KEY_ALIAS
                                }
                            },
                        },
                    ],
                }
            ),
            opts=child,
        )
        return role.arn


def repository_variables(identity: CiIdentity, stack: str) -> dict[str, pulumi.Input[str]]:
    """Per-stack repository variables of the environment-less preview and drift jobs: the
    stack's state backend (in its own account) and, where this stack owns its account's
    read-only roles (`ci.accountRoles`), their ARNs. `<STACK>` is the stack in upper case."""
    suffix = stack.upper().replace("-", "_")
    variables: dict[str, pulumi.Input[str]] = {f"PULUMI_BACKEND_URL_{suffix}": identity.backend_url}
    if identity.preview_role_arn is not None and identity.drift_role_arn is not None:
        variables[f"AWS_PREVIEW_ROLE_ARN_{suffix}"] = identity.preview_role_arn
        variables[f"AWS_DRIFT_ROLE_ARN_{suffix}"] = identity.drift_role_arn
    return variables
