"""`network`: the VPC's address block, AZ count, NAT strategy and flow logs."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator, model_validator

from infra.config._base import RetentionDays, _Model


class NatStrategy(StrEnum):
    """How private subnets reach the internet."""

    NONE = "none"  # no NAT gateway: private subnets have no default route
    SINGLE = "single"  # one NAT gateway in the first AZ, shared (cheap, one AZ of failure)
    PER_AZ = "per_az"  # one NAT gateway per AZ (highly available)
    # One NAT instance in the first AZ, kept alive by an Auto Scaling group of one
    # (the cheapest egress: ~$7/month against a gateway's ~$36; `infra.aws.nat_instance`).
    INSTANCE = "instance"


# An AWS Graviton (arm64) instance type: a family with the `g` processor letter, such
# as t4g, c7g or m6gd (EC2 User Guide, "Amazon EC2 instance type naming conventions").
# The NAT instance boots the arm64 Amazon Linux 2023 image.
_GRAVITON_TYPE = re.compile(r"^[a-z]+\d+g[a-z]*\.[a-z0-9]+$")


class FlowLogsConfig(_Model):
    """`network.flowLogs`: `retentionDays` (days, a CloudWatch Logs period; default 30)."""

    retention_days: RetentionDays = 30


class NetworkConfig(_Model):
    """`network`: the VPC.

    `cidr`: an RFC 1918 IPv4 block, /16 (AWS's largest) to /20 (the smallest that
    fits 6 AZs of 3 tiers); `azCount`: 2-6 availability zones; `nat`: none, single,
    per_az or instance; `natInstanceType`: the NAT instance's Graviton type (default
    t4g.nano; only with `nat: instance`); `flowLogs`.
    """

    cidr: ipaddress.IPv4Network
    az_count: int = Field(ge=2, le=6)
    nat: NatStrategy
    nat_instance_type: str | None = None
    flow_logs: FlowLogsConfig = FlowLogsConfig()

    @field_validator("nat_instance_type")
    @classmethod
    def _graviton(cls, value: str | None) -> str | None:
        if value is not None and not _GRAVITON_TYPE.match(value):
            raise ValueError(
                "must be a Graviton (arm64) instance type such as t4g.nano or c7g.medium: "
                "the NAT instance boots the arm64 Amazon Linux 2023 image"
            )
        return value

    @model_validator(mode="after")
    def _instance_type_only_for_an_instance(self) -> NetworkConfig:
        if self.nat_instance_type is not None and self.nat is not NatStrategy.INSTANCE:
            raise ValueError(
                f"natInstanceType = {self.nat_instance_type!r} is set but nat is "
                f"{self.nat.value!r}: the type applies only with nat: instance"
            )
        return self

    @property
    def nat_instance(self) -> str:
        """The NAT instance's type (`nat: instance`): `natInstanceType`, default t4g.nano,
        the smallest Graviton type (2 vCPU burstable, 0.5 GiB)."""
        return self.nat_instance_type or "t4g.nano"

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
