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
from infra.config import ApiAuthorization, StackConfig

VERCEL_OIDC_HOST = "oidc.vercel.com"


def issuer_url(team: str) -> str:
    """The team-mode issuer of the Vercel team's OIDC tokens."""
    return f"https://{VERCEL_OIDC_HOST}/{team}"


def audience(team: str) -> str:
    return f"https://vercel.com/{team}"


@dataclass(frozen=True, kw_only=True)
class VercelIngestCallerArgs:
    team: str
    project_name: str
    target: str  # production | preview | development
    route_arn: pulumi.Input[str]  # arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH

    def __post_init__(self) -> None:
        for label, value in (("team", self.team), ("project_name", self.project_name)):
            if not value or any(c in value for c in ":*?/ "):
                raise ValueError(f"VercelIngestCallerArgs.{label} {value!r} must be a literal name")
        if self.target not in ("production", "preview", "development"):
            raise ValueError(
                f"VercelIngestCallerArgs.target {self.target!r} is not a Vercel target"
            )

    @property
    def subject(self) -> str:
        return f"owner:{self.team}:project:{self.project_name}:environment:{self.target}"


class VercelIngestCaller(pulumi.ComponentResource):
    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: VercelIngestCallerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:identity:VercelIngestCaller", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        host = f"{VERCEL_OIDC_HOST}/{args.team}"
        provider = aws.iam.get_open_id_connect_provider_output(
            url=issuer_url(args.team), opts=pulumi.InvokeOptions(parent=self)
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=naming.physical_name(name, max_length=64),
            description=f"Vercel {args.project_name} ({args.target}) calls the ingestion API",
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
                                    f"{host}:aud": audience(args.team),
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
        self.register_outputs({"roleArn": self.role_arn})


def build_if_needed(
    name: str,
    cfg: StackConfig,
    route_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> VercelIngestCaller | None:
    """The caller role where this stack wires Vercel to an IAM-authorized ingestion route."""
    if not cfg.vercel.manage or cfg.ingestion.authorization is not ApiAuthorization.IAM:
        return None
    return VercelIngestCaller(
        name,
        VercelIngestCallerArgs(
            team=cfg.vercel.team,
            project_name=cfg.vercel.project_name,
            target=cfg.vercel.target.value,
            route_arn=route_arn,
        ),
        opts=opts,
    )


def frontend_variables(
    caller: VercelIngestCaller | None, region: str
) -> dict[str, pulumi.Input[str]]:
    """What the frontend needs to sign: the role to assume, and the API's region."""
    if caller is None:
        return {}
    return {"AWS_ROLE_ARN": caller.role_arn, "AWS_REGION": region}
