"""`VercelFrontend`: the Next.js frontend on Vercel, and this stack's share of it.

One stack owns the Vercel project (`vercel.ownsProject`): the first one deployed
(dev), so no stack looks up a project a later stack creates. It sets framework,
link to its GitHub repository, root directory, deployment protection (Vercel
Authentication on previews, Git fork protection) and OIDC tokens with the team
issuer (`https://oidc.vercel.com/<team>`, which AWS roles trust), and it is always
protected: the other stacks read it. Every stack manages only the environment
variables of its own Vercel target (production <-> prod, preview <-> staging,
development <-> dev), wired from its stack outputs, and its own custom domain
(`vercel.domain`) as its own object on the project; sensitive values are marked
sensitive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumiverse_vercel as vercel

from infra.config import VercelConfig, VercelTarget


@dataclass(frozen=True, kw_only=True)
class VercelFrontendArgs:
    """What the `VercelFrontend` is built from: the `vercel` section plus its variables.

    - `settings`: `project_name`, `target` (production, preview or development),
      `owns_project` (this stack creates the project, links `git_repository` and
      sets `root_directory`; the others look it up) and the optional `domain`
      (this stack's custom domain on the project).
    - `variables`: name -> plain value for the target; `sensitive`: name -> value
      stored as a sensitive variable (a Pulumi secret too). Vercel has no sensitive
      variables on the development target,
      https://vercel.com/docs/environment-variables/sensitive-environment-variables

    Raises ValueError ("VercelFrontendArgs: ...") for sensitive variables on
    development, or a name in both maps.
    """

    settings: VercelConfig
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    sensitive: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if self.sensitive and self.settings.target is VercelTarget.DEVELOPMENT:
            problems.append("Vercel does not allow sensitive variables on the development target")
        overlap = set(self.variables) & set(self.sensitive)
        if overlap:
            problems.append(f"{', '.join(sorted(overlap))} is both plain and sensitive")
        if problems:
            raise ValueError("VercelFrontendArgs: " + "; ".join(problems))


class VercelFrontend(pulumi.ComponentResource):
    project_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: VercelFrontendArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:vercel:VercelFrontend", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        if settings.owns_project:
            project = vercel.Project(
                f"{name}-project",
                name=settings.project_name,
                framework="nextjs",
                git_repository=vercel.ProjectGitRepositoryArgs(
                    type="github", repo=str(settings.git_repository), production_branch="main"
                ),
                root_directory=settings.root_directory,
                vercel_authentication=vercel.ProjectVercelAuthenticationArgs(
                    deployment_type="standard_protection"
                ),
                git_fork_protection=True,
                oidc_token_config=vercel.ProjectOidcTokenConfigArgs(issuer_mode="team"),
                # Protected in every stack: the later-deployed stacks look it up.
                opts=pulumi.ResourceOptions(parent=self, protect=True),
            )
            project_id: pulumi.Output[str] = project.id
        else:
            project_id = vercel.get_project_output(
                name=settings.project_name, opts=pulumi.InvokeOptions(parent=self)
            ).id
        if settings.domain:
            vercel.ProjectDomain(
                f"{name}-domain", project_id=project_id, domain=settings.domain, opts=child
            )

        entries = [(k, v, False) for k, v in args.variables.items()]
        entries += [(k, pulumi.Output.secret(v), True) for k, v in args.sensitive.items()]
        for key, value, sensitive in sorted(entries, key=lambda e: e[0]):
            vercel.ProjectEnvironmentVariable(
                f"{name}-{settings.target.value}-{key.lower().replace('_', '-')}",
                project_id=project_id,
                key=key,
                value=value,
                targets=[settings.target.value],
                sensitive=sensitive,
                opts=child,
            )
        self.project_id = project_id
        self.register_outputs({"projectId": self.project_id})


def build_if_managed(
    name: str,
    cfg: VercelConfig,
    variables: Mapping[str, pulumi.Input[str]],
    provider: vercel.Provider | None,
) -> VercelFrontend | None:
    """This stack's share of the Vercel frontend, unless config leaves Vercel alone."""
    if not cfg.manage or provider is None:
        return None
    return VercelFrontend(
        name,
        VercelFrontendArgs(settings=cfg, variables=variables),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )


def github_variables(frontend: VercelFrontend | None) -> dict[str, pulumi.Input[str]]:
    """The Vercel project id for the delivery workflows (none where Vercel is not managed)."""
    return {} if frontend is None else {"VERCEL_PROJECT_ID": frontend.project_id}
