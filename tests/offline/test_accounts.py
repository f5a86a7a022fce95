"""One AWS account per environment: the stacks' accounts checked together (offline.ownership)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import ConfigError, StackConfig, parse
from offline.engine import STACKS, stack_config
from offline.ownership import Bootstrap, bootstraps, check_accounts, check_single_ownership


def _configs(**overrides: dict[str, Any]) -> dict[str, StackConfig]:
    return {s: parse("aevon", s, stack_config(s, overrides.get(s))[0]) for s in STACKS}


def test_each_stack_has_its_own_account_and_bootstrap() -> None:
    configs = _configs()
    assert len({c.aws_account_id for c in configs.values()}) == len(STACKS)
    assert {b.account for b in bootstraps()} == {c.aws_account_id for c in configs.values()}
    check_single_ownership(configs)


def test_an_unprotected_bootstrap_under_a_protected_stack_is_refused() -> None:
    """Protection switched off for the state bucket and key of protected stacks."""
    unprotected = [
        Bootstrap(b.stack, b.account, b.protect and b.stack != "prod") for b in bootstraps()
    ]
    with pytest.raises(ConfigError) as caught:
        check_accounts(_configs(), unprotected)
    assert str(caught.value) == (
        "AWS accounts of the stacks:\n  - account 777788889999 holds protected stack(s) prod, "
        "but its bootstrap stack 'prod' sets aevon-bootstrap:protect: false: the bucket and "
        "key holding a protected stack's state must be protected too"
    )


def test_an_account_without_a_bootstrap_is_refused() -> None:
    without_staging = [b for b in bootstraps() if b.stack != "staging"]
    with pytest.raises(ConfigError, match=r"account 444455556666 \(stacks 'staging'\) needs "
                       r"exactly one bootstrap stack .* has none"):  # fmt: skip
        check_accounts(_configs(), without_staging)


def test_an_account_whose_read_only_roles_nobody_owns_is_refused() -> None:
    configs = _configs(
        staging={"aevon:ci": {"githubOidcProvider": "lookup", "accountRoles": False}}
    )
    with pytest.raises(ConfigError, match=r"account 444455556666 \(stacks 'staging'\): no stack "
                       r"owns its read-only preview and drift roles"):  # fmt: skip
        check_accounts(configs)
