"""`security`: the baseline that varies by stack: the web application firewall in front of
the load balancer, where its access logs go, and AWS Backup of the database.

The rules that span sections (a protected stack has the firewall and the backup
plan; a backup vault needs the stack's key) are `StackConfig`'s.
"""

from __future__ import annotations

from pydantic import Field

from infra.aws.limits import BACKUP_RETENTION_DAYS, WAF_RATE_LIMIT
from infra.config._base import _Model


class WafConfig(_Model):
    """`security.waf`: an AWS WAF web ACL on the public load balancer.

    `enabled`; `rateLimit`: requests one client IP may send in 5 minutes before it is
    blocked (AWS WAF's rate-based rule: 10 to 2,000,000,000).
    """

    enabled: bool
    rate_limit: int = Field(default=2000, ge=WAF_RATE_LIMIT[0], le=WAF_RATE_LIMIT[1])


class AccessLogsConfig(_Model):
    """`security.accessLogs`: the load balancer's access logs. `expireDays`: days (1-3650)
    a log object is kept before the bucket's lifecycle rule deletes it."""

    expire_days: int = Field(default=90, ge=1, le=3650)


class BackupConfig(_Model):
    """`security.backup`: a daily AWS Backup of the database into a vault encrypted with the
    stack's key. `retentionDays`: days (1-36,500) each recovery point is kept."""

    enabled: bool
    retention_days: int = Field(
        default=35, ge=BACKUP_RETENTION_DAYS[0], le=BACKUP_RETENTION_DAYS[1]
    )


class SecurityConfig(_Model):
    """`security`: `waf`, `accessLogs` and `backup` (see each)."""

    waf: WafConfig
    access_logs: AccessLogsConfig = AccessLogsConfig()
    backup: BackupConfig
