"""Objects that exist once per account, repository or Vercel team: exactly one stack may own each.

A repository's objects are keyed by the repository (`github-environment:<owner>/<repo>:<env>`,
`github-rulesets:<owner>/<repo>`, `github-security-settings:<owner>/<repo>`), so two stacks
that name the same environment, or both own a repository's settings, clash.

Not part of the program (no stack can see the others' config): the tests run it
over every stack file in `offline.engine.STACKS`, which a new environment joins
before its first `pulumi up` (README, "Adding an environment"). A stack may also
read a shared object (`reads`) only if a stack deployed before it owns it.
"""

from __future__ import annotations

from collections.abc import Mapping

from infra.config import (
    PROJECT_NAMESPACE,
    ConfigError,
    OidcProviderMode,
    RepositoryKind,
    StackConfig,
)


def ownership(cfg: StackConfig) -> dict[str, str]:
    """The shared objects this stack manages, by a key that is the same in every stack.

    Per governed repository (`github.repositories`): this stack's environment in it (and
    the infra repository's approval environment), and, where the stack owns them, the
    repository's rulesets and security settings. A stack that leaves GitHub alone
    (`github.manage: false`, per-PR stacks) claims no GitHub object at all.
    """
    github = cfg.github
    vercel = f"{cfg.vercel.team}/{cfg.vercel.project_name}"
    owned: dict[str, str] = {}
    for index, repository in enumerate(github.repositories if github.manage else []):
        repo = f"{github.owner}/{repository.name}"
        entry = f"github.repositories[{index}]"
        owned[f"github-environment:{repo}:{github.environment.name}"] = "github.environment"
        if github.approval_environment is not None and repository.kind is RepositoryKind.INFRA:
            owned[f"github-environment:{repo}:{github.approval_environment.name}"] = (
                "github.approvalEnvironment"
            )
        if repository.owns_settings:
            owned[f"github-rulesets:{repo}"] = f"{entry}.ownsSettings"
            owned[f"github-security-settings:{repo}"] = f"{entry}.ownsSettings"
    if cfg.vercel.manage:
        owned[f"vercel-target:{vercel}:{cfg.vercel.target.value}"] = "vercel.target"
    if cfg.vercel.manage and cfg.vercel.owns_project:
        owned[f"vercel-project:{vercel}"] = "vercel.ownsProject"
    if cfg.vercel.manage and cfg.vercel.domain is not None:
        owned[f"vercel-domain:{cfg.vercel.domain}"] = "vercel.domain"
    if cfg.ci.github_oidc_provider is OidcProviderMode.CREATE:
        owned["aws-github-oidc-provider"] = "ci.githubOidcProvider"
    if cfg.ci.account_roles:
        owned["aws-ci-read-only-roles"] = "ci.accountRoles"
    return owned


def reads(cfg: StackConfig) -> dict[str, str]:
    """The shared objects this stack looks up but does not own, keyed as in `ownership`."""
    vercel = f"{cfg.vercel.team}/{cfg.vercel.project_name}"
    if cfg.vercel.manage and not cfg.vercel.owns_project:
        return {f"vercel-project:{vercel}": "vercel.projectName"}
    return {}


def _promoted_from(stack: str, configs: Mapping[str, StackConfig]) -> list[str]:
    """The stacks whose first `up` precedes `stack`'s: its `promotesFrom` chain, nearest
    first (the delivery order `offline.delivery` models; unknown names and cycles end it)."""
    chain: list[str] = []
    earlier = configs[stack].promotes_from
    while earlier is not None and earlier in configs and earlier not in [*chain, stack]:
        chain.append(earlier)
        earlier = configs[earlier].promotes_from
    return chain


def check_single_ownership(configs: Mapping[str, StackConfig]) -> None:
    """Raise one ConfigError if two stacks claim the same shared object, or if a stack
    reads a shared object that no stack deployed before it owns.

    "Deployed before" follows `aevon:promotesFrom` (staging after dev, prod after
    staging), so a stack's first `up` finds every object it looks up.
    """
    owners: dict[str, list[tuple[str, str]]] = {}
    for stack, cfg in configs.items():
        for key, config_key in ownership(cfg).items():
            owners.setdefault(key, []).append((stack, config_key))
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    if clashes:
        lines = ["stacks claim the same shared object (exactly one may own it):"]
        for key, claims in sorted(clashes.items()):
            who = ", ".join(f"stack '{s}' ({PROJECT_NAMESPACE}:{k})" for s, k in claims)
            lines.append(f"  - {key}: {who}")
        raise ConfigError("\n".join(lines))
    for stack, cfg in configs.items():
        before = _promoted_from(stack, configs)
        for key, config_key in reads(cfg).items():
            if not any(s in before for s, _ in owners.get(key, [])):
                owner = ", ".join(f"stack '{s}'" for s, _ in owners.get(key, [])) or "no stack"
                chain = ", ".join(reversed(before)) or "none"
                raise ConfigError(
                    f"stack '{stack}' ({PROJECT_NAMESPACE}:{config_key}) looks up {key}, which "
                    f"{owner} creates, not a stack deployed before it (stacks before "
                    f"'{stack}' by {PROJECT_NAMESPACE}:promotesFrom: {chain}); the "
                    "first-deployed stack must own it"
                )
