"""`OidcProviders`: the account's IAM OIDC providers, which the stacks' roles trust.

- GitHub Actions (`https://token.actions.githubusercontent.com`, audience
  `sts.amazonaws.com`): the stacks' deploy and read-only roles trust it
  (`ci.githubOidcProvider: lookup`);
- a Vercel team's tokens (team issuer `https://oidc.vercel.com/<team>`): the stacks'
  Vercel caller roles trust it.

IAM allows one provider per URL per account, so each account's bootstrap creates them
once. These were children of `StateBackend` before; `moved_from` names it, and each
provider carries an alias to its old URN, so the split moves nothing on a live stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.aws.vercel_access import audience, issuer_url

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
_VERCEL_TEAM = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")


@dataclass(frozen=True, kw_only=True)
class OidcProvidersArgs:
    """`create_github_oidc_provider`: create GitHub's provider (false where the account
    already has one); `vercel_team`: the Vercel team slug whose issuer to trust (None:
    none); `protect`: Pulumi `protect` on both; `moved_from`: the component these
    providers were children of before (their aliases point there), with the name it gave
    them. ValueError for a team that is not a Vercel slug."""

    create_github_oidc_provider: bool
    protect: bool
    vercel_team: str | None = None
    moved_from: tuple[pulumi.Resource, str] | None = None

    def __post_init__(self) -> None:
        if self.vercel_team is not None and not _VERCEL_TEAM.match(self.vercel_team):
            raise ValueError(
                f"OidcProvidersArgs.vercel_team {self.vercel_team!r}: a Vercel team slug "
                "(lowercase letters, digits, '-')"
            )

    @classmethod
    def from_config(
        cls, config: pulumi.Config, moved_from: tuple[pulumi.Resource, str] | None = None
    ) -> OidcProvidersArgs:
        """The stack's config, validated; a bad value stops the program before any resource."""
        team = config.get("vercelTeam") or None
        if team is not None and not _VERCEL_TEAM.match(team):
            raise pulumi.RunError(
                f"stack '{pulumi.get_stack()}': aevon-bootstrap:vercelTeam = {team!r}: must be "
                "a Vercel team slug (lowercase letters, digits, '-')"
            )
        return cls(
            create_github_oidc_provider=config.get_bool("createGithubOidcProvider") is not False,
            protect=config.get_bool("protect") is not False,
            vercel_team=team,
            moved_from=moved_from,
        )


class OidcProviders(pulumi.ComponentResource):
    github_oidc_provider_arn: pulumi.Output[str] | None
    vercel_oidc_provider_arn: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: OidcProvidersArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:bootstrap:OidcProviders", name, None, opts)

        def keep(old_name: str) -> pulumi.ResourceOptions:
            aliases = []
            if args.moved_from is not None:
                parent, prefix = args.moved_from
                aliases = [pulumi.Alias(name=f"{prefix}-{old_name}", parent=parent)]
            return pulumi.ResourceOptions(parent=self, protect=args.protect, aliases=aliases)

        self.github_oidc_provider_arn = None
        if args.create_github_oidc_provider:
            self.github_oidc_provider_arn = aws.iam.OpenIdConnectProvider(
                f"{name}-github",
                url=GITHUB_OIDC_URL,
                client_id_lists=["sts.amazonaws.com"],
                opts=keep("github-oidc"),
            ).arn

        self.vercel_oidc_provider_arn = None
        if args.vercel_team is not None:
            self.vercel_oidc_provider_arn = aws.iam.OpenIdConnectProvider(
                f"{name}-vercel",
                url=issuer_url(args.vercel_team),
                client_id_lists=[audience(args.vercel_team)],
                opts=keep("vercel-oidc"),
            ).arn

        self.register_outputs(
            {
                "githubOidcProviderArn": self.github_oidc_provider_arn,
                "vercelOidcProviderArn": self.vercel_oidc_provider_arn,
            }
        )
