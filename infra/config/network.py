"""`network`: the VPC's address block, AZ count, NAT strategy and flow logs."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from infra.config._base import RetentionDays, _Model


class NatStrategy(StrEnum):
    """How private subnets reach the internet."""

    NONE = "none"  # no NAT gateway: private subnets have no default route
    SINGLE = "single"  # one NAT gateway in the first AZ, shared (cheap, one AZ of failure)
    PER_AZ = "per_az"  # one NAT gateway per AZ (highly available)


class FlowLogsConfig(_Model):
    """`network.flowLogs`: `retentionDays` (days, a CloudWatch Logs period; default 30)."""

    retention_days: RetentionDays = 30


class NetworkConfig(_Model):
    """`network`: the VPC.

    `cidr`: an RFC 1918 IPv4 block, /16 (AWS's largest) to /20 (the smallest that
    fits 6 AZs of 3 tiers); `azCount`: 2-6 availability zones; `nat`: none, single
    or per_az; `flowLogs`.
    """

    cidr: ipaddress.IPv4Network
    az_count: int = Field(ge=2, le=6)
    nat: NatStrategy
    flow_logs: FlowLogsConfig = FlowLogsConfig()

    @field_validator("cidr", mode="before")
    @classmethod
    def _strict_cidr(cls, value: Any) -> Any:
        # ipaddress would silently accept a bare address as a /32; demand CIDR notation,
        # and say why a value is not a network rather than pydantic's generic text.
        if not isinstance(value, str) or "/" not in value:
            raise ValueError("must be a CIDR block such as 10.10.0.0/16")
        try:
            return ipaddress.IPv4Network(value)
        except ValueError as exc:
            raise ValueError(f"is not a valid IPv4 CIDR block ({exc})") from None

    @field_validator("cidr")
    @classmethod
    def _sized_private_cidr(cls, cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if not 16 <= cidr.prefixlen <= 20:
            raise ValueError(
                "must have a prefix length between /16 and /20 "
                "(AWS allows /16 at most; /20 is the smallest that fits 6 AZs of 3 tiers)"
            )
        if not cidr.is_private:
            raise ValueError("must be a private (RFC 1918) range such as 10.0.0.0/8")
        return cidr
