"""Preflight: what the real providers and clouds would refuse, found before any cloud API is called.

The mock engine accepts every value; the providers and the clouds do not. Each
`Check` here encodes rules a real `pulumi up` enforces, each with its source
(the AWS resource schemas cfn-lint ships, parliament's IAM data, a provider's
source file, an issue, or a vendor's documentation page), and is run over the
whole recorded inventory of a stack:

    findings = preflight.run(inventory)      # [Finding(rule, severity, urn, message, source)]

`error` findings are what would fail a deploy (or leave it quietly broken);
`warning` findings are shown but do not fail. Every check has a fixture in
`tests/offline/` that trips it. The checks live in one module per source:

- `aws_schema`: AWS property constraints from the CloudFormation resource schemas;
- `aws_rules`: AWS rules across resources (pinned engine versions owned, stateful
  resources of protected stacks protected);
- `iam`: every policy document linted, and every action the program needs granted;
- `providers`: the provider and API rules the schemas don't carry (AWS, GitHub,
  Google Cloud, Vercel), one table row each;
- `cloud_managed`: values the cloud changes by itself, each owned or ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from offline.engine import Inventory

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One thing the real provider or cloud would refuse (or quietly mishandle)."""

    rule: str
    severity: Severity
    urn: str  # the resource (or, for a lookup, the invoke token) it is about
    message: str  # what is wrong, the value, and what is allowed
    source: str  # where the rule comes from


@dataclass(frozen=True)
class Check:
    """A rule of a real provider or cloud, checked over a whole inventory."""

    id: str
    title: str
    source: str
    run: Callable[[Inventory], Iterable[tuple[str, str]]]  # -> (urn, message) per violation
    severity: Severity = "error"

    def findings(self, inventory: Inventory) -> list[Finding]:
        return [
            Finding(self.id, self.severity, urn, message, self.source)
            for urn, message in self.run(inventory)
        ]


def checks() -> list[Check]:
    """Every check, from every source module."""
    from offline.preflight import (  # noqa: PLC0415 - modules import this one
        aws_rules,
        aws_schema,
        cloud_managed,
        iam,
        providers,
    )

    return [
        *aws_schema.CHECKS,
        *aws_rules.CHECKS,
        *iam.CHECKS,
        *providers.CHECKS,
        *cloud_managed.CHECKS,
    ]


def run(inventory: Inventory) -> list[Finding]:
    """Every finding of every check over the inventory, errors first, then by rule and URN."""
    found = [f for check in checks() for f in check.findings(inventory)]
    return sorted(found, key=lambda f: (f.severity != "error", f.rule, f.urn, f.message))


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]
