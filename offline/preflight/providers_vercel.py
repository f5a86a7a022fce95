"""Vercel provider and API rules for the Vercel types the program registers
(vercel/terraform-provider-vercel, which pulumiverse-vercel wraps), and the AWS side
of what the Vercel project is wired to."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from offline.engine import Inventory, Registration
from offline.preflight import Check
from offline.preflight.table import per_resource, whole_inventory

VARIABLE = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
DOMAIN = "vercel:index/projectDomain:ProjectDomain"
RECORD = "aws:route53/record:Record"
ZONE = "aws:route53/zone:Zone"
GET_ZONE = "aws:route53/getZone:getZone"
STAGE = "aws:apigatewayv2/stage:Stage"
ROUTE = "aws:apigatewayv2/route:Route"
AUTHORIZER = "aws:apigatewayv2/authorizer:Authorizer"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"

# Names Vercel's function runtimes reserve ("unavailable for use").
RESERVED_NAMES = frozenset(
    {
        "AWS_SECRET_KEY",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "NOW_REGION",
        "TZ",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
# What a custom domain on Vercel points at: a CNAME for a subdomain, an A record at the apex.
VERCEL_CNAME = "cname.vercel-dns.com"
VERCEL_APEX_A = "76.76.21.21"
VERCEL_OIDC_HOST = "oidc.vercel.com"
ROLE_ARN_VARIABLE = "AWS_ROLE_ARN"


def _reserved(r: Registration) -> Iterable[str]:
    if r.input("key") in RESERVED_NAMES:
        yield f"{r.input('key')} is reserved by Vercel's function runtimes; pick another name"


def _sensitive_targets(r: Registration) -> Iterable[str]:
    if r.input("sensitive") is True and "development" in (r.input("targets") or []):
        yield (
            f"{r.input('key')} is sensitive on the development target; Vercel allows "
            "sensitive variables on production and preview only"
        )


def managed_zones(inventory: Inventory) -> set[str]:
    """The Route 53 zones the stack creates or looks up (and so writes records into)."""
    zones = {str(z.input("name")).rstrip(".") for z in inventory.of_type(ZONE)}
    zones |= {
        str(args["name"]).rstrip(".") for token, args in inventory.invokes if token == GET_ZONE
    }
    return zones


def _domains_have_records(inventory: Inventory) -> Iterable[tuple[str, str]]:
    zones = managed_zones(inventory)
    records = [
        (str(r.input("name")).rstrip("."), str(r.input("type")), list(r.input("records") or []))
        for r in inventory.of_type(RECORD)
    ]
    for d in inventory.of_type(DOMAIN):
        domain = str(d.input("domain"))
        zone = next((z for z in zones if domain == z or domain.endswith(f".{z}")), None)
        if zone is None:
            continue
        kind, target = ("A", VERCEL_APEX_A) if domain == zone else ("CNAME", VERCEL_CNAME)
        if not any(n == domain and t == kind and target in v for n, t, v in records):
            yield (
                d.urn,
                f"{domain} is in zone {zone}, which this stack manages, but no {kind} record "
                f"points it at {target}: Vercel cannot verify or serve it",
            )


def _policy(raw: Any) -> dict[str, Any]:
    try:
        return json.loads(raw) if isinstance(raw, str) else dict(raw or {})
    except (TypeError, ValueError):
        return {}


def _statements(raw: Any) -> list[dict[str, Any]]:
    statements = _policy(raw).get("Statement") or []
    return [statements] if isinstance(statements, dict) else list(statements)


def _trusts_vercel(role: Registration, target: str) -> bool:
    for s in _statements(role.input("assumeRolePolicy")):
        federated = str((s.get("Principal") or {}).get("Federated", ""))
        conditions = json.dumps(s.get("Condition") or {})
        if (
            f"oidc-provider/{VERCEL_OIDC_HOST}/" in federated
            and ":sub" in conditions
            and f":environment:{target}" in conditions
        ):
            return True
    return False


def _may_invoke(inventory: Inventory, role: Registration) -> bool:
    for p in inventory.of_type(ROLE_POLICY):
        if role.urn not in (p.property_dependencies.get("role") or []):
            continue
        for s in _statements(p.input("policy")):
            actions = s.get("Action")
            actions = [actions] if isinstance(actions, str) else list(actions or [])
            if s.get("Effect") == "Allow" and "execute-api:Invoke" in actions:
                return True
    return False


def _iam_routes_callable(inventory: Inventory) -> Iterable[tuple[str, str]]:
    """A Vercel variable that carries an API URL whose routes need SigV4 comes with a role
    Vercel's OIDC token can assume (for its target) that may invoke the API."""
    by_urn = {r.urn: r for r in inventory.registrations}
    for v in inventory.of_type(VARIABLE):
        for stage_urn in v.property_dependencies.get("value") or []:
            stage = by_urn.get(stage_urn)
            if stage is None or stage.type != STAGE:
                continue
            api_urns = set(stage.property_dependencies.get("apiId") or [])
            routes = [
                r
                for r in inventory.of_type(ROUTE)
                if api_urns & set(r.property_dependencies.get("apiId") or [])
            ]
            if not any(r.input("authorizationType") == "AWS_IAM" for r in routes):
                continue
            for target in v.input("targets") or []:
                if not _role_for(inventory, by_urn, v, target):
                    yield (
                        v.urn,
                        f"{v.input('key')} ({target}) points at an API whose routes are "
                        f"IAM-authorized, and no {ROLE_ARN_VARIABLE} on {target} names a role "
                        "that trusts Vercel's OIDC issuer for this environment and may "
                        "execute-api:Invoke: every call gets 403",
                    )


def _role_for(
    inventory: Inventory, by_urn: dict[str, Registration], variable: Registration, target: str
) -> bool:
    for other in inventory.of_type(VARIABLE):
        if other.input("key") != ROLE_ARN_VARIABLE or target not in (other.input("targets") or []):
            continue
        if other.input("projectId") != variable.input("projectId"):
            continue
        for urn in other.property_dependencies.get("value") or []:
            role = by_urn.get(urn)
            trusted = role is not None and role.type == ROLE and _trusts_vercel(role, target)
            if trusted and role is not None and _may_invoke(inventory, role):
                return True
    return False


CHECKS: list[Check] = [
    per_resource(
        "vercel-reserved-variable-names",
        "no environment variable uses a name Vercel reserves",
        "Vercel Docs 'Reserved environment variables' "
        "(https://vercel.com/docs/environment-variables/reserved-environment-variables)",
        types=(VARIABLE,),
        check=_reserved,
    ),
    per_resource(
        "vercel-sensitive-not-on-development",
        "sensitive variables only on the production and preview targets",
        "Vercel Docs 'Sensitive environment variables'; vercel/terraform-provider-vercel "
        "vercel/resource_project_environment_variable.go",
        types=(VARIABLE,),
        check=_sensitive_targets,
    ),
    whole_inventory(
        "vercel-domain-has-dns-record",
        "a Vercel domain inside a zone the stack manages has the record Vercel needs",
        "Vercel Docs 'Adding & configuring a custom domain' (subdomain: CNAME "
        "cname.vercel-dns.com; apex: A 76.76.21.21)",
        check=_domains_have_records,
    ),
    whole_inventory(
        "vercel-iam-api-caller-can-sign",
        "Vercel can sign requests to the IAM-authorized API it is pointed at",
        "Vercel Docs 'Connect to Amazon Web Services (AWS)' (https://vercel.com/docs/oidc/aws) "
        "and 'OIDC Federation Reference'; AWS API Gateway 'Control access to HTTP APIs with "
        "IAM authorization' (SigV4, execute-api:Invoke)",
        check=_iam_routes_callable,
    ),
]
