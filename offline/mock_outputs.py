"""What the mock engine answers for each resource type: id and computed outputs, one row each.

A real provider returns ids, ARNs, names, endpoints and URLs in formats its cloud
defines; strings the program builds from them (ARNs inside IAM policies, queue
URLs in environments, endpoints in variables) are only as checkable as those
formats are real. Each `Row` gives, for one Pulumi type token:

- `id`: the resource id the provider sets, in the shape its import documentation
  names (an SQS queue's id is its URL, a KMS key's a UUID, an ECS service's its
  ARN, a GKE cluster's `projects/…/locations/…/clusters/…`);
- `outputs`: the computed outputs the provider adds (ARNs, endpoints, …);
- `arn`: where the type has an ARN, its `(service prefix, resource type)` in the
  AWS service authorization reference, whose ARN template the mock's ARN must
  match (`tests/offline/test_mock_outputs.py` checks every one against parliament's
  copy of that reference);
- `name_input`: the input that holds the physical name (default `name`); absent,
  the name is auto-generated the way Pulumi does (`<logical name>-<7 hex>`);
- `arn_output`: the output that holds the ARN where the provider does not name it
  `arn` (a Chatbot configuration's `chatConfigurationArn`, a dashboard's `dashboardArn`).

Values are templates over `Fields` (`{region}`, `{account}`, `{name}`, `{id}`,
`{h<N>}` for N hex characters of a stable hash of the logical name, `{uuid}`,
`{project}`, `{inputs[key]}`) or functions of a `Context`, so every output is
deterministic. A type without a row gets only an id (`<name>-<hash>`); a test
fails when a type the stacks register has no row.
"""

from __future__ import annotations

import hashlib
import string
import uuid as uuid_module
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
GCP_DEFAULT_PROJECT = "mock-project"


def stable_hash(text: str, length: int) -> str:
    """`length` hex characters of a SHA-256 of `text` (deterministic across runs)."""
    digest = ""
    counter = 0
    while len(digest) < length:
        digest += hashlib.sha256(f"{text}#{counter}".encode()).hexdigest()
        counter += 1
    return digest[:length]


def stable_alnum(text: str, length: int, *, upper: bool = False) -> str:
    """`length` letters and digits derived from `text` (deterministic across runs)."""
    alphabet = (string.ascii_uppercase if upper else string.ascii_letters) + string.digits
    raw = bytes.fromhex(stable_hash(text, 2 * length))
    return "".join(alphabet[b % len(alphabet)] for b in raw)


def operator_value_stand_in(value: Any, stack: str) -> str:
    """A value an operator sets by hand (`infra.config.OperatorValue`), in its real shape:
    a Slack channel id (`C` + 10 letters and digits), a PagerDuty Events integration URL,
    a Sentry DSN; derived from the stack and the key, so every run gives the same one."""
    seed = f"{stack}::{value.key}"
    if value.kind == "slack-channel-id":
        return "C" + stable_alnum(seed, 10, upper=True)
    if value.kind == "pager-url":
        return f"https://events.pagerduty.com/integration/{stable_hash(seed, 32)}/enqueue"
    if value.kind == "error-tracking-dsn":
        org, project = (str(int(stable_hash(seed + n, 8), 16))[:7] for n in ("o", "p"))
        return f"https://{stable_hash(seed, 32)}@o{org}.ingest.us.sentry.io/{project}"
    raise ValueError(f"no stand-in for operator value kind {value.kind!r}")


def vercel_project_id(name: str) -> str:
    """A Vercel project id (`prj_` + 28 letters and digits), the same whether created or read."""
    return "prj_" + stable_alnum(f"vercel-project::{name}", 28)


@dataclass(frozen=True)
class Context:
    """What a row's values are computed from: one registration and its provider."""

    type: str
    logical: str  # the Pulumi logical name
    inputs: Mapping[str, Any]
    region: str = DEFAULT_REGION
    account: str = ACCOUNT_ID
    project: str = GCP_DEFAULT_PROJECT  # the Google Cloud project of the provider
    name: str = ""  # the physical name (filled in by `outputs_for`)
    id: str = ""  # the id (filled in once computed)

    def h(self, length: int, salt: str = "") -> str:
        return stable_hash(f"{self.type}::{self.logical}::{salt}", length)

    def digits(self, length: int, salt: str = "") -> str:
        return str(int(self.h(24, salt), 16)).rjust(length, "7")[:length]

    def alnum(self, length: int, salt: str = "", upper: bool = False) -> str:
        return stable_alnum(f"{self.type}::{self.logical}::{salt}", length, upper=upper)

    def uuid(self, salt: str = "") -> str:
        return str(uuid_module.UUID(self.h(32, salt), version=4))

    def input(self, key: str, default: Any = None) -> Any:
        value = self.inputs.get(key)
        return default if value is None else value

    @property
    def project_number(self) -> str:
        return str(int(stable_hash(self.project, 12), 16))[:12]


class Fields(Mapping[str, Any]):
    """The names a template may use; `h<N>` is N hex characters of the logical name's hash."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._fixed: dict[str, Any] = {
            "region": ctx.region,
            "account": ctx.account,
            "name": ctx.name,
            "logical": ctx.logical,
            "id": ctx.id,
            "project": ctx.project,
            "project_number": ctx.project_number,
            "uuid": ctx.uuid(),
            "inputs": ctx.inputs,
        }

    def __getitem__(self, key: str) -> Any:
        if key in self._fixed:
            return self._fixed[key]
        if key.startswith("h") and key[1:].isdigit():
            return self._ctx.h(int(key[1:]))
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._fixed)

    def __len__(self) -> int:
        return len(self._fixed)


Value = Any  # a template string, a function of the Context, or a constant
# A row's `id` when the provider uses the ARN as the id (its `arn` output must not use `{id}`).
ID_IS_ARN = "<the arn output>"


@dataclass(frozen=True)
class Row:
    id: Value
    outputs: Mapping[str, Value] = field(default_factory=dict)
    arn: tuple[str, str] | None = None  # (service prefix, resource type) of the ARN
    name_input: str | None = "name"
    # The output holding the ARN where the provider does not call it `arn`.
    arn_output: str = "arn"


def _render(value: Value, ctx: Context) -> Any:
    if callable(value):
        return value(ctx)
    if isinstance(value, str):
        return value.format_map(Fields(ctx))
    return value


def _regional(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{{region}}:{{account}}:{resource}"


def _last(value: str) -> str:
    return str(value).rsplit("/", 1)[-1].rsplit(":", 1)[-1]


# ------------------------------------------------------------------ computed shapes
def _certificate_validation_options(ctx: Context) -> list[dict[str, str]]:
    domain = str(ctx.input("domainName", "example.com"))
    names = [domain, *(ctx.input("subjectAlternativeNames") or [])]
    return [
        {
            "domainName": d,
            "resourceRecordName": f"_{stable_hash(d, 32)}.{d}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": f"_{stable_hash(d + 'v', 32)}.{stable_hash(d, 10)}"
            ".acm-validations.aws.",
        }
        for d in names
    ]


def _cluster_name(ctx: Context) -> str:
    return _last(str(ctx.input("cluster", "default")))


def _load_balancer_path(arn: str) -> str:
    """`app/<name>/<id>` of a load balancer ARN (or of a listener's, which extends it)."""
    return "/".join(arn.split(":", 5)[5].split("/")[1:4])


def _listener_arn(ctx: Context) -> str:
    lb = _load_balancer_path(str(ctx.input("loadBalancerArn", "")))
    return f"arn:aws:elasticloadbalancing:{ctx.region}:{ctx.account}:listener/{lb}/{ctx.h(16)}"


def _listener_rule_arn(ctx: Context) -> str:
    listener = str(ctx.input("listenerArn", "")).split(":", 5)[5].removeprefix("listener/")
    return (
        f"arn:aws:elasticloadbalancing:{ctx.region}:{ctx.account}:listener-rule/"
        f"{listener}/{ctx.h(16)}"
    )


def _cache_suffix(ctx: Context) -> str:
    short = {"us-east-1": "use1", "us-east-2": "use2", "us-west-2": "usw2", "eu-west-1": "euw1"}
    return f"{ctx.h(6)}.{short.get(ctx.region, ctx.region)}.cache.amazonaws.com"


def _rds_master_secrets(ctx: Context) -> list[dict[str, str]]:
    if not ctx.input("manageMasterUserPassword"):
        return []
    return [
        {
            "secretArn": f"arn:aws:secretsmanager:{ctx.region}:{ctx.account}:secret:"
            f"rds!cluster-{ctx.uuid('secret')}-{ctx.alnum(6, 'secret')}",
            "secretStatus": "active",
            "kmsKeyId": ctx.input("masterUserSecretKmsKeyId")
            or f"arn:aws:kms:{ctx.region}:{ctx.account}:alias/aws/secretsmanager",
        }
    ]


def _random_password(ctx: Context) -> str:
    length = int(ctx.input("length", 32))
    return ("Mock" + ctx.h(max(length, 8)))[:length]


def _gcp_location(ctx: Context) -> str:
    return str(ctx.input("location") or ctx.input("region") or ctx.region)


def _gcp_project(ctx: Context) -> str:
    return str(ctx.input("project") or ctx.project)


def _service_account_email(ctx: Context) -> str:
    return f"{ctx.input('accountId', ctx.name)}@{_gcp_project(ctx)}.iam.gserviceaccount.com"


def _pool_name(ctx: Context) -> str:
    return (
        f"projects/{ctx.project_number}/locations/global/workloadIdentityPools/"
        f"{ctx.input('workloadIdentityPoolId', ctx.name)}"
    )


_ELB_ZONE_IDS = {"us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2"}

# ---------------------------------------------------------------------------- the table
AWS: dict[str, Row] = {
    "aws:acm/certificate:Certificate": Row(
        id=ID_IS_ARN,
        outputs={
            "arn": _regional("acm", "certificate/{uuid}"),
            "domainValidationOptions": _certificate_validation_options,
            "status": "ISSUED",
        },
        arn=("acm", "certificate"),
        name_input=None,
    ),
    "aws:acm/certificateValidation:CertificateValidation": Row(
        # The provider sets the certificate's issue time as the id.
        id="2026-01-01 00:00:00 +0000 UTC",
        outputs={"certificateArn": "{inputs[certificateArn]}"},
        name_input=None,
    ),
    "aws:apigatewayv2/api:Api": Row(
        id=lambda c: c.h(10),
        outputs={
            "apiEndpoint": "https://{id}.execute-api.{region}.amazonaws.com",
            "executionArn": "arn:aws:execute-api:{region}:{account}:{id}",
            "arn": "arn:aws:apigateway:{region}::/apis/{id}",
        },
        arn=("apigateway", "Api"),
    ),
    "aws:apigatewayv2/integration:Integration": Row(id=lambda c: c.alnum(7).lower()),
    "aws:apigatewayv2/route:Route": Row(id=lambda c: c.alnum(7).lower(), name_input=None),
    "aws:apigatewayv2/stage:Stage": Row(
        id="{name}",
        outputs={
            "arn": "arn:aws:apigateway:{region}::/apis/{inputs[apiId]}/stages/{name}",
            "executionArn": "arn:aws:execute-api:{region}:{account}:{inputs[apiId]}/{name}",
            # The $default stage is served at the root, any other under its name.
            "invokeUrl": lambda c: (
                f"https://{c.input('apiId')}.execute-api.{c.region}"
                ".amazonaws.com/" + ("" if c.name == "$default" else c.name)
            ),
        },
        arn=("apigateway", "Stage"),
    ),
    "aws:appautoscaling/policy:Policy": Row(
        id="{name}",
        outputs={
            "arn": "arn:aws:autoscaling:{region}:{account}:scalingPolicy:{uuid}:resource/"
            "{inputs[serviceNamespace]}/{inputs[resourceId]}:policyName/{name}",
            "alarmArns": [],
        },
    ),
    "aws:appautoscaling/target:Target": Row(
        id="{inputs[resourceId]}",
        outputs={"arn": _regional("application-autoscaling", "scalable-target/{h32}")},
        arn=("application-autoscaling", "ScalableTarget"),
        name_input=None,
    ),
    "aws:autoscaling/group:Group": Row(
        # The provider's id is the group's name.
        id="{name}",
        outputs={
            "arn": "arn:aws:autoscaling:{region}:{account}:autoScalingGroup:{uuid}:"
            "autoScalingGroupName/{name}",
            "availabilityZones": lambda c: [f"{c.region}a"],
            "predictedCapacity": 0,
        },
        arn=("autoscaling", "autoScalingGroup"),
    ),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": Row(
        # One replication configuration per registry: its id is the registry (account) id.
        id="{account}",
        outputs={"registryId": "{account}"},
        name_input=None,
    ),
    "aws:ecr/registryPolicy:RegistryPolicy": Row(
        # One registry policy per registry: the provider's id is the registry (account) id.
        id="{account}",
        outputs={"registryId": "{account}"},
        name_input=None,
    ),
    "aws:budgets/budget:Budget": Row(
        # Terraform's import id: ACCOUNT_ID:BUDGET_NAME.
        id="{account}:{name}",
        outputs={"arn": "arn:aws:budgets::{account}:budget/{name}", "accountId": "{account}"},
        arn=("budgets", "budget"),
    ),
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": Row(
        id=ID_IS_ARN,
        outputs={
            "chatConfigurationArn": "arn:aws:chatbot::{account}:chat-configuration/"
            "slack-channel/{name}",
            "slackChannelName": lambda c: f"channel-{c.alnum(6).lower()}",
            "slackTeamName": "aevon",
        },
        arn=("chatbot", "ChatbotConfiguration"),
        name_input="configurationName",
        arn_output="chatConfigurationArn",
    ),
    "aws:cloudwatch/dashboard:Dashboard": Row(
        id="{name}",
        outputs={"dashboardArn": "arn:aws:cloudwatch::{account}:dashboard/{name}"},
        arn=("cloudwatch", "dashboard"),
        name_input="dashboardName",
        arn_output="dashboardArn",
    ),
    # AWS Backup: a vault's id is its name; a plan's and a selection's are generated UUIDs.
    "aws:backup/plan:Plan": Row(
        id="{uuid}",
        outputs={
            "arn": _regional("backup", "backup-plan:{id}"),
            "version": lambda c: c.alnum(40, "version"),
        },
        arn=("backup", "backupPlan"),
    ),
    "aws:backup/selection:Selection": Row(id=lambda c: c.uuid("selection")),
    "aws:backup/vault:Vault": Row(
        id="{name}",
        outputs={"arn": _regional("backup", "backup-vault:{name}"), "recoveryPoints": 0},
        arn=("backup", "backupVault"),
    ),
    "aws:cloudwatch/logGroup:LogGroup": Row(
        id="{name}",
        outputs={"arn": _regional("logs", "log-group:{name}")},
        arn=("logs", "log-group"),
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": Row(
        id="{name}",
        outputs={"arn": _regional("cloudwatch", "alarm:{name}")},
        arn=("cloudwatch", "alarm"),
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": Row(
        id="sg-{h17}",
        outputs={
            "arn": _regional("ec2", "security-group/{id}"),
            "name": "default",
            "ownerId": "{account}",
        },
        arn=("ec2", "security-group"),
        name_input=None,
    ),
    "aws:ec2/eip:Eip": Row(
        id="eipalloc-{h17}",
        outputs={
            "allocationId": "{id}",
            "arn": _regional("ec2", "elastic-ip/{id}"),
            "publicIp": lambda c: f"54.210.{int(c.h(2), 16)}.{int(c.h(4)[2:], 16)}",
        },
        arn=("ec2", "elastic-ip"),
        name_input=None,
    ),
    "aws:ec2/flowLog:FlowLog": Row(
        id="fl-{h17}",
        outputs={"arn": _regional("ec2", "vpc-flow-log/{id}")},
        arn=("ec2", "vpc-flow-log"),
        name_input=None,
    ),
    "aws:ec2/internetGateway:InternetGateway": Row(
        id="igw-{h17}",
        outputs={"arn": _regional("ec2", "internet-gateway/{id}"), "ownerId": "{account}"},
        arn=("ec2", "internet-gateway"),
        name_input=None,
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": Row(
        id="lt-{h17}",
        outputs={
            "arn": _regional("ec2", "launch-template/{id}"),
            # A new template's first version is 1 (EC2 API Reference, CreateLaunchTemplate).
            "latestVersion": 1,
            "defaultVersion": 1,
        },
        arn=("ec2", "launch-template"),
    ),
    "aws:ec2/natGateway:NatGateway": Row(
        id="nat-{h17}",
        outputs={
            "publicIp": lambda c: f"3.{int(c.h(2), 16)}.{int(c.h(4)[2:], 16)}.10",
            "privateIp": lambda c: f"10.0.{int(c.h(2), 16)}.{int(c.h(4)[2:], 16)}",
        },
        name_input=None,
    ),
    "aws:ec2/networkInterface:NetworkInterface": Row(
        id="eni-{h17}",
        outputs={
            "arn": _regional("ec2", "network-interface/{id}"),
            "privateIp": lambda c: f"10.0.{int(c.h(2), 16)}.{int(c.h(4)[2:], 16)}",
            "privateDnsName": lambda c: (
                f"ip-10-0-{int(c.h(2), 16)}-{int(c.h(4)[2:], 16)}.ec2.internal"
            ),
            "macAddress": lambda c: ":".join(c.h(12)[i : i + 2] for i in range(0, 12, 2)),
            "ownerId": "{account}",
            "interfaceType": "interface",
        },
        arn=("ec2", "network-interface"),
        name_input=None,
    ),
    "aws:ec2/route:Route": Row(
        # The provider's id: "r-" + route table id + a hash of the destination.
        id=lambda c: f"r-{c.input('routeTableId')}{c.digits(10)}",
        name_input=None,
    ),
    "aws:ec2/routeTable:RouteTable": Row(
        id="rtb-{h17}",
        outputs={"arn": _regional("ec2", "route-table/{id}"), "ownerId": "{account}"},
        arn=("ec2", "route-table"),
        name_input=None,
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": Row(
        id="rtbassoc-{h17}", name_input=None
    ),
    "aws:ec2/securityGroup:SecurityGroup": Row(
        id="sg-{h17}",
        outputs={
            "arn": _regional("ec2", "security-group/{id}"),
            "name": "{name}",
            "ownerId": "{account}",
        },
        arn=("ec2", "security-group"),
    ),
    "aws:ec2/subnet:Subnet": Row(
        id="subnet-{h17}",
        outputs={"arn": _regional("ec2", "subnet/{id}"), "ownerId": "{account}"},
        arn=("ec2", "subnet"),
        name_input=None,
    ),
    "aws:ec2/vpc:Vpc": Row(
        id="vpc-{h17}",
        outputs={
            "arn": _regional("ec2", "vpc/{id}"),
            "defaultSecurityGroupId": lambda c: f"sg-{c.h(17, 'default-sg')}",
            "mainRouteTableId": lambda c: f"rtb-{c.h(17, 'main-rtb')}",
            "defaultRouteTableId": lambda c: f"rtb-{c.h(17, 'main-rtb')}",
            "defaultNetworkAclId": lambda c: f"acl-{c.h(17, 'default-acl')}",
            "ownerId": "{account}",
        },
        arn=("ec2", "vpc"),
        name_input=None,
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": Row(
        id="vpce-{h17}",
        outputs={
            "arn": _regional("ec2", "vpc-endpoint/{id}"),
            "prefixListId": lambda c: f"pl-{c.h(8, 'pl')}",
            "ownerId": "{account}",
        },
        arn=("ec2", "vpc-endpoint"),
        name_input=None,
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": Row(
        id="sgr-{h17}",
        outputs={
            "arn": _regional("ec2", "security-group-rule/{id}"),
            "securityGroupRuleId": "{id}",
        },
        arn=("ec2", "security-group-rule"),
        name_input=None,
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": Row(
        id="sgr-{h17}",
        outputs={
            "arn": _regional("ec2", "security-group-rule/{id}"),
            "securityGroupRuleId": "{id}",
        },
        arn=("ec2", "security-group-rule"),
        name_input=None,
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": Row(
        id="{inputs[repository]}", outputs={"registryId": "{account}"}, name_input=None
    ),
    "aws:ecr/repository:Repository": Row(
        id="{name}",
        outputs={
            "arn": _regional("ecr", "repository/{name}"),
            "repositoryUrl": "{account}.dkr.ecr.{region}.amazonaws.com/{name}",
            "registryId": "{account}",
        },
        arn=("ecr", "repository"),
    ),
    "aws:ecs/cluster:Cluster": Row(
        id=_regional("ecs", "cluster/{name}"),
        outputs={"arn": "{id}", "name": "{name}"},
        arn=("ecs", "cluster"),
    ),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": Row(
        id="{inputs[clusterName]}", name_input=None
    ),
    "aws:ecs/service:Service": Row(
        id=lambda c: f"arn:aws:ecs:{c.region}:{c.account}:service/{_cluster_name(c)}/{c.name}",
        outputs={"arn": "{id}", "name": "{name}"},
        arn=("ecs", "service"),
    ),
    "aws:ecs/taskDefinition:TaskDefinition": Row(
        id="{name}",
        outputs={
            "arn": _regional("ecs", "task-definition/{name}:1"),
            "arnWithoutRevision": _regional("ecs", "task-definition/{name}"),
            "revision": 1,
        },
        arn=("ecs", "task-definition"),
        name_input="family",
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": Row(
        id="{name}",
        outputs={
            "arn": _regional("elasticache", "replicationgroup:{name}"),
            "primaryEndpointAddress": lambda c: f"master.{c.name}.{_cache_suffix(c)}",
            "readerEndpointAddress": lambda c: f"replica.{c.name}.{_cache_suffix(c)}",
            "memberClusters": lambda c: [
                f"{c.name}-{i + 1:03d}" for i in range(int(c.input("numCacheClusters", 1)))
            ],
            "clusterEnabled": False,
            "engineVersionActual": lambda c: f"{c.input('engineVersion', '8.0')}.1",
        },
        arn=("elasticache", "replicationgroup"),
        name_input="replicationGroupId",
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": Row(
        id="{name}",
        outputs={"arn": _regional("elasticache", "subnetgroup:{name}")},
        arn=("elasticache", "subnetgroup"),
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": Row(
        id=ID_IS_ARN,
        outputs={
            "arn": lambda c: (
                f"arn:aws:iam::{c.account}:oidc-provider/"
                + str(c.input("url", "")).removeprefix("https://")
            )
        },
        arn=("iam", "oidc-provider"),
        name_input=None,
    ),
    "aws:iam/policy:Policy": Row(
        id=ID_IS_ARN,
        outputs={
            "arn": "arn:aws:iam::{account}:policy/{name}",
            "policyId": lambda c: "ANPA" + c.alnum(17, upper=True),
            "attachmentCount": 0,
        },
        arn=("iam", "policy"),
    ),
    "aws:iam/instanceProfile:InstanceProfile": Row(
        id="{name}",
        outputs={
            "arn": "arn:aws:iam::{account}:instance-profile/{name}",
            "uniqueId": lambda c: "AIPA" + c.alnum(17, upper=True),
            "createDate": "2026-01-01T00:00:00Z",
        },
        arn=("iam", "instance-profile"),
    ),
    "aws:iam/role:Role": Row(
        id="{name}",
        outputs={
            "arn": "arn:aws:iam::{account}:role/{name}",
            "uniqueId": lambda c: "AROA" + c.alnum(17, upper=True),
            "createDate": "2026-01-01T00:00:00Z",
        },
        arn=("iam", "role"),
    ),
    "aws:iam/rolePolicy:RolePolicy": Row(id="{inputs[role]}:{name}"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": Row(
        id=lambda c: f"{c.input('role')}-{c.digits(26)}", name_input=None
    ),
    "aws:kms/alias:Alias": Row(
        id="{name}",
        outputs={
            "arn": _regional("kms", "{name}"),
            "targetKeyArn": _regional("kms", "key/{inputs[targetKeyId]}"),
        },
        arn=("kms", "alias"),
    ),
    "aws:kms/key:Key": Row(
        id="{uuid}",
        outputs={"keyId": "{id}", "arn": _regional("kms", "key/{id}")},
        arn=("kms", "key"),
        name_input=None,
    ),
    "aws:lambda/eventSourceMapping:EventSourceMapping": Row(
        id="{uuid}",
        outputs={
            "uuid": "{id}",
            "arn": _regional("lambda", "event-source-mapping:{id}"),
            "functionArn": "{inputs[functionName]}",
        },
        arn=("lambda", "eventSourceMapping"),
        name_input=None,
    ),
    "aws:lambda/function:Function": Row(
        id="{name}",
        outputs={
            "arn": _regional("lambda", "function:{name}"),
            "invokeArn": "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
            + _regional("lambda", "function:{name}")
            + "/invocations",
            "qualifiedArn": _regional("lambda", "function:{name}:$LATEST"),
            "version": "$LATEST",
        },
        arn=("lambda", "function"),
    ),
    "aws:lambda/permission:Permission": Row(id="{name}", name_input="statementId"),
    "aws:lb/listener:Listener": Row(
        id=_listener_arn, outputs={"arn": "{id}"}, arn=("elasticloadbalancing", "listener/app")
    ),
    "aws:lb/listenerRule:ListenerRule": Row(
        id=_listener_rule_arn,
        outputs={"arn": "{id}"},
        arn=("elasticloadbalancing", "listener-rule/app"),
        name_input=None,
    ),
    "aws:lb/loadBalancer:LoadBalancer": Row(
        id=_regional("elasticloadbalancing", "loadbalancer/app/{name}/{h16}"),
        outputs={
            "arn": "{id}",
            "arnSuffix": "app/{name}/{h16}",
            "dnsName": lambda c: f"{c.name}-{c.digits(10)}.{c.region}.elb.amazonaws.com",
            "zoneId": lambda c: _ELB_ZONE_IDS.get(c.region, "Z35SXDOTRQ7X7K"),
        },
        arn=("elasticloadbalancing", "loadbalancer/app/"),
    ),
    "aws:lb/targetGroup:TargetGroup": Row(
        id=_regional("elasticloadbalancing", "targetgroup/{name}/{h16}"),
        outputs={"arn": "{id}", "arnSuffix": "targetgroup/{name}/{h16}"},
        arn=("elasticloadbalancing", "targetgroup"),
    ),
    "aws:rds/cluster:Cluster": Row(
        id="{name}",
        outputs={
            "arn": _regional("rds", "cluster:{name}"),
            "clusterIdentifier": "{name}",
            "endpoint": lambda c: (
                f"{c.name}.cluster-{c.alnum(12).lower()}.{c.region}.rds.amazonaws.com"
            ),
            "readerEndpoint": lambda c: (
                f"{c.name}.cluster-ro-{c.alnum(12).lower()}.{c.region}.rds.amazonaws.com"
            ),
            "clusterResourceId": lambda c: "cluster-" + c.alnum(26, upper=True),
            "engineVersionActual": "{inputs[engineVersion]}",
            "port": lambda c: c.input("port", 5432),
            "hostedZoneId": "Z2R2ITUGPM61AM",
            "masterUserSecrets": _rds_master_secrets,
        },
        arn=("rds", "cluster"),
        name_input="clusterIdentifier",
    ),
    "aws:rds/clusterInstance:ClusterInstance": Row(
        id="{name}",
        outputs={
            "arn": _regional("rds", "db:{name}"),
            "endpoint": lambda c: f"{c.name}.{c.alnum(12).lower()}.{c.region}.rds.amazonaws.com",
            "dbiResourceId": lambda c: "db-" + c.alnum(26, upper=True),
            "writer": lambda c: c.logical.endswith("writer"),
            "port": 5432,
        },
        arn=("rds", "db"),
        name_input="identifier",
    ),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": Row(
        id="{name}",
        outputs={"arn": _regional("rds", "cluster-pg:{name}")},
        arn=("rds", "cluster-pg"),
    ),
    "aws:rds/subnetGroup:SubnetGroup": Row(
        id="{name}", outputs={"arn": _regional("rds", "subgrp:{name}")}, arn=("rds", "subgrp")
    ),
    "aws:route53/record:Record": Row(
        id=lambda c: f"{c.input('zoneId')}_{str(c.input('name')).rstrip('.')}_{c.input('type')}",
        outputs={"fqdn": lambda c: str(c.input("name", "")).rstrip(".")},
    ),
    "aws:s3/bucket:Bucket": Row(
        id="{name}",
        outputs={
            "bucket": "{name}",
            "arn": "arn:aws:s3:::{name}",
            "bucketDomainName": "{name}.s3.amazonaws.com",
            "bucketRegionalDomainName": "{name}.s3.{region}.amazonaws.com",
            "region": "{region}",
        },
        arn=("s3", "bucket"),
        name_input="bucket",
    ),
    **{
        f"aws:s3/{kind}:{kind[0].upper()}{kind[1:]}": Row(id="{inputs[bucket]}", name_input=None)
        for kind in (
            "bucketLifecycleConfiguration",
            "bucketOwnershipControls",
            "bucketPolicy",
            "bucketPublicAccessBlock",
            "bucketServerSideEncryptionConfiguration",
            "bucketVersioning",
        )
    },
    "aws:secretsmanager/secret:Secret": Row(
        id=lambda c: f"arn:aws:secretsmanager:{c.region}:{c.account}:secret:{c.name}-" + c.alnum(6),
        outputs={"arn": "{id}"},
        arn=("secretsmanager", "Secret"),
    ),
    "aws:secretsmanager/secretRotation:SecretRotation": Row(
        id="{inputs[secretId]}", outputs={"rotationEnabled": True}, name_input=None
    ),
    "aws:secretsmanager/secretVersion:SecretVersion": Row(
        id=lambda c: f"{c.input('secretId')}|{c.uuid('version')}",
        outputs={
            "arn": "{inputs[secretId]}",
            "versionId": lambda c: c.uuid("version"),
            "versionStages": ["AWSCURRENT"],
        },
        arn=("secretsmanager", "Secret"),
        name_input=None,
    ),
    "aws:sns/topic:Topic": Row(
        id=_regional("sns", "{name}"),
        outputs={"arn": "{id}", "name": "{name}"},
        arn=("sns", "topic"),
    ),
    "aws:sns/topicSubscription:TopicSubscription": Row(
        # A subscription's ARN is its topic's ARN and a UUID (its id).
        id=ID_IS_ARN,
        outputs={
            "arn": lambda c: f"{c.input('topic')}:{c.uuid()}",
            "ownerId": "{account}",
            "pendingConfirmation": lambda c: c.input("protocol") == "email",
            "confirmationWasAuthenticated": False,
        },
        name_input=None,  # no resource type of its own in the authorization reference
    ),
    "aws:sns/topicPolicy:TopicPolicy": Row(
        id="{inputs[arn]}", outputs={"owner": "{account}"}, arn=("sns", "topic"), name_input=None
    ),
    "aws:sqs/queue:Queue": Row(
        id="https://sqs.{region}.amazonaws.com/{account}/{name}",
        outputs={"url": "{id}", "arn": _regional("sqs", "{name}"), "name": "{name}"},
        arn=("sqs", "queue"),
    ),
    "aws:sqs/queuePolicy:QueuePolicy": Row(id="{inputs[queueUrl]}", name_input=None),
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": Row(id="{inputs[queueUrl]}", name_input=None),
    # WAF (regional scope): the ACL's id is a UUID; its ARN names scope, name and id.
    "aws:wafv2/webAcl:WebAcl": Row(
        id="{uuid}",
        outputs={
            "arn": lambda c: (
                f"arn:aws:wafv2:{c.region}:{c.account}:regional/webacl/{c.name}/{c.uuid()}"
            ),
            "capacity": 1300,
            "lockToken": lambda c: c.uuid("lock"),
        },
        arn=("wafv2", "webacl"),
    ),
    # The association's import id: `<web ACL ARN>,<resource ARN>`.
    "aws:wafv2/webAclAssociation:WebAclAssociation": Row(
        id="{inputs[webAclArn]},{inputs[resourceArn]}", name_input=None
    ),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": Row(
        id="{inputs[resourceArn]}", name_input=None
    ),
}


def _service_agent(ctx: Context) -> str:
    """A Google service agent (`service-<project number>@gcp-sa-<service>.iam...`)."""
    service = str(ctx.input("service", "")).removesuffix(".googleapis.com")
    return f"service-{ctx.project_number}@gcp-sa-{service}.iam.gserviceaccount.com"


GCP: dict[str, Row] = {
    # google_binary_authorization_policy: one per project, its id is `projects/<project>`.
    "gcp:binaryauthorization/policy:Policy": Row(
        id=lambda c: f"projects/{_gcp_project(c)}", name_input=None
    ),
    "gcp:compute/firewall:Firewall": Row(
        id=lambda c: f"projects/{_gcp_project(c)}/global/firewalls/{c.name}",
        outputs={
            "name": "{name}",
            "selfLink": lambda c: (
                f"https://www.googleapis.com/compute/v1/projects/"
                f"{_gcp_project(c)}/global/firewalls/{c.name}"
            ),
        },
    ),
    "gcp:kms/keyRing:KeyRing": Row(
        id=lambda c: f"projects/{_gcp_project(c)}/locations/{_gcp_location(c)}/keyRings/{c.name}",
        outputs={"name": "{name}"},
    ),
    "gcp:kms/cryptoKey:CryptoKey": Row(
        id=lambda c: f"{c.input('keyRing')}/cryptoKeys/{c.name}",
        outputs={"name": "{name}", "primaries": lambda c: [{"name": "1", "state": "ENABLED"}]},
    ),
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": Row(
        id="{inputs[cryptoKeyId]}/{inputs[role]}/{inputs[member]}",
        outputs={"etag": lambda c: "BwY" + c.alnum(9)},
        name_input=None,
    ),
    "gcp:projects/iAMCustomRole:IAMCustomRole": Row(
        id=lambda c: f"projects/{c.input('project') or c.project}/roles/{c.input('roleId')}",
        outputs={"name": "{id}", "deleted": False},
        name_input="roleId",
    ),
    # google_project_service_identity: the service agent of one Google API.
    "gcp:projects/serviceIdentity:ServiceIdentity": Row(
        id=lambda c: f"projects/{_gcp_project(c)}/services/{c.input('service')}",
        outputs={
            "email": _service_agent,
            "member": lambda c: f"serviceAccount:{_service_agent(c)}",
        },
        name_input=None,
    ),
    "gcp:artifactregistry/repository:Repository": Row(
        id=lambda c: (
            f"projects/{_gcp_project(c)}/locations/{_gcp_location(c)}/repositories/{c.name}"
        ),
        outputs={
            "name": "{name}",
            "registryUri": lambda c: (
                f"{_gcp_location(c)}-docker.pkg.dev/{_gcp_project(c)}/{c.name}"
            ),
        },
        name_input="repositoryId",
    ),
    # An IAM member's id is `<resource id>/<role>/<member>` (provider docs, "Import").
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": Row(
        id=lambda c: (
            f"projects/{c.input('project') or _gcp_project(c)}/locations/{c.input('location')}"
            f"/repositories/{c.input('repository')}/{c.input('role')}/{c.input('member')}"
        ),
        outputs={"etag": lambda c: "BwY" + c.alnum(9)},
        name_input=None,
    ),
    "gcp:compute/network:Network": Row(
        id=lambda c: f"projects/{_gcp_project(c)}/global/networks/{c.name}",
        outputs={
            "name": "{name}",
            "selfLink": lambda c: (
                f"https://www.googleapis.com/compute/v1/projects/"
                f"{_gcp_project(c)}/global/networks/{c.name}"
            ),
        },
    ),
    "gcp:compute/router:Router": Row(
        id=lambda c: f"projects/{_gcp_project(c)}/regions/{_gcp_location(c)}/routers/{c.name}",
        outputs={
            "name": "{name}",
            "selfLink": lambda c: (
                f"https://www.googleapis.com/compute/v1/projects/"
                f"{_gcp_project(c)}/regions/{_gcp_location(c)}/routers/{c.name}"
            ),
        },
    ),
    "gcp:compute/routerNat:RouterNat": Row(
        id=lambda c: f"{_gcp_project(c)}/{_gcp_location(c)}/{c.input('router')}/{c.name}",
        outputs={"name": "{name}"},
    ),
    "gcp:compute/subnetwork:Subnetwork": Row(
        id=lambda c: f"projects/{_gcp_project(c)}/regions/{_gcp_location(c)}/subnetworks/{c.name}",
        outputs={
            "name": "{name}",
            "selfLink": lambda c: (
                f"https://www.googleapis.com/compute/v1/projects/"
                f"{_gcp_project(c)}/regions/{_gcp_location(c)}/subnetworks/{c.name}"
            ),
            "gatewayAddress": lambda c: (
                str(c.input("ipCidrRange", "10.0.0.0/20")).split("/")[0][:-1] + "1"
            ),
        },
    ),
    "gcp:container/cluster:Cluster": Row(
        id=lambda c: f"projects/{_gcp_project(c)}/locations/{_gcp_location(c)}/clusters/{c.name}",
        outputs={
            "name": "{name}",
            "endpoint": lambda c: f"34.118.{int(c.h(2), 16)}.{int(c.h(4)[2:], 16)}",
            "selfLink": lambda c: (
                f"https://container.googleapis.com/v1/projects/"
                f"{_gcp_project(c)}/locations/{_gcp_location(c)}/clusters/{c.name}"
            ),
        },
    ),
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": Row(
        id=_pool_name, outputs={"name": _pool_name, "state": "ACTIVE"}, name_input=None
    ),
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": Row(
        id=lambda c: f"{_pool_name(c)}/providers/{c.input('workloadIdentityPoolProviderId')}",
        outputs={"name": "{id}", "state": "ACTIVE"},
        name_input=None,
    ),
    # google_project_service's import id: `<project id>/<service name>`.
    "gcp:projects/service:Service": Row(
        id="{inputs[project]}/{inputs[service]}",
        outputs={"project": "{inputs[project]}"},
        name_input=None,
    ),
    "gcp:projects/iAMMember:IAMMember": Row(
        id="{inputs[project]}/{inputs[role]}/{inputs[member]}",
        outputs={"etag": lambda c: "BwY" + c.alnum(9)},
        name_input=None,
    ),
    "gcp:serviceaccount/account:Account": Row(
        id=lambda c: f"projects/{_gcp_project(c)}/serviceAccounts/{_service_account_email(c)}",
        outputs={
            "email": _service_account_email,
            "name": "{id}",
            "member": lambda c: f"serviceAccount:{_service_account_email(c)}",
            "uniqueId": lambda c: "1" + c.digits(20),
        },
        name_input="accountId",
    ),
    "gcp:serviceaccount/iAMMember:IAMMember": Row(
        id="{inputs[serviceAccountId]}/{inputs[role]}/{inputs[member]}",
        outputs={"etag": lambda c: "BwY" + c.alnum(9)},
        name_input=None,
    ),
}

GITHUB: dict[str, Row] = {
    "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": Row(
        id="{inputs[repository]}:{inputs[environment]}:{inputs[variableName]}",
        outputs={"createdAt": "2026-01-01T00:00:00Z"},
        name_input=None,
    ),
    "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret": Row(
        id="{inputs[repository]}:{inputs[environment]}:{inputs[secretName]}",
        outputs={"createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"},
        name_input=None,
    ),
    "github:index/actionsVariable:ActionsVariable": Row(
        id="{inputs[repository]}:{inputs[variableName]}",
        outputs={"createdAt": "2026-01-01T00:00:00Z"},
        name_input=None,
    ),
    # Adopted (import) for its security settings: the id is the repository's name.
    "github:index/repository:Repository": Row(
        id="{name}",
        outputs={
            "nodeId": lambda c: "R_kgDO" + c.alnum(8),
            "repoId": lambda c: int(c.digits(9)),
        },
    ),
    # Both import by the repository's name (provider docs, "Import").
    "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates": Row(
        id="{inputs[repository]}", name_input=None
    ),
    "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts": Row(
        id="{inputs[repository]}",
        outputs={"repositoryId": lambda c: int(c.digits(9))},
        name_input=None,
    ),
    "github:index/repositoryEnvironment:RepositoryEnvironment": Row(
        id="{inputs[repository]}:{inputs[environment]}", name_input=None
    ),
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy": Row(
        id=lambda c: f"{c.input('repository')}:{c.input('environment')}:{c.digits(9)}",
        name_input=None,
    ),
    "github:index/repositoryRuleset:RepositoryRuleset": Row(
        id=lambda c: c.digits(7),
        outputs={"rulesetId": lambda c: int(c.digits(7)), "nodeId": lambda c: "RRS_" + c.alnum(12)},
    ),
}

VERCEL: dict[str, Row] = {
    "vercel:index/project:Project": Row(id=lambda c: vercel_project_id(c.name)),
    "vercel:index/projectDomain:ProjectDomain": Row(id="{inputs[domain]}", name_input=None),
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": Row(
        id=lambda c: c.alnum(16), name_input=None
    ),
}

RANDOM: dict[str, Row] = {
    "random:index/randomPassword:RandomPassword": Row(
        id="none",
        outputs={"result": _random_password, "bcryptHash": "$2a$10$" + "m" * 53},
        name_input=None,
    ),
}

ROWS: dict[str, Row] = {**AWS, **GCP, **GITHUB, **VERCEL, **RANDOM}


def physical_name(typ: str, logical: str, inputs: Mapping[str, Any]) -> str:
    """The physical name the row's `name_input` gives, or Pulumi's auto-name."""
    row = ROWS.get(typ)
    key = row.name_input if row else "name"
    value = inputs.get(key) if key else None
    return str(value) if value else f"{logical}-{stable_hash(typ + logical, 7)}"


def outputs_for(ctx: Context) -> tuple[str, dict[str, Any]]:
    """The id and the computed outputs of one registration (inputs not included)."""
    ctx = Context(**{**ctx.__dict__, "name": physical_name(ctx.type, ctx.logical, ctx.inputs)})
    row = ROWS.get(ctx.type)
    if row is None:
        return f"{ctx.name}-{ctx.h(7)}", {}
    if row.id == ID_IS_ARN:
        outputs = {key: _render(value, ctx) for key, value in row.outputs.items()}
        return str(outputs[row.arn_output]), outputs
    rid = str(_render(row.id, ctx))
    ctx = Context(**{**ctx.__dict__, "id": rid})
    return rid, {key: _render(value, ctx) for key, value in row.outputs.items()}
