"""Objects that exist once per account, repository or Vercel team: exactly one stack may own each.

A repository's objects are keyed by the repository (`github-environment:<owner>/<repo>:<env>`,
`github-rulesets:<owner>/<repo>`, `github-security-settings:<owner>/<repo>`), so two stacks
that name the same environment, or both own a repository's settings, clash.

Not part of the program (no stack can see the others' config): the tests and
`aevon plan --first-deploy` run it over every stack file (`offline.engine.STACKS`,
discovered from `Pulumi.*.yaml`), so a new environment is checked as soon as its
file exists (README, "Adding an environment"). A stack may also read a shared object
(`reads`) only if a stack deployed before it owns it.

The AWS accounts (`check_accounts`): every stack names its one account
(`aws:allowedAccountIds`); each account has exactly one stack that owns its read-only
CI roles, holds protected stacks only or unprotected ones only (prod alone in its
own account; per-PR stacks in dev's), and has a bootstrap stack (`bootstrap/`, same
account id) whose state bucket and key are protected where its stacks are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from infra.config import (
    PROJECT_NAMESPACE,
    ConfigError,
    OidcProviderMode,
    RepositoryKind,
    StackConfig,
)
from offline.engine import ROOT, stack_file

BOOTSTRAP_DIR = ROOT / "bootstrap"
BOOTSTRAP_NAMESPACE = "aevon-bootstrap"


@dataclass(frozen=True)
class Bootstrap:
    """One bootstrap stack: the account it is for and whether it protects bucket and key."""

    stack: str
    account: str
    protect: bool


def bootstraps(directory: Path = BOOTSTRAP_DIR) -> list[Bootstrap]:
    """Every `bootstrap/Pulumi.<stack>.yaml`, with its `aws:allowedAccountIds` and `protect`."""
    found = []
    for path in sorted(directory.glob("Pulumi.*.yaml")):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        config = stack_file(stack, directory).get("config") or {}
        accounts = config.get("aws:allowedAccountIds") or [""]
        protect = config.get(f"{BOOTSTRAP_NAMESPACE}:protect", True) is not False
        found.append(Bootstrap(stack, str(accounts[0]), protect))
    return found


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
    account = cfg.aws_account_id
    if cfg.ci.github_oidc_provider is OidcProviderMode.CREATE:
        owned[f"aws-github-oidc-provider:{account}"] = "ci.githubOidcProvider"
    if cfg.ci.account_roles:
        owned[f"aws-ci-read-only-roles:{account}"] = "ci.accountRoles"
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


def check_accounts(
    configs: Mapping[str, StackConfig], bootstrap_stacks: list[Bootstrap] | None = None
) -> None:
    """Raise one ConfigError naming the account and its stacks when an account has no
    owner of its read-only CI roles, mixes protected and unprotected stacks, or has no
    bootstrap stack (or one that leaves bucket and key unprotected under protected stacks).

    Two owners of one account's roles are a clash of `check_single_ownership`.
    """
    bootstrap_stacks = bootstraps() if bootstrap_stacks is None else bootstrap_stacks
    by_account: dict[str, list[str]] = {}
    for stack, cfg in sorted(configs.items()):
        by_account.setdefault(cfg.aws_account_id, []).append(stack)
    problems: list[str] = []
    for account, stacks in sorted(by_account.items()):
        names = ", ".join(f"'{s}'" for s in stacks)
        if not any(configs[s].ci.account_roles for s in stacks):
            problems.append(
                f"account {account} (stacks {names}): no stack owns its read-only preview and "
                f"drift roles; set {PROJECT_NAMESPACE}:ci.accountRoles: true in exactly one"
            )
        protected = [s for s in stacks if configs[s].protect_stateful_resources]
        standard = [s for s in stacks if s not in protected]
        if protected and standard:
            problems.append(
                f"account {account} (aws:allowedAccountIds) holds protected stack(s) "
                f"{', '.join(protected)} and unprotected stack(s) {', '.join(standard)} "
                f"({PROJECT_NAMESPACE}:protectStatefulResources): a protected stack gets an "
                "account of its own (one account per environment; per-PR stacks in dev's)"
            )
        mine = [b for b in bootstrap_stacks if b.account == account]
        if len(mine) != 1:
            have = ", ".join(f"'{b.stack}'" for b in mine) or "none"
            problems.append(
                f"account {account} (stacks {names}) needs exactly one bootstrap stack "
                f'(bootstrap/Pulumi.<name>.yaml with aws:allowedAccountIds: ["{account}"]), '
                f"has {have}: its state bucket, secrets key and OIDC providers come from there"
            )
        elif protected and not mine[0].protect:
            problems.append(
                f"account {account} holds protected stack(s) {', '.join(protected)}, but its "
                f"bootstrap stack '{mine[0].stack}' sets {BOOTSTRAP_NAMESPACE}:protect: false: "
                "the bucket and key holding a protected stack's state must be protected too"
            )
    if problems:
        raise ConfigError("AWS accounts of the stacks:\n" + "\n".join(f"  - {p}" for p in problems))


def check_single_ownership(
    configs: Mapping[str, StackConfig], bootstrap_stacks: list[Bootstrap] | None = None
) -> None:
    """Raise one ConfigError if two stacks claim the same shared object, if a stack
    reads a shared object that no stack deployed before it owns, or if the stacks'
    AWS accounts do not fit (`check_accounts`).

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
    check_accounts(configs, bootstrap_stacks)
