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

from infra.config import TlsConfig, VercelConfig

VERCEL_CNAME_TARGET = "cname.vercel-dns.com"
VERCEL_APEX_ADDRESS = "76.76.21.21"
TTL_SECONDS = 300


def in_zone(domain: str, zone: str) -> bool:
    """Whether `domain` is the DNS zone `zone` or a name below it."""
    return domain == zone or domain.endswith(f".{zone}")


@dataclass(frozen=True, kw_only=True)
class VercelDomainRecordArgs:
    """What the `VercelDomainRecord` is built from: the `vercel` and `compute.tls` sections.

    - `settings`: the `vercel` section; its `domain` (a DNS name) gets the record.
    - `tls`: the load balancer's `compute.tls`; its `zone_name` is the public Route 53
      zone the stack already manages, which must hold the domain.

    Raises ValueError ("VercelDomainRecordArgs: ...") when there is no domain or zone,
    or the domain is not in the zone.
    """

    settings: VercelConfig
    tls: TlsConfig

    def __post_init__(self) -> None:
        domain, zone = self.settings.domain, self.tls.zone_name
        if domain is None or zone is None or not in_zone(domain, zone):
            raise ValueError(f"VercelDomainRecordArgs: domain {domain} is not in zone {zone}")

    @property
    def domain(self) -> str:
        return str(self.settings.domain)

    @property
    def zone_name(self) -> str:
        return str(self.tls.zone_name)

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
    name: str, vercel: VercelConfig, tls: TlsConfig | None, opts: pulumi.ResourceOptions
) -> VercelDomainRecord | None:
    """The record for the stack's Vercel domain (`vercel.domain`), where the stack manages
    Vercel and the domain lies in its zone (`compute.tls.zoneName`); None otherwise."""
    domain = vercel.domain
    if not vercel.manage or domain is None or tls is None or tls.zone_name is None:
        return None
    if not in_zone(domain, tls.zone_name):
        return None
    return VercelDomainRecord(name, VercelDomainRecordArgs(settings=vercel, tls=tls), opts=opts)
