"""What a stack would contain, and how two stacks differ, from a mock-engine inventory.

`plan()` turns an `Inventory` into a report: the resource tree grouped by
component, the settings of each resource that matter for review, the stack
outputs (secrets redacted), the policy-pack results and a count by type.
`diff()` compares two plans resource by resource and classifies each difference
as intended (matched by the reviewed allow-list) or a parity gap.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import rpc
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from offline import preflight
from offline.engine import Inventory, Registration
from offline.inputs import BadInputError, read_yaml
from policy.rules import Subject, evaluate, is_protected, provider_tags

SECRET = "[secret]"  # noqa: S105 - the redaction marker

# The settings shown for review, per resource type (dotted paths into the inputs).
REVIEW_FIELDS: dict[str, tuple[str, ...]] = {
    "aws:ec2/vpc:Vpc": ("cidrBlock",),
    "aws:ec2/subnet:Subnet": ("cidrBlock", "availabilityZone", "mapPublicIpOnLaunch", "tags.Tier"),
    "aws:ec2/natGateway:NatGateway": ("connectivityType",),
    "aws:ec2/networkInterface:NetworkInterface": ("sourceDestCheck",),
    "aws:ec2/launchTemplate:LaunchTemplate": (
        "instanceType",
        "imageId",
        "metadataOptions.httpTokens",
        "keyName",
    ),
    "aws:autoscaling/group:Group": ("minSize", "maxSize", "healthCheckType"),
    "aws:ec2/flowLog:FlowLog": ("trafficType",),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ("ingress", "egress"),
    "aws:cloudwatch/logGroup:LogGroup": ("retentionInDays", "kmsKeyId"),
    "aws:kms/key:Key": ("enableKeyRotation", "deletionWindowInDays"),
    "aws:rds/cluster:Cluster": (
        "engineVersion",
        "serverlessv2ScalingConfiguration",
        "storageEncrypted",
        "kmsKeyId",
        "iamDatabaseAuthenticationEnabled",
        "manageMasterUserPassword",
        "deletionProtection",
        "skipFinalSnapshot",
        "backupRetentionPeriod",
    ),
    "aws:rds/clusterInstance:ClusterInstance": (
        "instanceClass",
        "availabilityZone",
        "publiclyAccessible",
        "performanceInsightsEnabled",
        "monitoringInterval",
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "engine",
        "engineVersion",
        "nodeType",
        "numCacheClusters",
        "multiAzEnabled",
        "automaticFailoverEnabled",
        "atRestEncryptionEnabled",
        "transitEncryptionMode",
        "kmsKeyId",
        "snapshotRetentionLimit",
    ),
    "aws:sqs/queue:Queue": (
        "fifoQueue",
        "visibilityTimeoutSeconds",
        "messageRetentionSeconds",
        "sqsManagedSseEnabled",
        "kmsMasterKeyId",
        "fifoThroughputLimit",
        "deduplicationScope",
    ),
    "aws:ecr/repository:Repository": (
        "imageTagMutability",
        "imageScanningConfiguration.scanOnPush",
        "encryptionConfigurations",
    ),
    "aws:ecs/cluster:Cluster": ("settings",),
    "aws:ecs/service:Service": (
        "desiredCount",
        "capacityProviderStrategies",
        "networkConfiguration.assignPublicIp",
        "deploymentCircuitBreaker",
        "waitForSteadyState",
    ),
    "aws:ecs/taskDefinition:TaskDefinition": ("cpu", "memory"),
    "aws:appautoscaling/target:Target": ("minCapacity", "maxCapacity"),
    "aws:lb/loadBalancer:LoadBalancer": ("internal", "enableDeletionProtection"),
    "aws:lb/listener:Listener": ("port", "protocol", "sslPolicy"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "ipProtocol",
        "fromPort",
        "toPort",
        "cidrIpv4",
        "cidrIpv6",
    ),
    "aws:lambda/function:Function": (
        "runtime",
        "memorySize",
        "timeout",
        "reservedConcurrentExecutions",
        "tracingConfig.mode",
    ),
    "aws:apigatewayv2/route:Route": ("routeKey", "authorizationType"),
    # Operating the platform (issue 15): who alerts reach, the budget, the dashboard.
    "aws:sns/topicSubscription:TopicSubscription": ("protocol", "endpoint"),
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": (
        "slackChannelId",
        "snsTopicArns",
        "guardrailPolicyArns",
        "userAuthorizationRequired",
        "region",
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("tags.Severity",),
    "aws:budgets/budget:Budget": ("limitAmount", "limitUnit", "timeUnit", "notifications"),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName",),
    "aws:apigatewayv2/stage:Stage": ("defaultRouteSettings",),
    # Identities: who may assume a role is in its description (the trusted subject).
    "aws:iam/role:Role": ("name", "description"),
    "gcp:serviceaccount/account:Account": ("accountId", "displayName"),
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": ("repository", "role"),
    "gcp:serviceaccount/iAMMember:IAMMember": ("role", "member"),
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": (
        "workloadIdentityPoolProviderId",
        "attributeCondition",
    ),
    # The governed repositories: environments, variables, rulesets, security settings.
    "github:index/repositoryEnvironment:RepositoryEnvironment": (
        "repository",
        "environment",
        "waitTimer",
        "preventSelfReview",
        "canAdminsBypass",
    ),
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy": (
        "repository",
        "environment",
        "branchPattern",
        "tagPattern",
    ),
    "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": (
        "repository",
        "environment",
        "variableName",
        "value",
    ),
    "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": (
        "repository",
        "environment",
        "secretName",
    ),
    "github:index/actionsVariable:ActionsVariable": ("repository", "variableName", "value"),
    "github:index/repositoryRuleset:RepositoryRuleset": (
        "repository",
        "name",
        "target",
        "enforcement",
    ),
    "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts": (
        "repository",
        "enabled",
    ),
    "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates": (
        "repository",
        "enabled",
    ),
    "github:index/repository:Repository": ("name", "securityAndAnalysis"),
}


def _unwrap(value: Any) -> Any:
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, float) and value.is_integer():
        return int(value)  # numbers cross the wire as doubles
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return f"<{type(value).__name__}>"
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items() if k != "__defaults"}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def _at(inputs: Mapping[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def settings(r: Registration) -> dict[str, Any]:
    """The review settings of one resource (unset ones left out), plus `protect`."""
    found = {}
    for path in REVIEW_FIELDS.get(r.type, ()):
        value = _at(r.inputs, path)
        if value is not None:
            found[path] = _unwrap(value)
    if r.protect:
        found["protect"] = True
    return found


def subjects(inventory: Inventory) -> list[Subject]:
    """The inventory as the policy pack sees it (provider tags, protect, dependencies)."""
    providers = {
        r.urn: r for r in inventory.registrations if r.type.startswith("pulumi:providers:")
    }

    def plain(value: Any) -> Any:
        if rpc.is_rpc_secret(value):
            return rpc.unwrap_rpc_secret(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    result = []
    for r in inventory.registrations:
        provider = providers.get(r.provider.rsplit("::", 1)[0])
        tags = provider_tags(provider.inputs if provider else None)
        result.append(
            Subject(
                type=r.type,
                name=r.name,
                urn=r.urn,
                props=plain(r.inputs),
                protect=bool(r.protect),
                protected_stack=is_protected(tags),
                provider_tags=tags,
                parent_urn=r.parent,
                dependencies=r.property_dependencies,
            )
        )
    return result


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    component: str  # the top-level component it belongs to ("" for providers)
    parent: str
    custom: bool
    settings: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    stack: str
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    findings: list[dict[str, str]]  # the policy pack's
    preflight: list[dict[str, str]]  # what the real providers would refuse
    # Values an operator sets by hand that the stack file leaves unset: key -> command
    # (the plan shows stand-ins for them; `offline.engine.stack_config`).
    stood_in: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def preflight_errors(self) -> int:
        return sum(1 for f in self.preflight if f["severity"] == "error")

    @property
    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(r.type for r in self.resources).items()))

    def to_json(self) -> dict[str, Any]:
        """The documented `--json` shape (see the README)."""
        return {
            "stack": self.stack,
            "total": len(self.resources),
            "counts": self.counts,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "component": r.component,
                    "parent": r.parent,
                    "settings": r.settings,
                }
                for r in self.resources
            ],
            "outputs": self.outputs,
            "policy": {
                level: [f for f in self.findings if f["enforcement"] == level]
                for level in ("mandatory", "advisory")
            },
            "preflight": self.preflight,
            "stoodIn": self.stood_in,
        }


def plan(inventory: Inventory) -> Plan:
    by_urn = {r.urn: r for r in inventory.registrations}

    def top_component(r: Registration) -> str:
        current = r
        while current.parent in by_urn:
            current = by_urn[current.parent]
        return "" if current.type.startswith("pulumi:providers:") else current.name

    resources = sorted(
        (
            PlannedResource(
                urn=r.urn,
                type=r.type,
                name=r.name,
                component=top_component(r),
                parent=r.parent if r.parent in by_urn else "",
                custom=r.custom,
                settings=settings(r),
            )
            for r in inventory.registrations
        ),
        key=lambda p: (p.component, p.urn),
    )
    outputs = {
        key: SECRET if key in inventory.secret_outputs else _unwrap(value)
        for key, value in sorted(inventory.outputs.items())
    }
    findings = [
        {
            "rule": f.rule,
            "enforcement": f.enforcement,
            "severity": f.severity,
            "urn": f.urn,
            "message": f.message,
        }
        for f in evaluate(subjects(inventory))
    ]
    checked = [
        {
            "rule": f.rule,
            "severity": f.severity,
            "urn": f.urn,
            "message": f.message,
            "source": f.source,
        }
        for f in preflight.run(inventory)
    ]
    stood_in = {
        v.key: v.command(inventory.config_stack or inventory.stack) for v in inventory.stand_ins
    }
    return Plan(inventory.stack, resources, outputs, findings, checked, stood_in)


def _value(value: Any) -> str:
    if isinstance(value, dict | list):
        return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return str(value)


def render(p: Plan) -> str:
    """The human report: tree by component, review settings, outputs, policy, counts."""
    lines = [f"stack {p.stack}: {len(p.resources)} resources", "", "RESOURCES (by component)"]
    children: dict[str, list[PlannedResource]] = {}
    for r in p.resources:
        children.setdefault(r.parent, []).append(r)

    def walk(parent: str, depth: int) -> None:
        for r in sorted(children.get(parent, []), key=lambda x: (x.custom, x.name)):
            shown = "  ".join(f"{k}={_value(v)}" for k, v in r.settings.items())
            lines.append(f"{'  ' * depth}- {r.name}  [{r.type}]" + (f"  {shown}" if shown else ""))
            walk(r.urn, depth + 1)

    walk("", 1)
    lines += ["", "OUTPUTS"]
    lines += [f"  {k} = {_value(v)}" for k, v in p.outputs.items()]
    if p.stood_in:
        lines += [
            "",
            "STOOD IN (set by an operator, not in the stack file; the plan uses stand-ins)",
        ]
        lines += [f"  {k}: $ {command}" for k, command in p.stood_in.items()]
    mandatory = [f for f in p.findings if f["enforcement"] == "mandatory"]
    advisory = [f for f in p.findings if f["enforcement"] == "advisory"]
    lines += ["", f"POLICY aevon-guardrails: {len(mandatory)} mandatory, {len(advisory)} advisory"]
    for f in mandatory + advisory:
        name = f["urn"].split("::")[-1]
        lines.append(f"  {f['enforcement']} {f['rule']} ({f['severity']}): {name}: {f['message']}")
    warnings = len(p.preflight) - p.preflight_errors
    lines += ["", f"PREFLIGHT: {p.preflight_errors} error(s), {warnings} warning(s)"]
    for f in p.preflight:
        name = f["urn"].split("::")[-1]
        lines.append(f"  {f['severity']} {f['rule']}: {name}: {f['message']}")
        lines.append(f"    source: {f['source']}")
    lines += ["", "COUNT BY TYPE"]
    lines += [f"  {n:>4}  {t}" for t, n in p.counts.items()]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------ diff
@dataclass(frozen=True)
class Allowed:
    type: str
    field: str  # a settings key, or "presence" for a resource in only one stack
    reason: str
    name: str = "*"

    def matches(self, type_: str, name: str, field: str) -> bool:
        return (
            fnmatch.fnmatchcase(type_, self.type)
            and fnmatch.fnmatchcase(name, self.name)
            and fnmatch.fnmatchcase(field, self.field)
        )


class _AllowedEntry(BaseModel):
    """One entry of the allow-list: `{type, field, reason, name?}` (globs but `reason`)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: str = Field(min_length=1)
    field: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    name: str = Field(default="*", min_length=1)


class _AllowList(BaseModel):
    """The allow-list file: `intended:` and its entries, nothing else."""

    model_config = ConfigDict(extra="forbid", strict=True)

    intended: list[_AllowedEntry]


def load_allowlist(path: Path) -> list[Allowed]:
    """The intended differences in `path` (`parity-allowlist.yaml`).

    Raises `offline.inputs.BadInputError` with one line naming the file, and the entry and
    field that are wrong: a missing file, bytes that are not UTF-8, YAML errors, and any
    other shape than `intended: [{type, field, reason, name?}, ...]` (an empty or
    misshapen file would otherwise allow nothing and turn every difference into a gap).
    """
    document = read_yaml(path, str(path))
    try:
        allowlist = _AllowList.model_validate(document)
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        where = ".".join(
            f"[{p}]" if isinstance(p, int) else str(p) for p in problem["loc"]
        ).replace(".[", "[")
        value = "" if problem["type"] == "missing" else f" = {problem['input']!r}"
        raise BadInputError(
            f"{path}: {where or 'the document'}{value}: {problem['msg']} "
            "(expected intended: [{type, field, reason, name?}, ...])"
        ) from None
    return [Allowed(e.type, e.field, e.reason, e.name) for e in allowlist.intended]


@dataclass(frozen=True)
class Difference:
    component: str
    type: str
    name: str
    field: str
    left: Any
    right: Any
    reason: str | None  # why it is intended; None = a parity gap


_ACCOUNT_ID = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def _names_of(plan: Plan) -> tuple[str, ...]:
    """What names the stack itself in values: its name and its GitHub environment's."""
    environment = plan.outputs.get("githubEnvironment")
    return (plan.stack, *([environment] if isinstance(environment, str) else []))


def _normalise(value: Any, names: Sequence[str]) -> Any:
    """Stack names inside values (physical names, ARNs, the stack's GitHub environment in
    trusted subjects), AWS account ids (one account per environment) and Google Cloud
    project numbers (one project per stack) are not differences."""
    if isinstance(value, str):
        for stack in names:
            value = re.sub(rf"\b{re.escape(stack)}\b", "<stack>", value)
        value = _ACCOUNT_ID.sub("<account>", value)
        return re.sub(r"\bprojects/\d+/", "projects/<number>/", value)
    if isinstance(value, dict):
        return {k: _normalise(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v, names) for v in value]
    return value


def diff(left: Plan, right: Plan, allowlist: Sequence[Allowed]) -> list[Difference]:
    def index(p: Plan) -> dict[tuple[str, str], PlannedResource]:
        return {(r.type, r.name): r for r in p.resources}

    def reason(type_: str, name: str, field: str) -> str | None:
        return next((a.reason for a in allowlist if a.matches(type_, name, field)), None)

    a, b = index(left), index(right)
    differences = []
    for key in sorted(a.keys() | b.keys()):
        type_, name = key
        ra, rb = a.get(key), b.get(key)
        if ra is None or rb is None:
            present = ra or rb
            assert present is not None
            differences.append(
                Difference(
                    present.component,
                    type_,
                    name,
                    "presence",
                    left.stack if ra else None,
                    right.stack if rb else None,
                    reason(type_, name, "presence"),
                )
            )
            continue
        for field in sorted(ra.settings.keys() | rb.settings.keys()):
            va = _normalise(ra.settings.get(field), _names_of(left))
            vb = _normalise(rb.settings.get(field), _names_of(right))
            if va != vb:
                differences.append(
                    Difference(ra.component, type_, name, field, va, vb, reason(type_, name, field))
                )
    return differences


def render_diff(left: Plan, right: Plan, differences: Sequence[Difference]) -> str:
    gaps = [d for d in differences if d.reason is None]
    lines = [
        f"{left.stack} vs {right.stack}: {len(differences)} difference(s), "
        f"{len(differences) - len(gaps)} intended, {len(gaps)} parity gap(s)"
    ]
    by_component: dict[str, list[Difference]] = {}
    for d in differences:
        by_component.setdefault(d.component or "(providers)", []).append(d)
    for component, items in sorted(by_component.items()):
        lines += ["", f"[{component}]"]
        for d in items:
            mark = "GAP     " if d.reason is None else "intended"
            if d.field == "presence":
                where = d.left or d.right
                what = f"only in {where}"
            else:
                what = f"{d.field}: {_value(d.left)} -> {_value(d.right)}"
            note = "" if d.reason is None else f"  ({d.reason})"
            lines.append(f"  {mark} {d.name} [{d.type}] {what}{note}")
    return "\n".join(lines) + "\n"


def diff_json(left: Plan, right: Plan, differences: Sequence[Difference]) -> dict[str, Any]:
    return {
        "left": left.stack,
        "right": right.stack,
        "differences": [d.__dict__ for d in differences],
        "gaps": sum(1 for d in differences if d.reason is None),
    }
