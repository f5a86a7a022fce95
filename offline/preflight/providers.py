"""Provider and API rules the AWS schemas don't carry, one table row each.

Each row names the resource types it applies to, what the real provider or API
would do with a bad value, and where that rule is written down. Rows are plain
functions of one registration (`per_resource`) or of the whole inventory
(`whole_inventory`); they live in one module per provider:

- `providers_aws`: terraform-provider-aws CustomizeDiff rules and SDK behaviour;
- `providers_github`, `providers_gcp`, `providers_vercel`: the provider and API
  rules of the GitHub, Google Cloud and Vercel types the program registers.
"""

from __future__ import annotations

from offline.preflight import (
    Check,
    providers_aws,
    providers_gcp,
    providers_github,
    providers_vercel,
)
from offline.preflight.table import per_resource, whole_inventory

__all__ = ["CHECKS", "per_resource", "whole_inventory"]

CHECKS: list[Check] = [
    *providers_aws.CHECKS,
    *providers_github.CHECKS,
    *providers_gcp.CHECKS,
    *providers_vercel.CHECKS,
]
