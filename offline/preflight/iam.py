"""IAM: every policy document linted, every grant applicable, every call the program needs granted.

Three checks over the policy documents a stack registers (role trust and inline
policies, managed policies and permissions boundaries, and the key, queue, topic,
bucket and endpoint policies):

- `iam-lint`: parliament (duo-labs/parliament) audits each document: malformed
  statements, unknown actions and condition keys, mismatched condition types,
  invalid ARNs. Its MEDIUM and higher findings are errors, LOW ones warnings;
  `SUPPRESSED` lists each reviewed exception with its reason.
- `iam-action-resource-mismatch`: an action granted only on resources it cannot
  apply to never applies (`route53:ListHostedZones` takes only `"*"`, so granting
  it on hosted-zone ARNs grants nothing), and a resource that no action of its
  statement can apply to is dead weight. From the service authorization reference
  (which resource types each action takes, and their ARN templates).
- `iam-deploy-role-grants`: the CI deploy role (the stack's `deployRoleArn`) must
  be allowed, by its policies AND its permissions boundary, with Deny statements
  and the conditions this evaluator can decide honoured, every AWS call the
  program needs: (i) the calls each lookup (invoke) makes, from the Terraform
  provider's data source code (`LOOKUP_CALLS`, each cited); (ii) the calls each
  resource type's create/read/update/delete handlers make (the CloudFormation
  schemas' `handlers.*.permissions`), on that resource's ARN from the mock; (iii) the
  calls the deploy workflow's release steps make (`release_calls`: the release
  parameters, running and following the migration task, passing its roles).
  Resources an administrator changes by design (the deploy role, its policy and
  boundary: the boundary denies the role any change to itself) are checked for
  the read handler only.

The evaluator (`Grants.allows`) is small and deliberately one-sided: it reports
only calls it can show are not allowed. A condition on a key it cannot know
(anything but `aws:RequestedRegion` and the keys a lookup or resource supplies)
is taken as satisfied for Allow and as not matching for Deny; a call whose
target ARN is not known (a handler's call on some other resource, such as
`iam:PassRole` on a role the inputs do not name) is allowed if some statement can
name a resource of that type.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from offline import mock_outputs
from offline.engine import Inventory, Registration
from offline.preflight import Check
from offline.preflight import iam_reference as ref
from offline.preflight.aws_types import TYPES

PARLIAMENT_SOURCE = (
    f"parliament {ref.parliament.__version__} (duo-labs/parliament); {ref.DATA_SOURCE}"
)

# Which inputs of which types hold a policy document, and what kind it is.
DOCUMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "aws:iam/role:Role": (("assumeRolePolicy", "trust"),),
    "aws:iam/rolePolicy:RolePolicy": (("policy", "identity"),),
    "aws:iam/policy:Policy": (("policy", "identity"),),
    "aws:kms/key:Key": (("policy", "resource"),),
    "aws:sqs/queuePolicy:QueuePolicy": (("policy", "resource"),),
    "aws:sqs/queue:Queue": (("policy", "resource"),),
    "aws:sns/topicPolicy:TopicPolicy": (("policy", "resource"),),
    "aws:s3/bucketPolicy:BucketPolicy": (("policy", "resource"),),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": (("policy", "resource"),),
    "aws:ec2/vpcEndpoint:VpcEndpoint": (("policy", "resource"),),
}


@dataclass(frozen=True)
class Document:
    registration: Registration
    input: str
    kind: str  # "identity" | "resource" | "trust"
    text: str

    @property
    def parsed(self) -> dict[str, Any]:
        return json.loads(self.text)

    def label(self) -> str:
        return f"{self.registration.name}.{self.input}"


def documents(inventory: Inventory) -> list[Document]:
    found = []
    for r in inventory.custom():
        for key, kind in DOCUMENTS.get(r.type, ()):
            text = r.input(key)
            if isinstance(text, str) and text.strip().startswith("{"):
                found.append(Document(r, key, kind, text))
    return found


# ------------------------------------------------------------------------------ iam-lint
@dataclass(frozen=True)
class Suppression:
    issue: str
    reason: str
    applies: Callable[[Document, Any], bool]


def _detail(finding: Any) -> str:
    return (
        json.dumps(finding.detail, default=str)
        if not isinstance(finding.detail, str)
        else finding.detail
    )


def _conditioned_star(doc: Document, finding: Any) -> bool:
    """Whether every action of a RESOURCE_STAR finding is granted on `*` only under a Condition."""
    actions = finding.detail if isinstance(finding.detail, list) else []
    statements = [
        s
        for s in _as_list(doc.parsed.get("Statement"))
        if s.get("Resource") == "*" or s.get("Resource") == ["*"]
    ]
    if not actions or not statements:
        return False
    for action in actions:
        granting = [
            s
            for s in statements
            if any(
                ref.glob_match(p.lower(), str(action).lower()) for p in _as_list(s.get("Action"))
            )
        ]
        if not granting or any(not s.get("Condition") for s in granting):
            return False
    return True


SUPPRESSED: tuple[Suppression, ...] = (
    Suppression(
        "MALFORMED",
        "a role trust policy has no Resource element by design (IAM User Guide, 'Role trust "
        "policies'); parliament reads every document as an identity policy",
        lambda doc, f: doc.kind == "trust" and "neither Resource nor NotResource" in _detail(f),
    ),
    Suppression(
        "UNKNOWN_FEDERATION_SOURCE",
        "parliament knows only Cognito, Amazon, Facebook and Google as web identity providers; "
        "the GitHub Actions OIDC provider is AWS's documented setup (IAM User Guide, "
        "'Configuring a role for GitHub OIDC identity provider')",
        lambda doc, f: "oidc-provider/token.actions.githubusercontent.com" in _detail(f),
    ),
    Suppression(
        "UNKNOWN_FEDERATION_SOURCE",
        "the Vercel team's OIDC provider (issuer https://oidc.vercel.com/<team>) is Vercel's "
        "documented setup for AWS roles (Vercel Docs, 'Connect to Amazon Web Services (AWS)', "
        "https://vercel.com/docs/oidc/aws); parliament does not know it",
        lambda doc, f: "oidc-provider/oidc.vercel.com/" in _detail(f),
    ),
    Suppression(
        "RESOURCE_MISMATCH",
        "reported per action and resource, with the statement, by iam-action-resource-mismatch",
        lambda doc, f: True,
    ),
    Suppression(
        "RESOURCE_STAR",
        "in a resource-based policy `*` names the resource the policy is attached to (KMS "
        "Developer Guide, 'Key policies': Resource \"*\" means this key)",
        lambda doc, f: doc.kind == "resource",
    ),
    Suppression(
        "RESOURCE_STAR",
        "the statement's Condition scopes the `*` (aws:RequestedRegion, iam:AWSServiceName, "
        "kms:ResourceAliases): the grant is narrower than its Resource element says",
        _conditioned_star,
    ),
    Suppression(
        "UNKNOWN_CONDITION_FOR_ACTION",
        "AWS's documented key policy for CloudWatch Logs (CloudWatch Logs User Guide, 'Encrypt "
        "log data in CloudWatch Logs using AWS KMS') conditions kms:Describe* on "
        "kms:EncryptionContext:aws:logs:arn, which those actions do not carry",
        lambda doc, f: "kms:EncryptionContext:aws:logs:arn" in _detail(f),
    ),
    Suppression(
        "UNKNOWN_CONDITION_FOR_ACTION",
        "kms:ResourceAliases is a condition key of the KMS key resource type, which AWS "
        "documents for cryptographic operations such as kms:Decrypt (KMS Developer Guide, "
        "'kms:ResourceAliases'); parliament looks only at per-action keys",
        lambda doc, f: "kms:ResourceAliases" in _detail(f),
    ),
    Suppression(
        "MISMATCHED_TYPE",
        "the same documented CloudWatch Logs key policy compares the encryption context "
        "(typed String by parliament) with ArnLike",
        lambda doc, f: (
            doc.registration.type == "aws:kms/key:Key"
            and "ArnLike requires a value of type Arn" in _detail(f)
        ),
    ),
)
_ERROR_SEVERITIES = {"CRITICAL", "HIGH", "MEDIUM"}


@functools.cache
def _lint_text(text: str) -> tuple[Any, ...]:
    return tuple(ref.parliament.analyze_policy_string(text).findings)


def _lint(inventory: Inventory, *, errors: bool) -> Iterable[tuple[str, str]]:
    for doc in documents(inventory):
        for finding in _lint_text(doc.text):
            if any(s.issue == finding.issue and s.applies(doc, finding) for s in SUPPRESSED):
                continue
            severity = ref.parliament.config.get(finding.issue, {}).get("severity", "MEDIUM")
            if (severity in _ERROR_SEVERITIES) is not errors:
                continue
            yield (
                doc.registration.urn,
                f"{doc.label()} ({doc.kind} policy): parliament {finding.issue} "
                f"({ref.parliament.config.get(finding.issue, {}).get('title', '')}): "
                f"{_detail(finding)[:300]}",
            )


# ------------------------------------------------------------------ statements, evaluation
def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    condition: Mapping[str, Mapping[str, Any]]
    sid: str
    policy: str  # where it comes from (resource name and input)

    @classmethod
    def parse(cls, doc: Mapping[str, Any], policy: str) -> list[Statement]:
        return [
            cls(
                effect=s.get("Effect", "Allow"),
                actions=tuple(_as_list(s.get("Action"))),
                not_actions=tuple(_as_list(s.get("NotAction"))),
                resources=tuple(_as_list(s.get("Resource"))),
                not_resources=tuple(_as_list(s.get("NotResource"))),
                condition=s.get("Condition") or {},
                sid=s.get("Sid", f"#{i}"),
                policy=policy,
            )
            for i, s in enumerate(_as_list(doc.get("Statement")))
        ]

    def names(self) -> str:
        return f"{self.policy} statement {self.sid}"

    def matches_action(self, action: str) -> bool:
        if self.actions:
            return any(ref.glob_match(p.lower(), action.lower()) for p in self.actions)
        return bool(self.not_actions) and not any(
            ref.glob_match(p.lower(), action.lower()) for p in self.not_actions
        )

    def matches_resource(self, action: str, resource: str | None, *, deny: bool) -> bool:
        """Concrete ARN (or `*`): IAM's wildcard match. Unknown target (None): for an Allow,
        whether some resource pattern can name a resource the action takes; for a Deny, only
        a `*` resource is sure to cover it."""

        def hit(pattern: str) -> bool:
            if resource is None:
                return pattern == "*" if deny else ref.pattern_could_match(action, pattern)
            return ref.glob_match(pattern, resource)

        if self.resources:
            return any(hit(p) for p in self.resources)
        return (
            bool(self.not_resources)
            and resource is not None
            and not any(ref.glob_match(p, resource) for p in self.not_resources)
        )


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda v, p: v == p,
    "StringEqualsIgnoreCase": lambda v, p: v.lower() == p.lower(),
    "StringLike": lambda v, p: ref.glob_match(p, v),
    "ArnEquals": lambda v, p: v == p,
    "ArnLike": lambda v, p: ref.glob_match(p, v),
}


def condition_holds(
    condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]
) -> bool | None:
    """True/False when every condition key is in `context`, None when one cannot be decided."""
    unknown = False
    for raw_operator, pairs in condition.items():
        operator = raw_operator.split(":")[-1]
        qualifier = raw_operator.split(":")[0] if ":" in raw_operator else ""
        negate = "Not" in operator and operator.startswith(("StringNot", "ArnNot"))
        if_exists = operator.endswith("IfExists")
        base = (
            operator.removesuffix("IfExists")
            .replace("StringNot", "String")
            .replace("ArnNot", "Arn")
        )
        test = _OPERATORS.get(base)
        for key, values in pairs.items():
            value = context.get(key)
            if value is None:
                if if_exists:
                    continue
                unknown = True
                continue
            if test is None or qualifier.startswith("ForAllValues"):
                unknown = True
                continue
            matched = any(test(value, str(p)) for p in _as_list(values))
            if matched == negate:
                return False
    return None if unknown else True


@dataclass(frozen=True)
class Grants:
    """What a role may do: its identity statements, capped by its boundary's."""

    identity: tuple[Statement, ...]
    boundary: tuple[Statement, ...] | None

    def _allowing(self, statements: Iterable[Statement], action: str, resource: str | None,
                  context: Mapping[str, str]) -> Statement | None:  # fmt: skip
        for s in statements:
            if (
                s.effect == "Allow"
                and s.matches_action(action)
                and s.matches_resource(action, resource, deny=False)
                and condition_holds(s.condition, context) is not False
            ):
                return s
        return None

    def _denying(
        self, action: str, resource: str | None, context: Mapping[str, str]
    ) -> Statement | None:
        for s in (*self.identity, *(self.boundary or ())):
            if (
                s.effect == "Deny"
                and s.matches_action(action)
                and s.matches_resource(action, resource, deny=True)
                and condition_holds(s.condition, context) is True
            ):
                return s
        return None

    def allows(self, action: str, resource: str | None, context: Mapping[str, str]) -> str | None:
        """None if allowed; otherwise why not (naming the statement that denies or should grant)."""
        deny = self._denying(action, resource, context)
        if deny is not None:
            return f"denied by {deny.names()}"
        if self._allowing(self.identity, action, resource, context) is None:
            return "no statement of the role's policies allows it"
        if (
            self.boundary is not None
            and self._allowing(self.boundary, action, resource, context) is None
        ):
            return "the permissions boundary allows it in no statement"
        return None


# --------------------------------------------------------------------- the calls needed
GLOBAL_SERVICES = frozenset({"iam", "route53", "sts", "organizations", "cloudfront", "budgets"})
NO_PERMISSION = frozenset({"sts:GetCallerIdentity"})  # STS API Reference: no permission needed


@dataclass(frozen=True)
class Call:
    action: str
    resource: str | None  # a concrete ARN, "*", or None: some resource the call finds
    why: str
    context: Mapping[str, str] = field(default_factory=dict)


Lookup = Callable[[Mapping[str, Any], str, str], list[Call]]

_TF = "hashicorp/terraform-provider-aws"


def _zone(args: Mapping[str, Any], region: str, account: str) -> list[Call]:
    why = f"lookup of hosted zone {args.get('name') or args.get('zoneId')}"
    return [
        Call("route53:ListHostedZones", "*", why),
        Call("route53:GetHostedZone", None, why),
        Call("route53:ListTagsForResource", None, why),
    ]


def _parameter(args: Mapping[str, Any], region: str, account: str) -> list[Call]:
    name = str(args.get("name", ""))
    arn = f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"
    return [Call("ssm:GetParameter", arn, f"lookup of parameter {name}")]


def _oidc(args: Mapping[str, Any], region: str, account: str) -> list[Call]:
    host = str(args.get("url", "")).removeprefix("https://")
    why = f"lookup of OIDC provider {host}"
    return [
        Call("iam:ListOpenIDConnectProviders", "*", why),
        Call("iam:GetOpenIDConnectProvider", f"arn:aws:iam::{account}:oidc-provider/{host}", why),
    ]


def _slack_workspace(args: Mapping[str, Any], region: str, account: str) -> list[Call]:
    requested = {"aws:RequestedRegion": str(args.get("region") or region)}
    why = f"lookup of Slack workspace {args.get('slackTeamName')}"
    return [Call("chatbot:DescribeSlackWorkspaces", "*", why, requested)]


def _ecr_repository(args: Mapping[str, Any], region: str, account: str) -> list[Call]:
    name = str(args.get("name", ""))
    arn = f"arn:aws:ecr:{region}:{account}:repository/{name}"
    why = f"lookup of ECR repository {name}"
    return [
        Call("ecr:DescribeRepositories", arn, why),
        Call("ecr:DescribeImages", arn, why),
        Call("ecr:ListTagsForResource", arn, why),
    ]


def _zones(args: Mapping[str, Any], region: str, account: str) -> list[Call]:
    return [Call("ec2:DescribeAvailabilityZones", "*", "lookup of availability zones")]


# Invoke token -> the AWS calls the Terraform data source behind it makes, and its source.
LOOKUP_CALLS: dict[str, tuple[Lookup | None, str]] = {
    "aws:route53/getZone:getZone": (
        _zone, f"{_TF} internal/service/route53/zone_data_source.go (ListHostedZones, "
        "findHostedZoneByID = GetHostedZone, listTags = ListTagsForResource)"),
    "aws:ssm/getParameter:getParameter": (
        _parameter, f"{_TF} internal/service/ssm/parameter_data_source.go (GetParameter)"),
    "aws:ecr/getRepository:getRepository": (
        _ecr_repository, f"{_TF} internal/service/ecr/repository_data_source.go "
        "(DescribeRepositories, DescribeImages for most_recent_image_tags, tags: "
        "ListTagsForResource)"),
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": (
        _oidc, f"{_TF} internal/service/iam/openid_connect_provider_data_source.go "
        "(by url: ListOpenIDConnectProviders, then GetOpenIDConnectProvider)"),
    "aws:chatbot/getSlackWorkspace:getSlackWorkspace": (
        _slack_workspace, f"{_TF} internal/service/chatbot/slack_workspace_data_source.go "
        "(DescribeSlackWorkspaces, filtered by name)"),
    "aws:index/getAvailabilityZones:getAvailabilityZones": (
        _zones, f"{_TF} internal/service/ec2/ec2_availability_zones_data_source.go "
        "(DescribeAvailabilityZones)"),
    "aws:index/getCallerIdentity:getCallerIdentity": (
        None, f"{_TF} internal/service/sts/caller_identity_data_source.go: GetCallerIdentity, "
        "which needs no permission (STS API Reference)"),
    "aws:index/getRegion:getRegion": (
        None, f"{_TF} internal/service/meta/region_data_source.go: the provider's own region"),
    "aws:index/getPartition:getPartition": (
        None, f"{_TF} internal/service/meta/partition_data_source.go: no API call"),
    "aws:iam/getPolicyDocument:getPolicyDocument": (
        None, f"{_TF} internal/service/iam/policy_document_data_source.go: rendered locally"),
    "aws:elb/getServiceAccount:getServiceAccount": (
        None, f"{_TF} internal/service/elb/service_account_data_source.go: a table of the "
        "Elastic Load Balancing account per region, no API call"),
}  # fmt: skip


def lookup_calls(inventory: Inventory, region: str, account: str) -> tuple[list[Call], list[str]]:
    """The calls every AWS lookup makes, and the tokens of lookups no table row explains."""
    calls: list[Call] = []
    unexplained: list[str] = []
    for token, args in inventory.invokes:
        if not token.startswith("aws:"):
            continue
        row = LOOKUP_CALLS.get(token)
        if row is None:
            unexplained.append(token)
        elif row[0] is not None:
            calls.extend(row[0](args, region, account))
    return calls, sorted(set(unexplained))


def release_calls(inventory: Inventory, region: str, account: str) -> list[Call]:
    """The calls the deploy workflow's release steps make with the deploy role
    (`scripts/release.py`): write both release parameters, start the exported migration
    task (passing its two roles), follow it, stop it at its deadline, read its logs."""
    outputs = inventory.outputs
    calls = [
        Call("ssm:PutParameter", f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}",
             f"scripts/release.py writes {name}")
        for name in (outputs.get("imageTagParameter"), outputs.get("migrationTagParameter"))
        if isinstance(name, str)
    ]  # fmt: skip
    task = outputs.get("migrationTask")
    if not isinstance(task, Mapping):
        return calls
    why = "scripts/release.py runs the migration task"
    definition = str(task.get("taskDefinition"))
    calls.append(Call("ecs:RunTask", definition, why))
    for r in inventory.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        if r.outputs.get("arn") == definition:
            calls += [
                Call("iam:PassRole", str(r.input(key)), f"{why} (its {key})")
                for key in ("executionRoleArn", "taskRoleArn")
                if isinstance(r.input(key), str)
            ]
    tasks = f"arn:aws:ecs:{region}:{account}:task/{task.get('cluster')}/*"
    calls += [Call(action, tasks, why) for action in ("ecs:DescribeTasks", "ecs:StopTask")]
    group = f"arn:aws:logs:{region}:{account}:log-group:{task.get('logGroup')}:log-stream:*"
    calls.append(Call("logs:GetLogEvents", group, f"{why}: its last log lines on failure"))
    return calls


@functools.cache
def handler_permissions(cfn_type: str, region: str = "us-east-1") -> dict[str, tuple[str, ...]]:
    """handler -> the permissions AWS's resource schema lists for it."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # noqa: PLC0415

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, cfn_type).schema
    return {h: tuple(v.get("permissions", [])) for h, v in schema.get("handlers", {}).items()}


def _inputs_mention(*needles: str) -> Callable[[Registration], bool]:
    """Needed when some input's value mentions one of `needles` (e.g. an action type)."""

    def needed(r: Registration) -> bool:
        text = json.dumps({k: r.input(k) for k in r.inputs}, default=str)
        return any(n in text for n in needles)

    return needed


def _input_set(*keys: str) -> Callable[[Registration], bool]:
    return lambda r: any(r.input(k) not in (None, "", [], {}) for k in keys)


# Handler permissions for features this program's resources do not use: (CloudFormation type,
# action pattern) -> (which feature needs it, whether a resource uses it). Reviewed by hand.
NOT_NEEDED: dict[tuple[str, str], tuple[str, Callable[[Registration], bool]]] = {
    ("AWS::IAM::Role", "iam:DeleteRolePermissionsBoundary"): (
        "removing a role's permissions boundary", _input_set("permissionsBoundary")),
    ("AWS::IAM::Role", "iam:PutRolePermissionsBoundary"): (
        "setting a role's permissions boundary", _input_set("permissionsBoundary")),
    ("AWS::CertificateManager::Certificate", "acm-pca:*"): (
        "a private certificate (CertificateAuthorityArn)", _input_set("certificateAuthorityArn")),
    ("AWS::ElasticLoadBalancingV2::Listener", "cognito-idp:*"): (
        "an authenticate-cognito action", _inputs_mention("authenticate-cognito")),
    ("AWS::ElasticLoadBalancingV2::ListenerRule", "cognito-idp:*"): (
        "an authenticate-cognito action", _inputs_mention("authenticate-cognito")),
    ("AWS::Lambda::Function", "elasticfilesystem:*"): (
        "an EFS file system (FileSystemConfigs)", _input_set("fileSystemConfig")),
    ("AWS::Lambda::Function", "lambda:GetCodeSigningConfig"): (
        "a code signing configuration (CodeSigningConfigArn)", _input_set("codeSigningConfigArn")),
    ("AWS::Lambda::Function", "lambda:GetLayerVersion"): (
        "layers (Layers)", _input_set("layers")),
    ("AWS::Lambda::Function", "s3:GetObjectVersion"): (
        "code from an S3 object (the program uploads a local archive)", _input_set("s3Bucket")),
    ("AWS::ElastiCache::ReplicationGroup", "firehose:*"): (
        "log delivery to Kinesis Data Firehose", _inputs_mention("kinesis-firehose")),
    ("AWS::Logs::LogGroup", "firehose:*"): (
        "data protection audit findings delivered to Firehose (DataProtectionPolicy)",
        _input_set("dataProtectionPolicy")),
    ("AWS::EC2::FlowLog", "s3:*"): (
        "flow logs delivered to S3", lambda r: r.input("logDestinationType") == "s3"),
    ("AWS::EC2::VPCEndpoint", "vpc-lattice:*"): (
        "a service-network or resource endpoint (VPC Lattice)",
        lambda r: r.input("vpcEndpointType") in ("ServiceNetwork", "Resource")),
    ("AWS::Budgets::Budget", "billing:GetBillingViewData"): (
        "a budget over a billing view (BillingViewArn)", _input_set("billingViewArn")),
    ("AWS::EC2::VPCEndpoint", "vpce:AllowMultiRegion"): (
        "a cross-region endpoint (ServiceRegion)", _input_set("serviceRegion")),
    # An Auto Scaling group (the NAT instance's) with no load balancers, traffic sources,
    # lifecycle hooks, notifications, instance refresh, metrics or suspended processes.
    ("AWS::AutoScaling::AutoScalingGroup", "vpc-lattice:*"): (
        "VPC Lattice traffic sources", _input_set("trafficSources")),
    ("AWS::AutoScaling::AutoScalingGroup", "managed-fleets:*"): (
        "a group managed by a managed fleet", lambda r: False),
    ("AWS::AutoScaling::AutoScalingGroup", "autoscaling:*LoadBalancer*"): (
        "load balancers or target groups",
        _input_set("loadBalancers", "targetGroupArns")),
    ("AWS::AutoScaling::AutoScalingGroup", "autoscaling:*TrafficSources"): (
        "traffic sources", _input_set("trafficSources")),
    ("AWS::AutoScaling::AutoScalingGroup", "autoscaling:*LifecycleHook"): (
        "lifecycle hooks", _input_set("initialLifecycleHooks")),
    ("AWS::AutoScaling::AutoScalingGroup", "autoscaling:*NotificationConfiguration"): (
        "notifications (a separate aws.autoscaling.Notification in Pulumi)", lambda r: False),
    ("AWS::AutoScaling::AutoScalingGroup", "autoscaling:*InstanceRefresh"): (
        "instance refresh", _input_set("instanceRefresh")),
    ("AWS::AutoScaling::AutoScalingGroup", "autoscaling:*MetricsCollection"): (
        "group metrics collection", _input_set("enabledMetrics")),
    ("AWS::AutoScaling::AutoScalingGroup", "autoscaling:*Processes"): (
        "suspended scaling processes", _input_set("suspendedProcesses")),
    ("AWS::S3::Bucket", "s3tables:*"): (
        "an S3 metadata table configuration (MetadataTableConfiguration)",
        _input_set("metadataTableConfiguration")),
    **{
        ("AWS::S3::Bucket", f"s3:{action}"): (
            "tagging S3 access grants and Storage Lens groups, the only resources this "
            "action takes (a bucket's tags go through PutBucketTagging)", lambda r: False)
        for action in ("TagResource", "UntagResource", "ListTagsForResource")
    },
    ("AWS::S3::Bucket", "iam:PassRole"): (
        "replication (the ReplicationConfiguration's role)",
        _input_set("replicationConfiguration")),
    ("AWS::WAFv2::WebACL", "payments:*"): (
        "a monetization configuration (MonetizationConfig)", _input_set("monetizationConfig")),
    ("AWS::WAFv2::WebACLAssociation", "wafv2:*PermissionPolicy"): (
        "a permission policy sharing the web ACL with other accounts", lambda r: False),
    **{
        ("AWS::WAFv2::WebACLAssociation", f"{service}:*"): (
            f"protecting a resource of {service} (the association names {arn_service})",
            _inputs_mention(f":{arn_service}:"))
        for service, arn_service in (
            ("apigateway", "apigateway"), ("appsync", "appsync"), ("cognito-idp", "cognito-idp"),
            ("apprunner", "apprunner"), ("amplify", "amplify"), ("ec2", "ec2"),
            ("bedrock-agentcore", "bedrock-agentcore"))
    },
    ("AWS::WAFv2::LoggingConfiguration", "firehose:*"): (
        "logging to Kinesis Data Firehose", _inputs_mention(":firehose:")),
    ("AWS::WAFv2::LoggingConfiguration", "s3:*"): (
        "logging to an S3 bucket", _inputs_mention("arn:aws:s3:::")),
    ("AWS::Backup::BackupVault", "backup:PutBackupVaultLockConfiguration"): (
        "a vault lock (LockConfiguration)", _input_set("lockConfiguration")),
    ("AWS::Backup::BackupVault", "backup:PutBackupVaultNotifications"): (
        "vault notifications (Notifications)", _input_set("notifications")),
    ("AWS::Backup::BackupVault", "backup:PutBackupVaultAccessPolicy"): (
        "a vault access policy (AccessPolicy)", _input_set("accessPolicy")),
}  # fmt: skip


def not_needed(cfn_type: str, action: str, r: Registration) -> str | None:
    """Why a handler permission is not needed by this resource, or None if it is."""
    for (typ, pattern), (feature, uses) in NOT_NEEDED.items():
        if typ == cfn_type and ref.glob_match(pattern.lower(), action.lower()) and not uses(r):
            return feature
    return None


def _arns_in(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if value.startswith("arn:"):
            yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _arns_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _arns_in(v)


HANDLERS = ("create", "read", "update", "delete")
# Actions whose target is what the call creates, never an ARN in the resource's inputs:
# iam:CreateServiceLinkedRole creates role/aws-service-role/<service>/... (IAM User Guide,
# "Service-linked role permissions").
OWN_TARGET = frozenset({"iam:CreateServiceLinkedRole"})

RESOLVE_SSM = "resolve:ssm:"


def _resolved_parameters(r: Registration, region: str) -> list[Call]:
    """A launch template whose image is `resolve:ssm:<parameter>`: whoever creates it (and
    the group that launches from it) must be allowed ssm:GetParameters on that parameter,
    which EC2 validates (Amazon EC2 Auto Scaling User Guide, "Use AWS Systems Manager
    parameters instead of AMI IDs in launch templates"). AWS's public parameters
    (`/aws/service/...`) have no account in their ARN."""
    image = r.input("imageId")
    if not isinstance(image, str) or not image.startswith(RESOLVE_SSM):
        return []
    name = image.removeprefix(RESOLVE_SSM).split(":")[0].lstrip("/")
    account = "" if name.startswith("aws/service/") else str(r.outputs.get("arn", "")).split(":")[4]
    why = f"EC2 resolves {r.name}'s image from parameter /{name}"
    return [Call("ssm:GetParameters", f"arn:aws:ssm:{region}:{account}:parameter/{name}", why)]


# Calls a resource needs beyond its CloudFormation handlers' lists, by type.
EXTRA_CALLS: dict[str, Callable[[Registration, str], list[Call]]] = {
    "aws:ec2/launchTemplate:LaunchTemplate": _resolved_parameters,
}


def resource_calls(
    r: Registration, *, read_only: bool, region: str = "us-east-1"
) -> tuple[list[Call], list[str]]:
    """The calls the type's handlers make for one resource, and actions the reference lacks."""
    table = TYPES.get(r.type)
    if table is None or table.cfn_type is None:
        return [], []
    row = mock_outputs.ROWS.get(r.type)
    own = r.outputs.get(row.arn_output if row else "arn")
    candidates = [own] if isinstance(own, str) and own.startswith("arn:") else []
    candidates += [a for a in _arns_in({k: r.input(k) for k in r.inputs}) if a not in candidates]
    context = {}
    if isinstance(r.input("region"), str):
        # pulumi-aws 7's per-resource region: the calls go to that region's endpoint.
        context["aws:RequestedRegion"] = str(r.input("region"))
    if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        context["iam:PolicyARN"] = str(r.input("policyArn"))
    calls: list[Call] = [] if read_only else EXTRA_CALLS.get(r.type, lambda *_: [])(r, region)
    unknown: list[str] = []
    permissions = handler_permissions(table.cfn_type)
    for handler in ("read",) if read_only else HANDLERS:
        for action in permissions.get(handler, ()):
            if not_needed(table.cfn_type, action, r) is not None:
                continue
            if not ref.action_exists(action):
                unknown.append(action)
                continue
            why = f"{table.cfn_type} {handler} handler for {r.name}"
            takes_star_only = all(rt.arn is None for rt in ref.resource_types(action))
            applicable = [a for a in candidates if ref.action_applies_to(action, a)]
            if ref.canonical_action(action) in OWN_TARGET:
                applicable = []
            if takes_star_only:
                calls.append(Call(action, "*", why, context))
            elif applicable:
                calls.extend(Call(action, a, why, context) for a in applicable)
            else:
                calls.append(Call(action, None, why, context))
    return calls, unknown


# ------------------------------------------------------------------------ the deploy role
@dataclass(frozen=True)
class DeployRole:
    role: Registration
    policies: tuple[Registration, ...]  # inline and attached customer managed policies
    boundary: Registration | None
    grants: Grants
    account: str
    region: str
    attachments: tuple[Registration, ...] = ()

    def administrator_owned(self) -> set[str]:
        owned = {self.role.urn, *(p.urn for p in self.policies), *(a.urn for a in self.attachments)}
        if self.boundary is not None:
            owned.add(self.boundary.urn)
        return owned


def _provider_region(inventory: Inventory) -> str:
    for r in inventory.registrations:
        if r.type == "pulumi:providers:aws" and isinstance(r.input("region"), str):
            return str(r.input("region"))
    return "us-east-1"


def deploy_role(inventory: Inventory) -> DeployRole | None:
    """The role the stack hands CI to deploy it (its `deployRoleArn` output), with its grants."""
    arn = inventory.outputs.get("deployRoleArn")
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return None
    roles = [r for r in inventory.of_type("aws:iam/role:Role") if r.outputs.get("arn") == arn]
    if not roles:
        return None
    role = roles[0]
    role_refs = {role.name, role.id, str(role.input("name"))}
    policies = tuple(
        p
        for p in inventory.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.input("role") in role_refs
    )
    # Customer managed policies of the stack attached to the role count as its own.
    attachments = tuple(
        a
        for a in inventory.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.input("role") in role_refs
    )
    attached = {a.input("policyArn") for a in attachments}
    policies += tuple(
        p for p in inventory.of_type("aws:iam/policy:Policy") if p.outputs.get("arn") in attached
    )
    identity = tuple(
        s for p in policies for s in Statement.parse(json.loads(p.input("policy")), p.name)
    )
    boundary_arn = role.input("permissionsBoundary")
    boundaries = [
        p
        for p in inventory.of_type("aws:iam/policy:Policy")
        if p.outputs.get("arn") == boundary_arn
    ]
    boundary = boundaries[0] if boundaries else None
    bounded = None
    if boundary is not None:
        bounded = tuple(Statement.parse(json.loads(boundary.input("policy")), boundary.name))
    account = str(arn).split(":")[4]
    return DeployRole(
        role,
        policies,
        boundary,
        Grants(identity, bounded),
        account,
        _provider_region(inventory),
        attachments,
    )


STATE_KEY_ALIAS = "alias/aevon-pulumi-secrets"  # bootstrap/'s, infra/aws/ci_identity.py


def cli_calls(deploy: DeployRole) -> list[Call]:
    """The calls the Pulumi CLI makes with the deploy role around the program: the state
    in the account's bucket (Pulumi docs, "State and backends": the S3 backend reads,
    writes and deletes objects, locks included, and lists the bucket) and the stack's
    secrets with the `awskms://` provider (Pulumi docs, "Secrets": the AWS KMS provider
    encrypts and decrypts with the key)."""
    bucket = f"arn:aws:s3:::aevon-pulumi-state-{deploy.account}"
    why = "the Pulumi CLI"
    key = {"kms:ResourceAliases": STATE_KEY_ALIAS}
    return [
        Call("s3:ListBucket", bucket, f"{why}: list the stack's state"),
        *(Call(a, f"{bucket}/.pulumi/stacks/x.json", f"{why}: state and locks")
          for a in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")),
        *(Call(a, None, f"{why}: the stack's secrets", key)
          for a in ("kms:Encrypt", "kms:Decrypt")),
    ]  # fmt: skip


def needed_calls(
    inventory: Inventory, deploy: DeployRole
) -> tuple[list[tuple[str, Call]], list[str]]:
    """(urn, call) for every call the program (and the CLI around it) needs, and what the
    reference could not place."""
    calls: list[tuple[str, Call]] = [("lookup", c) for c in cli_calls(deploy)]
    lookups, unexplained = lookup_calls(inventory, deploy.region, deploy.account)
    calls += [("lookup", c) for c in lookups]
    calls += [("lookup", c) for c in release_calls(inventory, deploy.region, deploy.account)]
    owned = deploy.administrator_owned()
    unknown: list[str] = [f"lookup {t}" for t in unexplained]
    for r in inventory.custom():
        if not r.type.startswith("aws:"):
            continue
        found, missing = resource_calls(r, read_only=r.urn in owned, region=deploy.region)
        calls += [(r.urn, c) for c in found]
        unknown += [f"{r.type}: {a}" for a in missing]
    return calls, sorted(set(unknown))


def _context(call: Call, region: str) -> dict[str, str]:
    service = call.action.split(":")[0]
    requested = "us-east-1" if service in GLOBAL_SERVICES else region
    return {"aws:RequestedRegion": requested, **call.context}


def _missing_grants(inventory: Inventory) -> Iterable[tuple[str, str]]:
    deploy = deploy_role(inventory)
    if deploy is None:
        return
    calls, _unknown = needed_calls(inventory, deploy)
    seen: set[tuple[str, str | None, str]] = set()
    for urn, call in calls:
        if call.action in NO_PERMISSION:
            continue
        why_not = deploy.grants.allows(call.action, call.resource, _context(call, deploy.region))
        if why_not is None:
            continue
        key = (call.action, call.resource, why_not)
        if key in seen:
            continue
        seen.add(key)
        target = call.resource or "(the resource it finds)"
        yield (
            urn if urn != "lookup" else deploy.role.urn,
            f"{deploy.role.name} cannot call {call.action} on {target} ({call.why}): {why_not}. "
            f"Grant it in {', '.join(p.name for p in deploy.policies)}"
            + (f" and {deploy.boundary.name}" if deploy.boundary else ""),
        )


# ------------------------------------------------------------ action/resource mismatch
def _expand(pattern: str) -> list[str]:
    try:
        expanded = ref.parliament.expand_action(pattern, raise_exceptions=False)
    except ValueError:
        return []
    return [f"{e['service']}:{e['action']}" for e in expanded]


def _mismatches(inventory: Inventory) -> Iterable[tuple[str, str]]:
    for doc in documents(inventory):
        if doc.kind == "trust":
            continue
        for s in Statement.parse(doc.parsed, doc.label()):
            if s.effect != "Allow" or not s.actions or not s.resources or "*" in s.resources:
                continue
            literal = [a for a in s.actions if "*" not in a and "?" not in a]
            wildcard = [a for a in s.actions if a not in literal]
            for action in literal:
                if not ref.action_exists(action):
                    continue  # iam-lint reports unknown actions
                if not any(ref.pattern_could_match(action, p) for p in s.resources):
                    takes = [rt.name or '"*"' for rt in ref.resource_types(action)]
                    yield (
                        doc.registration.urn,
                        f"{s.names()} grants {ref.canonical_action(action)} on "
                        f"{list(s.resources)}, but it takes only {', '.join(takes)}: the grant "
                        'never applies. Grant it on "*" (it supports nothing narrower)'
                        if takes == ['"*"']
                        else f"{s.names()} grants {action} on {list(s.resources)}, which are "
                        f"not of the resource types it takes ({', '.join(takes)})",
                    )
            for pattern in wildcard:
                expanded = _expand(pattern)
                if expanded and not any(
                    ref.pattern_could_match(a, p) for a in expanded for p in s.resources
                ):
                    yield (
                        doc.registration.urn,
                        f"{s.names()} grants {pattern} on {list(s.resources)}, which no action "
                        "it expands to can apply to: the grant never applies",
                    )
            actions = [a for pattern in s.actions for a in _expand(pattern)]
            for resource in s.resources:
                if actions and not any(ref.pattern_could_match(a, resource) for a in actions):
                    yield (
                        doc.registration.urn,
                        f"{s.names()} lists resource {resource}, which none of its actions "
                        f"({', '.join(s.actions)}) can apply to",
                    )


# ------------------------------------------------------------------ policy sizes
# IAM User Guide, "IAM and AWS STS quotas" (characters, whitespace not counted).
MANAGED_POLICY_MAX = 6_144  # a customer managed policy (and so a permissions boundary)
ROLE_INLINE_MAX = 10_240  # all inline policies of one role together
TRUST_POLICY_MAX = 2_048  # a role trust policy (the default quota)


def policy_size(document: Any) -> int:
    """What IAM counts: the characters of the JSON document, whitespace excluded."""
    text = document if isinstance(document, str) else json.dumps(document)
    return sum(1 for c in text if not c.isspace())


def _sizes(inventory: Inventory) -> Iterable[tuple[str, str]]:
    for p in inventory.of_type("aws:iam/policy:Policy"):
        size = policy_size(p.input("policy") or "")
        if size > MANAGED_POLICY_MAX:
            yield (
                p.urn,
                (
                    f"{p.name}.policy has {size} characters; a managed policy takes at most "
                    f"{MANAGED_POLICY_MAX} (whitespace not counted)"
                ),
            )
    for role in inventory.of_type("aws:iam/role:Role"):
        refs = {role.name, role.id, str(role.input("name"))}
        inline = sum(
            policy_size(p.input("policy") or "")
            for p in inventory.of_type("aws:iam/rolePolicy:RolePolicy")
            if p.input("role") in refs
        )
        if inline > ROLE_INLINE_MAX:
            yield (
                role.urn,
                (
                    f"{role.name}'s inline policies have {inline} characters together; a role "
                    f"takes at most {ROLE_INLINE_MAX}"
                ),
            )
        trust = policy_size(role.input("assumeRolePolicy") or "")
        if trust > TRUST_POLICY_MAX:
            yield (
                role.urn,
                (
                    f"{role.name}.assumeRolePolicy has {trust} characters; a trust policy takes "
                    f"at most {TRUST_POLICY_MAX} (the default quota)"
                ),
            )


# --------------------------------------------------------- restrictable actions on "*"
def restrictable_on_star(document: Mapping[str, Any]) -> list[str]:
    """The actions an identity policy allows on `"*"` that take a resource type, so they
    could be granted on something narrower (Checkov CKV_AWS_355; here conditions do not
    excuse a `"*"`, and wildcards are expanded with the service authorization reference)."""
    found: set[str] = set()
    for s in Statement.parse(document, ""):
        if s.effect != "Allow" or "*" not in s.resources:
            continue
        for pattern in s.actions:
            for action in _expand(pattern) if ("*" in pattern or "?" in pattern) else [pattern]:
                if ref.action_exists(action) and any(
                    rt.arn is not None for rt in ref.resource_types(action)
                ):
                    found.add(ref.canonical_action(action))
    return sorted(found)


def _star_grants(inventory: Inventory) -> Iterable[tuple[str, str]]:
    for doc in documents(inventory):
        if doc.kind != "identity":
            continue
        actions = restrictable_on_star(doc.parsed)
        if actions:
            shown = ", ".join(actions[:8]) + (
                f" and {len(actions) - 8} more" if len(actions) > 8 else ""
            )
            yield (
                doc.registration.urn,
                f'{doc.label()} allows {len(actions)} action(s) on "*" that take a resource '
                f"type ({shown}): grant them on the resources' ARNs (CKV_AWS_355)",
            )


CHECKS: list[Check] = [
    Check(
        "iam-lint",
        "every policy document passes parliament (errors)",
        PARLIAMENT_SOURCE,
        lambda inventory: _lint(inventory, errors=True),
    ),
    Check(
        "iam-lint-advice",
        "parliament's low-severity findings",
        PARLIAMENT_SOURCE,
        lambda inventory: _lint(inventory, errors=False),
        severity="warning",
    ),
    Check(
        "iam-action-resource-mismatch",
        "every granted action applies to the resources it is granted on",
        ref.DATA_SOURCE,
        _mismatches,
    ),
    Check(
        "iam-policy-size",
        "managed, inline and trust policies fit IAM's size quotas",
        "IAM User Guide, 'IAM and AWS STS quotas' (docs.aws.amazon.com/IAM/latest/UserGuide/"
        "reference_iam-quotas.html)",
        _sizes,
    ),
    Check(
        "iam-restrictable-action-on-star",
        'no identity policy grants on "*" an action that takes a resource (Checkov CKV_AWS_355)',
        f"{ref.DATA_SOURCE}; Checkov CKV_AWS_355 (cloudsplaining restrictable actions)",
        _star_grants,
    ),
    Check(
        "iam-deploy-role-grants",
        "the CI deploy role may make every call the program's lookups and resources need",
        f"{ref.DATA_SOURCE}; CloudFormation resource schemas handlers.*.permissions (cfn-lint "
        "data/schemas); Terraform AWS provider data sources (LOOKUP_CALLS in "
        "offline/preflight/iam.py)",
        _missing_grants,
    ),
]
