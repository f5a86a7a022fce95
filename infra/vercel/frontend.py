"""`VercelFrontend`: the Next.js frontend on Vercel, and this stack's share of it.

One stack owns the Vercel project (`vercel.ownsProject`): framework, link to its
GitHub repository, root directory, deployment protection (Vercel Authentication
on previews, Git fork protection) and the optional custom domain. Every stack
manages only the environment variables of its own Vercel target
(production <-> prod, preview <-> staging, development <-> dev), wired from its
stack outputs; sensitive values are marked sensitive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumiverse_vercel as vercel

from infra.config import VercelConfig, VercelTarget


@dataclass(frozen=True, kw_only=True)
class VercelFrontendArgs:
    project_name: str
    target: VercelTarget
    owns_project: bool
    git_repository: str | None = None
    root_directory: str = "apps/web"
    domain: str | None = None
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    sensitive: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if self.owns_project and not self.git_repository:
            problems.append("the owning stack links the project to git_repository (owner/name)")
        if not self.owns_project and self.domain:
            problems.append("only the owning stack sets the domain")
        if self.sensitive and self.target is VercelTarget.DEVELOPMENT:
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
        child = pulumi.ResourceOptions(parent=self)
        if args.owns_project:
            project = vercel.Project(
                f"{name}-project",
                name=args.project_name,
                framework="nextjs",
                git_repository=vercel.ProjectGitRepositoryArgs(
                    type="github", repo=str(args.git_repository), production_branch="main"
                ),
                root_directory=args.root_directory,
                vercel_authentication=vercel.ProjectVercelAuthenticationArgs(
                    deployment_type="standard_protection"
                ),
                git_fork_protection=True,
                opts=child,
            )
            project_id: pulumi.Output[str] = project.id
            if args.domain:
                vercel.ProjectDomain(
                    f"{name}-domain", project_id=project_id, domain=args.domain, opts=child
                )
        else:
            project_id = vercel.get_project_output(
                name=args.project_name, opts=pulumi.InvokeOptions(parent=self)
            ).id

        entries = [(k, v, False) for k, v in args.variables.items()]
        entries += [(k, pulumi.Output.secret(v), True) for k, v in args.sensitive.items()]
        for key, value, sensitive in sorted(entries, key=lambda e: e[0]):
            vercel.ProjectEnvironmentVariable(
                f"{name}-{args.target.value}-{key.lower().replace('_', '-')}",
                project_id=project_id,
                key=key,
                value=value,
                targets=[args.target.value],
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
        VercelFrontendArgs(
            project_name=cfg.project_name,
            target=cfg.target,
            owns_project=cfg.owns_project,
            git_repository=cfg.git_repository,
            root_directory=cfg.root_directory,
            domain=cfg.domain,
            variables=variables,
        ),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )


def github_variables(frontend: VercelFrontend | None) -> dict[str, pulumi.Input[str]]:
    """The Vercel project id for the delivery workflows (none where Vercel is not managed)."""
    return {} if frontend is None else {"VERCEL_PROJECT_ID": frontend.project_id}
