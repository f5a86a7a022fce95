"""`compute`: the ECS cluster's capacity, the services' sizes, the image tag and TLS."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from infra.aws.limits import FARGATE_MEMORY
from infra.blueprint import Service
from infra.config._base import _Model


class ServiceConfig(_Model):
    """`compute.services.<service>`: `cpu` in CPU units (1024 = 1 vCPU) and `memory` in
    MiB, a pair Fargate offers (`infra.aws.limits.FARGATE_MEMORY`); `desired`, `min`,
    `max` task counts (0-100, min <= desired <= max)."""

    cpu: int
    memory: int
    desired: int = Field(ge=0, le=100)
    min: int = Field(ge=0, le=100)
    max: int = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _sizes(self) -> ServiceConfig:
        if self.cpu not in FARGATE_MEMORY:
            raise ValueError(
                f"cpu {self.cpu} is not a Fargate size; use one of "
                + ", ".join(str(c) for c in FARGATE_MEMORY)
            )
        if self.memory not in FARGATE_MEMORY[self.cpu]:
            offered = FARGATE_MEMORY[self.cpu]
            raise ValueError(
                f"Fargate does not offer cpu {self.cpu} with memory {self.memory}; with cpu "
                f"{self.cpu} memory must be one of {offered[0]}..{offered[-1]} "
                f"({', '.join(str(m) for m in offered)})"
            )
        if not self.min <= self.desired <= self.max:
            raise ValueError(
                f"need min <= desired <= max, got min {self.min}, desired {self.desired}, "
                f"max {self.max}"
            )
        return self


class ImageTagSource(StrEnum):
    SSM = "ssm"  # the deploy workflow writes the tag to an SSM parameter; up reads it
    CONFIG = "config"  # pinned in the stack file (per-PR stacks, emergency pins)


_GIT_SHA = re.compile(r"^[0-9a-f]{7,40}$")


_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class TlsConfig(_Model):
    """HTTPS on the load balancer: an existing ACM certificate, or a host name in a
    Route 53 zone of the account for which the stack issues and validates one."""

    certificate_arn: str | None = None
    zone_name: str | None = None
    host_name: str | None = None

    @field_validator("certificate_arn")
    @classmethod
    def _certificate(cls, arn: str | None) -> str | None:
        if arn is not None and not re.match(
            r"^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[\w-]+$", arn
        ):
            raise ValueError(
                "must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)"
            )
        return arn

    @field_validator("zone_name", "host_name")
    @classmethod
    def _host(cls, name: str | None) -> str | None:
        if name is not None and not _HOST.match(name):
            raise ValueError("must be a lowercase DNS name such as api.example.com")
        return name

    @model_validator(mode="after")
    def _one_source(self) -> TlsConfig:
        issue = self.zone_name is not None or self.host_name is not None
        if (self.certificate_arn is not None) == issue:
            raise ValueError("give exactly one of certificateArn, or zoneName with hostName")
        if self.zone_name is None or self.host_name is None:
            if issue:
                raise ValueError("zoneName and hostName go together")
        elif self.host_name != self.zone_name and not self.host_name.endswith(f".{self.zone_name}"):
            raise ValueError(f"hostName {self.host_name} is not inside zoneName {self.zone_name}")
        return self


class ComputeConfig(_Model):
    """`compute`: the ECS cluster, the services' sizes, their image tag and HTTPS.

    `containerInsights`; `spotWeight`/`onDemandWeight` 0-10 (not both 0) and
    `onDemandBase` 0-100 tasks (needs an on-demand weight); `waitForSteadyState`;
    `imageTagSource` ssm or config (then `imageTag`, a git SHA); `tls`, or
    `allowPlainHttp: true`; `services`: a size for every service of the blueprint.
    """

    container_insights: bool
    # FARGATE_SPOT share: 0 = on-demand only; with onDemandBase tasks always on-demand.
    spot_weight: int = Field(ge=0, le=10)
    on_demand_weight: int = Field(ge=0, le=10)
    on_demand_base: int = Field(default=0, ge=0, le=100)
    wait_for_steady_state: bool
    image_tag_source: ImageTagSource
    image_tag: str | None = None
    tls: TlsConfig | None = None
    allow_plain_http: bool = False
    services: dict[Service, ServiceConfig]

    @model_validator(mode="after")
    def _rules(self) -> ComputeConfig:
        missing = [s.value for s in Service if s not in self.services]
        if missing:
            raise ValueError(
                f"services needs an entry for every service; missing: {', '.join(missing)}"
            )
        if self.spot_weight + self.on_demand_weight == 0:
            raise ValueError("spotWeight and onDemandWeight cannot both be 0")
        if self.on_demand_base and not self.on_demand_weight:
            raise ValueError(
                f"onDemandBase {self.on_demand_base} needs onDemandWeight > 0 (the base tasks "
                "run on FARGATE, which a weight of 0 leaves out of the strategy)"
            )
        if self.tls is None and not self.allow_plain_http:
            raise ValueError(
                "no tls: the load balancer would serve plain HTTP; configure tls, or set "
                "allowPlainHttp: true where plain HTTP is acceptable (never in prod)"
            )
        if self.tls is not None and self.allow_plain_http:
            raise ValueError("only one of tls or allowPlainHttp: true")
        if self.image_tag_source is ImageTagSource.CONFIG:
            if self.image_tag is None or not _GIT_SHA.match(self.image_tag):
                raise ValueError(
                    "imageTagSource 'config' needs imageTag: a git commit SHA (7-40 hex)"
                )
        elif self.image_tag is not None:
            raise ValueError("imageTag applies only with imageTagSource 'config'")
        return self
