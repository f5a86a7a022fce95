"""Delivery order: whose first `pulumi up` comes before whose.

The one source is each stack file's `aevon:promotesFrom` (validated in
`infra/config/stack.py`): staging promotes from dev, prod from staging, and a stack
without it deploys first. `bootstrap/` (its own project, one stack per AWS account,
`bootstrap/Pulumi.<name>.yaml` naming the account in `aws:allowedAccountIds`) comes
before every stack. A stack's first `up` can rely on what its *ancestors* deployed —
its own account's bootstrap, then the chain of `promotesFrom` — and on nothing else:
two stacks that promote from the same one (or a per-PR stack, which copies dev's
config and so deploys right after bootstrap) have no order between them.

    deployments = stack_deployments()          # one per Pulumi.<stack>.yaml
    ordered = delivery_order(deployments)      # [bootstrap/dev, bootstrap/prod, ..., dev, ...]
    ancestors(ordered, "prod")                 # [bootstrap/prod, dev, staging]

Bad input raises `DeliveryOrderError` (a `promotesFrom` naming no stack, a cycle)
or `infra.config.ConfigError` (a stack file that does not validate).
"""

from __future__ import annotations

import dataclasses
import graphlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config import parse
from offline.engine import ACCOUNT_ID, ROOT, project_file, stack_config, stack_file, stack_names


class DeliveryOrderError(ValueError):
    """The stacks' `promotesFrom` keys do not form an order; one message, exit code 2."""


@dataclass(frozen=True)
class Deployment:
    """One first `pulumi up`: which project and stack, with which config, in which account."""

    label: str  # how reports name it: "bootstrap", "dev", "pr-42"
    stack: str  # the Pulumi stack name the program sees
    project_dir: Path = ROOT
    config_from: str | None = None  # the stack file to read (a per-PR stack copies dev's)
    overrides: Mapping[str, Any] | None = None  # config set on top (`pulumi config set`)
    promotes_from: str | None = None  # the label of the deployment before it
    account: str = ACCOUNT_ID  # the AWS account its credentials reach
    bootstrap: bool = False  # an account's bootstrap, before every stack in that account


BOOTSTRAP_DIR = ROOT / "bootstrap"


def bootstrap_deployments(directory: Path = BOOTSTRAP_DIR) -> list[Deployment]:
    """One per `bootstrap/Pulumi.<name>.yaml`, labelled `bootstrap/<name>`, in the account
    its `aws:allowedAccountIds` names."""
    found = []
    for path in sorted(directory.glob("Pulumi.*.yaml")):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        config = stack_file(stack, directory).get("config") or {}
        account = str((config.get("aws:allowedAccountIds") or [ACCOUNT_ID])[0])
        found.append(
            Deployment(f"bootstrap/{stack}", stack, directory, account=account, bootstrap=True)
        )
    return found


def stack_deployment(
    stack: str,
    project_dir: Path = ROOT,
    config_from: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Deployment:
    """A stack of the aevon project, its `promotesFrom` read from its validated config.

    Raises `ConfigError` if the stack's config does not validate.
    """
    raw, secret_keys = stack_config(config_from or stack, overrides, project_dir)
    config = parse(project_file(project_dir)["name"], stack, raw, secret_keys)
    return Deployment(
        stack,
        stack,
        project_dir,
        config_from,
        overrides,
        promotes_from=config.promotes_from,
        account=config.aws_account_id,
    )


def stack_deployments(project_dir: Path = ROOT) -> list[Deployment]:
    """Every stack with a stack file in `project_dir`."""
    return [stack_deployment(s, project_dir) for s in stack_names(project_dir)]


def delivery_order(
    stacks: Sequence[Deployment], bootstrap: Deployment | Sequence[Deployment] | None = None
) -> list[Deployment]:
    """The bootstraps (default: every `bootstrap/` stack), then the stacks so that each
    comes after the one it promotes from.

    Stacks with no order between them keep alphabetical order. Raises
    `DeliveryOrderError` naming the stack, the key and the value for a
    `promotesFrom` that names no stack, and the cycle for stacks that promote
    from each other.
    """
    by_label = {d.label: d for d in stacks}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for d in sorted(stacks, key=lambda d: d.label):
        if d.promotes_from is not None and d.promotes_from not in by_label:
            raise DeliveryOrderError(
                f"stack '{d.label}': aevon:promotesFrom = '{d.promotes_from}' names no stack; "
                f"stacks: {', '.join(sorted(by_label))}"
            )
        sorter.add(d.label, *([d.promotes_from] if d.promotes_from else []))
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])  # each one is promoted to the next
        raise DeliveryOrderError(
            f"stacks promote from each other in a cycle: {cycle} (by their aevon:promotesFrom); "
            "the chain must start at a stack without promotesFrom"
        ) from None
    if bootstrap is None:
        bootstrap = bootstrap_deployments()
    boots = [bootstrap] if isinstance(bootstrap, Deployment) else list(bootstrap)
    ordered = [dataclasses.replace(b, bootstrap=True) for b in boots]
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        ordered += [by_label[label] for label in ready]
        sorter.done(*ready)
    return ordered


def stacks_in_delivery_order(project_dir: Path = ROOT) -> list[str]:
    """Every stack with a stack file, in delivery order (dev, staging, prod; stacks with no
    order between them by name). Raises what `stack_deployments` and `delivery_order` raise."""
    return [d.label for d in delivery_order(stack_deployments(project_dir)) if not d.bootstrap]


def ancestors(ordered: Sequence[Deployment], label: str) -> list[Deployment]:
    """The deployments whose first `up` is certain to precede `label`'s, in order: every
    account's bootstrap, then its `promotesFrom` chain (a bootstrap has none)."""
    by_label = {d.label: d for d in ordered}
    target = by_label[label]
    if target.bootstrap:
        return []
    chain: list[Deployment] = []
    previous = target.promotes_from
    while previous is not None:
        chain.insert(0, by_label[previous])
        previous = by_label[previous].promotes_from
    # Every account's bootstrap runs before any stack (README, "First run": step 2 for each
    # account, then the stacks): a stack may rely on another account's, such as the
    # registry replicating its images into this account.
    boots = [d for d in ordered if d.bootstrap]
    return [*boots, *chain]
