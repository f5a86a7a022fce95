"""`VercelIngestCaller`: lets the stack's Vercel target sign calls to the ingestion API.

The ingestion route is IAM-authorized (SigV4). Vercel gives every deployment an
OIDC token (team issuer mode: issuer `https://oidc.vercel.com/<team>`, audience
`https://vercel.com/<team>`, subject
`owner:<team>:project:<project>:environment:<target>`; Vercel Docs "Connect to Amazon
Web Services (AWS)", https://vercel.com/docs/oidc/aws). The account's IAM OIDC
provider for that issuer is one per account, like GitHub's: `bootstrap/` creates it
(`vercelTeam`) and this stack looks it up. The role trusts exactly this stack's
Vercel target and may only `execute-api:Invoke` the ingestion route. The frontend
reads `AWS_ROLE_ARN` and `AWS_REGION`, exchanges its token with
`@vercel/oidc-aws-credentials-provider` and signs with SigV4. No key exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.config import ApiAuthorization, IngestionConfig, VercelConfig

VERCEL_OIDC_HOST = "oidc.vercel.com"


def issuer_url(team: str) -> str:
    """The team-mode issuer of the Vercel team's OIDC tokens."""
    return f"https://{VERCEL_OIDC_HOST}/{team}"


def audience(team: str) -> str:
    return f"https://vercel.com/{team}"


@dataclass(frozen=True, kw_only=True)
class VercelIngestCallerArgs:
    """What the `VercelIngestCaller` is built from: the `vercel` section plus the route.

    - `settings`: `team`, `project_name` and `target` (production, preview or
      development), which the trusted token subject names; the config model has
      checked they are literal names (no `:`, `*`, `?`, `/`).
    - `route_arn`: `arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<method>/<path>`,
      the one route the role may invoke.
    """

    settings: VercelConfig
    route_arn: pulumi.Input[str]

    @property
    def subject(self) -> str:
        """The `sub` of the target's OIDC token:
        `owner:<team>:project:<project>:environment:<target>`."""
        s = self.settings
        return f"owner:{s.team}:project:{s.project_name}:environment:{s.target.value}"


class VercelIngestCaller(pulumi.ComponentResource):
    role_arn: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: VercelIngestCallerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:identity:VercelIngestCaller", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings
        host = f"{VERCEL_OIDC_HOST}/{settings.team}"
        provider = aws.iam.get_open_id_connect_provider_output(
            url=issuer_url(settings.team), opts=pulumi.InvokeOptions(parent=self)
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=naming.physical_name(name, max_length=64),
            description=(
                f"Vercel {settings.project_name} ({settings.target.value}) calls the ingestion API"
            ),
            assume_role_policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Federated": provider.arn},
                            "Action": "sts:AssumeRoleWithWebIdentity",
                            "Condition": {
                                "StringEquals": {
                                    f"{host}:aud": audience(settings.team),
                                    f"{host}:sub": args.subject,
                                }
                            },
                        }
                    ],
                }
            ),
            max_session_duration=3600,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-invoke",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "InvokeTheIngestionRoute",
                            "Effect": "Allow",
                            "Action": ["execute-api:Invoke"],
                            "Resource": [args.route_arn],
                        }
                    ],
                }
            ),
            opts=child,
        )
        self.role_arn = role.arn
        self.oidc_provider_arn = provider.arn
        self.register_outputs({"roleArn": self.role_arn})


def build_if_needed(
    name: str,
    vercel: VercelConfig,
    ingestion: IngestionConfig,
    route_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> VercelIngestCaller | None:
    """The caller role where this stack manages its Vercel target and the ingestion route
    is IAM-authorized (`ingestion.authorization: iam`); None otherwise."""
    if not vercel.manage or ingestion.authorization is not ApiAuthorization.IAM:
        return None
    return VercelIngestCaller(
        name, VercelIngestCallerArgs(settings=vercel, route_arn=route_arn), opts=opts
    )


def looked_up_oidc_provider_arns(caller: VercelIngestCaller | None) -> list[pulumi.Output[str]]:
    """The account's Vercel OIDC provider the caller's lookup reads (for the deploy role)."""
    return [] if caller is None else [caller.oidc_provider_arn]


def frontend_variables(
    caller: VercelIngestCaller | None, region: str
) -> dict[str, pulumi.Input[str]]:
    """What the frontend needs to sign: the role to assume, and the API's region."""
    if caller is None:
        return {}
    return {"AWS_ROLE_ARN": caller.role_arn, "AWS_REGION": region}
