"""The other platforms: `gcp` (GKE and its registry) and `vercel` (the frontend)."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from infra.config._base import _Model


class GkeMode(StrEnum):
    AUTOPILOT = "autopilot"
    STANDARD = "standard"


class AuthorizedNetwork(_Model):
    name: str = Field(min_length=1, max_length=64)
    cidr: ipaddress.IPv4Network

    @field_validator("cidr")
    @classmethod
    def _not_world(cls, cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if cidr.prefixlen < 8:
            raise ValueError(
                f"{cidr} opens the GKE control plane to (a large part of) the internet; "
                "list specific networks (/8 or narrower), never 0.0.0.0/0"
            )
        return cidr


class NodePoolConfig(_Model):
    machine_type: str = Field(pattern=r"^[a-z0-9]+-[a-z0-9-]+$")
    min_nodes: int = Field(ge=0, le=100)
    max_nodes: int = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _bounds(self) -> NodePoolConfig:
        if self.min_nodes > self.max_nodes:
            raise ValueError(
                f"minNodes ({self.min_nodes}) must not exceed maxNodes ({self.max_nodes})"
            )
        return self


class GcpConfig(_Model):
    enabled: bool
    project_id: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
    region: str = Field(default="us-central1", pattern=r"^[a-z]+-[a-z]+\d$")
    regional: bool = True
    mode: GkeMode = GkeMode.AUTOPILOT
    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = "REGULAR"
    subnet_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network("10.100.0.0/20")
    pods_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network("10.104.0.0/14")
    services_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network("10.108.0.0/20")
    master_cidr: ipaddress.IPv4Network = ipaddress.IPv4Network("172.16.0.0/28")
    authorized_networks: list[AuthorizedNetwork] = Field(default_factory=list)
    # CI reaches the control plane through the IAM-gated DNS endpoint (container.clusters.connect).
    dns_endpoint: bool = True
    deletion_protection: bool = True
    node_pool: NodePoolConfig | None = None
    registry_keep_recent: int = Field(default=20, ge=1, le=1000)
    registry_untagged_days: int = Field(default=7, ge=1, le=365)

    @model_validator(mode="after")
    def _shape(self) -> GcpConfig:
        if not self.enabled:
            return self
        if self.project_id is None:
            raise ValueError("enabled needs projectId")
        if self.master_cidr.prefixlen != 28:
            raise ValueError("masterCidr must be a /28 (GKE's control-plane range)")
        ranges = [self.subnet_cidr, self.pods_cidr, self.services_cidr, self.master_cidr]
        for i, a in enumerate(ranges):
            for b in ranges[i + 1 :]:
                if a.overlaps(b):
                    raise ValueError(f"GKE ranges {a} and {b} overlap")
        if not self.dns_endpoint and not self.authorized_networks:
            raise ValueError(
                "with dnsEndpoint false and no authorizedNetworks nothing outside the nodes "
                "reaches the GKE control plane (CI cannot roll workloads); keep dnsEndpoint: "
                "true or list authorizedNetworks"
            )
        if self.mode is GkeMode.AUTOPILOT and not self.regional:
            raise ValueError(
                "regional: false needs mode standard (Autopilot clusters are regional)"
            )
        if (self.mode is GkeMode.STANDARD) != (self.node_pool is not None):
            raise ValueError(
                "nodePool is required with mode standard and not allowed with autopilot"
            )
        return self


class VercelTarget(StrEnum):
    PRODUCTION = "production"
    PREVIEW = "preview"
    DEVELOPMENT = "development"


class VercelConfig(_Model):
    # false: this stack leaves Vercel alone (per-PR stacks, which share dev's config).
    manage: bool = True
    team: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")
    project_name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")
    target: VercelTarget
    owns_project: bool
    root_directory: str = "apps/web"
    domain: str | None = Field(
        default=None, max_length=253, pattern=r"^([a-z0-9-]+\.)+[a-z]{2,63}$"
    )
    git_repository: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

    @model_validator(mode="after")
    def _owner_only(self) -> VercelConfig:
        if not self.manage:
            # Leaves Vercel alone: per-PR stacks copy dev's config (which owns the
            # project) and set only manage: false; nothing else here applies to them.
            return self
        if not self.owns_project and self.git_repository is not None:
            raise ValueError("only the stack that owns the Vercel project sets gitRepository")
        if self.owns_project and self.git_repository is None:
            raise ValueError(
                "the stack that owns the Vercel project links it: gitRepository (owner/name)"
            )
        return self
