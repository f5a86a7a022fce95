"""`VercelDomainRecord`: the Route 53 record a Vercel custom domain needs, where the
domain lies in the zone the stack already manages (`compute.tls.zoneName`).

Vercel serves a subdomain through a CNAME to `cname.vercel-dns.com` and an apex
domain through an A record to `76.76.21.21` (Vercel Docs "Adding & configuring a
custom domain"). Without the record Vercel can neither verify nor serve the domain.
A domain outside the stack's zone is configured where its DNS lives.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.config import StackConfig

VERCEL_CNAME_TARGET = "cname.vercel-dns.com"
VERCEL_APEX_ADDRESS = "76.76.21.21"
TTL_SECONDS = 300


def in_zone(domain: str, zone: str) -> bool:
    return domain == zone or domain.endswith(f".{zone}")


@dataclass(frozen=True, kw_only=True)
class VercelDomainRecordArgs:
    zone_name: str
    domain: str

    def __post_init__(self) -> None:
        if not in_zone(self.domain, self.zone_name):
            raise ValueError(
                f"VercelDomainRecordArgs: {self.domain} is not in zone {self.zone_name}"
            )

    @property
    def apex(self) -> bool:
        return self.domain == self.zone_name


class VercelDomainRecord(pulumi.ComponentResource):
    fqdn: pulumi.Output[str]

    def __init__(
        self, name: str, args: VercelDomainRecordArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:dns:VercelDomainRecord", name, None, opts)
        zone = aws.route53.get_zone_output(
            name=args.zone_name, private_zone=False, opts=pulumi.InvokeOptions(parent=self)
        )
        record = aws.route53.Record(
            f"{name}-record",
            zone_id=zone.zone_id,
            name=args.domain,
            type="A" if args.apex else "CNAME",
            ttl=TTL_SECONDS,
            records=[VERCEL_APEX_ADDRESS if args.apex else VERCEL_CNAME_TARGET],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.fqdn = record.fqdn
        self.register_outputs({"fqdn": self.fqdn})


def build_if_in_zone(
    name: str, cfg: StackConfig, opts: pulumi.ResourceOptions
) -> VercelDomainRecord | None:
    """The record for the stack's Vercel domain, where it lies in the stack's zone."""
    domain, tls = cfg.vercel.domain, cfg.compute.tls
    if not cfg.vercel.manage or domain is None or tls is None or tls.zone_name is None:
        return None
    if not in_zone(domain, tls.zone_name):
        return None
    return VercelDomainRecord(
        name, VercelDomainRecordArgs(zone_name=tls.zone_name, domain=domain), opts=opts
    )
