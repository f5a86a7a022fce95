"""`ProjectApis`: the Google Cloud APIs the stack's resources and its CI call, enabled
by the stack itself, so a new project needs no clicking before the first `up`.

A project refuses every call to an API that is not enabled (403 SERVICE_DISABLED).
Each API is one `gcp.projects.Service` with `disable_on_destroy=False`: destroying
the stack must not switch an API off for anything else in the project. Components
that call an API wait for `services` (their `depends_on`, which they hand to each
child). The Service Usage API itself, which enabling uses, is on in every new project.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.config import GcpConfig

# Each API, and what calls it.
STACK_APIS: dict[str, str] = {
    "cloudresourcemanager.googleapis.com": "project IAM bindings",
    "compute.googleapis.com": "VPC network, subnet, router, Cloud NAT",
    "container.googleapis.com": "the GKE cluster",
    "artifactregistry.googleapis.com": "the image registry",
    "cloudkms.googleapis.com": "the registry's encryption key",
    "binaryauthorization.googleapis.com": "the project's image admission policy",
    "iam.googleapis.com": "service accounts, workload identity pool and provider",
    "iamcredentials.googleapis.com": "CI impersonating its service accounts",
    "sts.googleapis.com": "CI exchanging GitHub tokens for Google ones",
}


@dataclass(frozen=True, kw_only=True)
class ProjectApisArgs:
    """What `ProjectApis` is built from: the `gcp` section, and the APIs to enable.

    - `settings`: the enabled `gcp` section; its `project_id` gets the APIs.
    - `apis`: service names (`<name>.googleapis.com`, each once); by default every
      API in `STACK_APIS`.

    Raises ValueError when the gcp section is not enabled with a project id, or for
    an API name that is not a unique `*.googleapis.com` name.
    """

    settings: GcpConfig
    apis: tuple[str, ...] = tuple(STACK_APIS)

    def __post_init__(self) -> None:
        if not self.settings.enabled or self.settings.project_id is None:
            raise ValueError("ProjectApisArgs: settings must be an enabled gcp section")
        odd = [a for a in self.apis if not a.endswith(".googleapis.com")]
        if odd or len(set(self.apis)) != len(self.apis):
            raise ValueError(f"ProjectApisArgs.apis: unique *.googleapis.com names, got {odd}")


class ProjectApis(pulumi.ComponentResource):
    services: list[gcp.projects.Service]

    def __init__(
        self, name: str, args: ProjectApisArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:gcp:ProjectApis", name, None, opts)
        self.services = [
            gcp.projects.Service(
                f"{name}-{api.removesuffix('.googleapis.com')}",
                project=args.settings.project_id,
                service=api,
                disable_on_destroy=False,
                disable_dependent_services=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for api in args.apis
        ]
        self.register_outputs({"services": [s.service for s in self.services]})


def build_if_enabled(
    name: str, cfg: GcpConfig, provider: gcp.Provider | None
) -> ProjectApis | None:
    """The stack's APIs, where the stack's config enables Google Cloud."""
    if not cfg.enabled or provider is None or cfg.project_id is None:
        return None
    return ProjectApis(
        name,
        ProjectApisArgs(settings=cfg),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )


def waiting_for(apis: ProjectApis | None, provider: gcp.Provider) -> pulumi.ResourceOptions:
    """Options for a GCP component: its provider, and (on a new project every call fails
    until its API is on) its APIs to wait for, which the component hands to each child."""
    return pulumi.ResourceOptions(
        providers=[provider], depends_on=list(apis.services) if apis else None
    )
