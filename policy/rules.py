"""The security rules of the `aevon-guardrails` policy pack, as plain functions.

Importable without starting the analyzer: tests run every rule against synthetic
resources and against each stack's mocked inventory. `policy/__main__.py` wraps
them into pulumi-policy `ResourceValidationPolicy`/`StackValidationPolicy` objects.

Each rule has a severity, an enforcement level and, in its description, the
scanner rule it mirrors (Checkov `CKV_*`, Trivy `AVD-*`), so a finding can be
traced to the same control in a scanner report.

Production rules apply where the stack's own config asks for protection: the
program tags every resource `Protection: protected` when
`protectStatefulResources` is true (the provider's default tags), and those rules
read that tag from the resource's provider. They never look at the stack's name.

Exceptions live in one reviewed file, `security-waivers.yaml` (`policy.waivers`),
which the Checkov scan reads too: a rule is not applied to a resource that a
waiver of its stack covers for one of the Checkov ids the rule cites.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from policy import waivers as waiver_file

Severity = Literal["low", "medium", "high", "critical"]
Enforcement = Literal["advisory", "mandatory"]

REQUIRED_TAGS = ("Project", "Environment", "ManagedBy", "Owner", "CostCenter")
_CHECK_ID = re.compile(r"CKV2?_[A-Z]+_\d+")
WORLD = ("0.0.0.0/0", "::/0")
GITHUB_OIDC = "token.actions.githubusercontent.com"


@dataclass(frozen=True)
class Subject:
    """One resource as a rule sees it."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    protect: bool = False
    protected_stack: bool = False  # the stack's config asks for production protection
    provider_tags: Mapping[str, str] = field(default_factory=dict)
    parent_urn: str | None = None
    # prop name -> URNs of the resources its value came from
    dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    severity: Severity
    enforcement: Enforcement
    resource_types: tuple[str, ...]
    check: Callable[[Subject], Iterable[str]]
    protected_only: bool = False

    @property
    def checks(self) -> tuple[str, ...]:
        """The Checkov ids the rule mirrors (cited in its description)."""
        return tuple(_CHECK_ID.findall(self.description))

    def violations(self, subject: Subject) -> list[str]:
        if subject.type not in self.resource_types:
            return []
        if self.protected_only and not subject.protected_stack:
            return []
        return list(self.check(subject))


@dataclass(frozen=True)
class StackRule:
    name: str
    description: str
    severity: Severity
    enforcement: Enforcement
    check: Callable[[Sequence[Subject]], Iterable[tuple[str, str]]]  # (urn, message)
    protected_only: bool = False

    @property
    def checks(self) -> tuple[str, ...]:
        return tuple(_CHECK_ID.findall(self.description))

    def violations(self, subjects: Sequence[Subject]) -> list[tuple[str, str]]:
        if self.protected_only and not any(s.protected_stack for s in subjects):
            return []
        return list(self.check(subjects))


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ----------------------------------------------------------------- encryption at rest / in transit
def _aurora_encrypted(s: Subject) -> Iterable[str]:
    if s.get("storageEncrypted") is not True:
        yield "Aurora cluster storage must be encrypted (storageEncrypted: true)"


def _elasticache_at_rest(s: Subject) -> Iterable[str]:
    if s.get("atRestEncryptionEnabled") is not True:
        yield "ElastiCache must encrypt at rest (atRestEncryptionEnabled: true)"


def _elasticache_in_transit(s: Subject) -> Iterable[str]:
    if s.get("transitEncryptionEnabled") is not True:
        yield "ElastiCache must encrypt in transit (transitEncryptionEnabled: true)"
    elif s.get("transitEncryptionMode") not in (None, "required"):
        yield "ElastiCache must require TLS (transitEncryptionMode: required)"
    if not s.get("authToken") and not s.get("userGroupIds"):
        yield "ElastiCache needs an AUTH token or an RBAC user group"


def _sqs_encrypted(s: Subject) -> Iterable[str]:
    if not s.get("kmsMasterKeyId") and s.get("sqsManagedSseEnabled") is not True:
        yield "SQS queue must be encrypted (SSE-SQS or SSE-KMS)"


def _ecr_kms(s: Subject) -> Iterable[str]:
    configs = _as_list(s.get("encryptionConfigurations"))
    if not configs or configs[0].get("encryptionType") != "KMS":
        yield "ECR repository should use KMS encryption"


def _log_retention(s: Subject) -> Iterable[str]:
    if not s.get("retentionInDays"):
        yield "log group must set retentionInDays (never-expiring logs grow without bound)"


def _log_kms(s: Subject) -> Iterable[str]:
    if s.protected_stack and not s.get("kmsKeyId"):
        yield "log groups of a protected stack should be encrypted with the stack's KMS key"


# ----------------------------------------------------------------- exposure
def _rds_not_public(s: Subject) -> Iterable[str]:
    if s.get("publiclyAccessible") is True:
        yield "database instances must not be publicly accessible"


def _cache_not_public(s: Subject) -> Iterable[str]:
    if not s.get("subnetGroupName"):
        yield "a cache must live in the VPC's subnet group (subnetGroupName), never a default"


def _world_ingress_rules(subjects: Sequence[Subject]) -> Iterable[tuple[str, str]]:
    """World-open ingress only on 80/443 and only to a load balancer's security group."""
    lb_groups: set[str] = set()
    for s in subjects:
        if s.type == "aws:lb/loadBalancer:LoadBalancer":
            lb_groups.update(s.dependencies.get("securityGroups", ()))
            lb_groups.update(str(g) for g in _as_list(s.get("securityGroups")))
    for s in subjects:
        world = s.get("cidrIpv4") in WORLD or s.get("cidrIpv6") in WORLD
        if s.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" and world:
            group = set(s.dependencies.get("securityGroupId", ())) | {str(s.get("securityGroupId"))}
            if not group & lb_groups:
                yield s.urn, "ingress from the internet is allowed only to a load balancer"
            elif (s.get("fromPort"), s.get("toPort")) not in ((80, 80), (443, 443)):
                yield s.urn, "a load balancer admits the internet on 80 and 443 only"
        if s.type == "aws:ec2/securityGroup:SecurityGroup":
            for rule in _as_list(s.get("ingress")):
                if set(_as_list(rule.get("cidrBlocks"))) & set(WORLD) or set(
                    _as_list(rule.get("ipv6CidrBlocks"))
                ) & set(WORLD):
                    yield s.urn, "inline world-open ingress; use a load balancer rule instead"


def _rule_described(s: Subject) -> Iterable[str]:
    if not s.get("description"):
        yield "every security group rule needs a description saying why it exists"


# ----------------------------------------------------------------- ECR
def _ecr_immutable(s: Subject) -> Iterable[str]:
    if s.get("imageTagMutability") not in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"):
        yield "ECR image tags must be immutable"


def _ecr_scan(s: Subject) -> Iterable[str]:
    if (s.get("imageScanningConfiguration") or {}).get("scanOnPush") is not True:
        yield "ECR must scan images on push"


# ----------------------------------------------------------------- ECS
def _ecs_circuit_breaker(s: Subject) -> Iterable[str]:
    breaker = s.get("deploymentCircuitBreaker") or {}
    if not (breaker.get("enable") and breaker.get("rollback")):
        yield "ECS services need the deployment circuit breaker with rollback"


def _ecs_no_public_ip(s: Subject) -> Iterable[str]:
    if (s.get("networkConfiguration") or {}).get("assignPublicIp") is True:
        yield "ECS tasks must not get public IP addresses"


SECRETISH = (
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "API_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
)


def _ecs_secrets_value_from(s: Subject) -> Iterable[str]:
    containers = _json(s.get("containerDefinitions")) or []
    for container in containers:
        name = container.get("name")
        for env in container.get("environment") or []:
            if any(word in str(env.get("name", "")).upper() for word in SECRETISH):
                yield f"container {name}: {env['name']} looks secret; use secrets/valueFrom"
        for secret in container.get("secrets") or []:
            if not str(secret.get("valueFrom", "")).startswith("arn:aws:"):
                yield f"container {name}: secret {secret.get('name')} is not an ARN"


def _ecs_hardened(s: Subject) -> Iterable[str]:
    for container in _json(s.get("containerDefinitions")) or []:
        name = container.get("name")
        if container.get("readonlyRootFilesystem") is not True:
            yield f"container {name}: root filesystem must be read-only"
        if container.get("privileged"):
            yield f"container {name}: must not be privileged"
        if str(container.get("user", "root")).split(":")[0] in ("root", "0", ""):
            yield f"container {name}: must run as a non-root user"
    if s.get("executionRoleArn") and s.get("executionRoleArn") == s.get("taskRoleArn"):
        yield "execution role and task role must differ"


# ----------------------------------------------------------------- EC2 (the NAT instance)
def _launch_template_hardened(s: Subject) -> Iterable[str]:
    metadata = s.get("metadataOptions") or {}
    if metadata.get("httpTokens") != "required":
        yield "instance metadata must require IMDSv2 tokens (metadataOptions.httpTokens: required)"
    if int(metadata.get("httpPutResponseHopLimit") or 1) > 1:
        yield "the metadata hop limit must be 1 (no container or forwarded hop reaches IMDS)"
    if s.get("keyName"):
        yield f"key pair {s.get('keyName')!r}: instances get no SSH key"
    for device in s.get("blockDeviceMappings") or []:
        ebs = device.get("ebs") or {}
        if ebs and str(ebs.get("encrypted")).lower() != "true":
            yield f"volume {device.get('deviceName')}: must be encrypted"


# ----------------------------------------------------------------- Lambda
def _lambda_tracing(s: Subject) -> Iterable[str]:
    if (s.get("tracingConfig") or {}).get("mode") != "Active":
        yield "Lambda functions need X-Ray tracing (mode: Active)"


def _lambda_dlq(s: Subject) -> Iterable[str]:
    if not (s.get("deadLetterConfig") or {}).get("targetArn"):
        yield "Lambda functions need a dead-letter queue"


def _lambda_env_secrets(s: Subject) -> Iterable[str]:
    variables = ((s.get("environment") or {}).get("variables")) or {}
    for key in variables:
        if any(word in key.upper() for word in SECRETISH):
            yield f"Lambda environment variable {key} looks secret; read it from Secrets Manager"


# ----------------------------------------------------------------- IAM
def _policy_documents(s: Subject) -> Iterable[dict[str, Any]]:
    for key in ("policy", "assumeRolePolicy"):
        document = _json(s.get(key))
        if isinstance(document, dict):
            yield document


def _iam_no_star(s: Subject) -> Iterable[str]:
    for document in _policy_documents(s):
        for statement in _as_list(document.get("Statement")):
            if statement.get("Effect") != "Allow":
                continue
            actions = _as_list(statement.get("Action"))
            region_pinned = "aws:RequestedRegion" in json.dumps(statement.get("Condition") or {})
            broad = [a for a in actions if a.endswith(":*")]
            if "*" in actions:
                yield "a policy statement allows every action ('*')"
            elif broad and "*" in _as_list(statement.get("Resource")) and not region_pinned:
                yield f"{broad} on '*' without a region pin is administrative access"


def _oidc_trust_pinned(s: Subject) -> Iterable[str]:
    for document in _policy_documents(s):
        for statement in _as_list(document.get("Statement")):
            federated = _as_list((statement.get("Principal") or {}).get("Federated"))
            if not any(GITHUB_OIDC in str(f) for f in federated):
                continue
            conditions = statement.get("Condition") or {}
            equals = conditions.get("StringEquals") or {}
            like = conditions.get("StringLike") or {}
            if equals.get(f"{GITHUB_OIDC}:aud") != "sts.amazonaws.com":
                yield "GitHub OIDC trust must pin aud to sts.amazonaws.com with StringEquals"
            subjects = _as_list(equals.get(f"{GITHUB_OIDC}:sub")) + _as_list(
                like.get(f"{GITHUB_OIDC}:sub")
            )
            if not subjects:
                yield "GitHub OIDC trust must pin sub"
            for sub in subjects:
                if not str(sub).startswith("repo:") or str(sub).endswith(":*"):
                    yield f"GitHub OIDC sub {sub!r} is not pinned to a repository and an environment"


# ----------------------------------------------------------------- GKE, GitHub
def _gke_private_nodes(s: Subject) -> Iterable[str]:
    if not (s.get("privateClusterConfig") or {}).get("enablePrivateNodes"):
        yield "GKE nodes must be private (privateClusterConfig.enablePrivateNodes)"
    for block in _as_list((s.get("masterAuthorizedNetworksConfig") or {}).get("cidrBlocks")):
        if block.get("cidrBlock") in WORLD:
            yield "GKE master authorized networks must not include 0.0.0.0/0"


def _gke_workload_identity(s: Subject) -> Iterable[str]:
    if s.get("enableAutopilot"):
        return
    if not (s.get("workloadIdentityConfig") or {}).get("workloadPool"):
        yield "GKE needs Workload Identity (workloadIdentityConfig.workloadPool)"


def _github_production_reviewers(s: Subject) -> Iterable[str]:
    if s.get("environment") not in ("production", "production-approval"):
        return
    reviewers = _as_list(s.get("reviewers"))
    if not any(_as_list(r.get("teams")) or _as_list(r.get("users")) for r in reviewers):
        yield f"GitHub environment {s.get('environment')} needs required reviewers"
    if s.get("preventSelfReview") is not True:
        yield "production reviewers must not approve their own deployments (preventSelfReview)"


# ----------------------------------------------------------------- edge, backups, secrets
def _depends_on(subject: Subject, key: str, target: Subject) -> bool:
    return target.urn in subject.dependencies.get(key, ())


def _alb_waf(subjects: Sequence[Subject]) -> Iterable[tuple[str, str]]:
    associations = [
        s for s in subjects if s.type == "aws:wafv2/webAclAssociation:WebAclAssociation"
    ]
    for s in subjects:
        if s.type != "aws:lb/loadBalancer:LoadBalancer" or s.get("internal") is True:
            continue
        if s.get("loadBalancerType", "application") != "application":
            continue
        if not any(_depends_on(a, "resourceArn", s) for a in associations):
            yield s.urn, "an internet-facing load balancer needs an AWS WAF web ACL association"


def _alb_access_logs(s: Subject) -> Iterable[str]:
    logs = s.get("accessLogs") or {}
    if logs.get("enabled") is not True or not logs.get("bucket"):
        yield "the load balancer must write access logs to a bucket (accessLogs.enabled)"


def _database_backup_plan(subjects: Sequence[Subject]) -> Iterable[tuple[str, str]]:
    selections = [s for s in subjects if s.type == "aws:backup/selection:Selection"]
    for s in subjects:
        if s.type == "aws:rds/cluster:Cluster" and not any(
            _depends_on(sel, "resources", s) for sel in selections
        ):
            yield s.urn, "the database cluster is in no AWS Backup plan (backup selection)"


def _secret_rotation(subjects: Sequence[Subject]) -> Iterable[tuple[str, str]]:
    rotations = [
        s for s in subjects if s.type == "aws:secretsmanager/secretRotation:SecretRotation"
    ]
    for s in subjects:
        if s.type == "aws:secretsmanager/secret:Secret" and not any(
            _depends_on(r, "secretId", s) for r in rotations
        ):
            yield s.urn, "the secret is never rotated (no rotation schedule names it)"


# ----------------------------------------------------------------- Google Cloud IAM
IMPERSONATION_ROLES = frozenset(
    {
        "roles/owner",
        "roles/editor",
        "roles/iam.securityAdmin",
        "roles/iam.serviceAccountAdmin",
        "roles/iam.serviceAccountKeyAdmin",
        "roles/iam.serviceAccountUser",
        "roles/iam.serviceAccountTokenCreator",
        "roles/iam.workloadIdentityUser",
    }
)
BASIC_ROLES = frozenset({"roles/owner", "roles/editor", "roles/viewer"})
_ADMIN_ROLE = re.compile(r"(admin|Admin|owner|editor)")


def _gcp_no_impersonation(s: Subject) -> Iterable[str]:
    if s.get("role") in IMPERSONATION_ROLES:
        yield (
            f"{s.get('role')} on the whole project lets its holder act as (or manage) every "
            "service account of the project; grant it on the one account that needs it"
        )


def _gcp_no_admin_service_accounts(s: Subject) -> Iterable[str]:
    role = str(s.get("role") or "")
    service_account = str(s.get("member") or "").startswith("serviceAccount:")
    if service_account and role.startswith("roles/") and _ADMIN_ROLE.search(role[6:]):
        yield f"service account holds {role} on the project; grant what it calls instead"


def _gcp_no_basic_roles(s: Subject) -> Iterable[str]:
    if s.get("role") in BASIC_ROLES:
        yield f"basic role {s.get('role')} on the project; use predefined or custom roles"


def _gke_binary_authorization(s: Subject) -> Iterable[str]:
    mode = (s.get("binaryAuthorization") or {}).get("evaluationMode")
    if mode != "PROJECT_SINGLETON_POLICY_ENFORCE":
        yield "GKE must enforce the project's Binary Authorization policy"


def _gke_intranode_visibility(s: Subject) -> Iterable[str]:
    if s.get("enableIntranodeVisibility") is not True:
        yield "GKE needs intranode visibility (pod-to-pod traffic in VPC flow logs)"


def _registry_cmek(s: Subject) -> Iterable[str]:
    if not s.get("kmsKeyName"):
        yield "Artifact Registry repositories are encrypted with the stack's Cloud KMS key"


# ----------------------------------------------------------------- tags
def _required_tags(s: Subject) -> Iterable[str]:
    tags = {**s.provider_tags, **(s.get("tags") or {})}
    missing = [t for t in REQUIRED_TAGS if not tags.get(t)]
    if missing:
        yield f"missing required tags: {', '.join(missing)}"


# ----------------------------------------------------------------- production (protected stacks)
def _prod_deletion_protection(s: Subject) -> Iterable[str]:
    if s.type == "aws:rds/cluster:Cluster":
        if s.get("deletionProtection") is not True:
            yield "a protected stack's database needs deletionProtection"
        if s.get("skipFinalSnapshot") is not False:
            yield "a protected stack's database needs a final snapshot"
    if (
        s.type == "aws:lb/loadBalancer:LoadBalancer"
        and s.get("enableDeletionProtection") is not True
    ):
        yield "a protected stack's load balancer needs deletion protection"


def _prod_backups(s: Subject) -> Iterable[str]:
    if s.type == "aws:rds/cluster:Cluster" and int(s.get("backupRetentionPeriod") or 0) < 7:
        yield "a protected stack keeps at least 7 days of database backups"
    if (
        s.type == "aws:elasticache/replicationGroup:ReplicationGroup"
        and int(s.get("snapshotRetentionLimit") or 0) < 1
    ):
        yield "a protected stack keeps cache snapshots"


def _prod_cache_multi_az(s: Subject) -> Iterable[str]:
    if not (s.get("multiAzEnabled") and s.get("automaticFailoverEnabled")):
        yield "a protected stack's cache needs Multi-AZ with automatic failover"


def _prod_protect(s: Subject) -> Iterable[str]:
    if not s.protect:
        yield "a protected stack marks its stateful resources `protect`"


def _prod_https(s: Subject) -> Iterable[str]:
    if s.get("protocol") == "HTTP":
        actions = _as_list(s.get("defaultActions"))
        if not all(a.get("type") == "redirect" for a in actions):
            yield "a protected stack serves HTTPS; HTTP listeners may only redirect"


def _prod_database_multi_az(subjects: Sequence[Subject]) -> Iterable[tuple[str, str]]:
    instances = [s for s in subjects if s.type == "aws:rds/clusterInstance:ClusterInstance"]
    for cluster in (s for s in subjects if s.type == "aws:rds/cluster:Cluster"):
        mine = [i for i in instances if i.parent_urn == cluster.parent_urn]
        zones = {i.get("availabilityZone") for i in mine}
        if len(mine) < 2 or len(zones) < 2:
            yield cluster.urn, "a protected stack's database has instances in at least two AZs"


STATEFUL = (
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:ecr/repository:Repository",
)
TAGGABLE_SAMPLE = (
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:rds/cluster:Cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:sqs/queue:Queue",
    "aws:ecr/repository:Repository",
    "aws:ecs/service:Service",
    "aws:lambda/function:Function",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:kms/key:Key",
)

RULES: tuple[Rule, ...] = (
    Rule("aurora-storage-encrypted", "Aurora storage is encrypted at rest. Mirrors Checkov CKV_AWS_96, Trivy AVD-AWS-0079.", "high", "mandatory", ("aws:rds/cluster:Cluster",), _aurora_encrypted),
    Rule("elasticache-encrypted-at-rest", "ElastiCache encrypts at rest. Mirrors Checkov CKV_AWS_29, Trivy AVD-AWS-0045.", "high", "mandatory", ("aws:elasticache/replicationGroup:ReplicationGroup",), _elasticache_at_rest),
    Rule("elasticache-encrypted-in-transit", "ElastiCache requires TLS and AUTH. Mirrors Checkov CKV_AWS_30 and CKV_AWS_31, Trivy AVD-AWS-0051.", "high", "mandatory", ("aws:elasticache/replicationGroup:ReplicationGroup",), _elasticache_in_transit),
    Rule("sqs-encrypted", "SQS queues are encrypted at rest. Mirrors Checkov CKV_AWS_27, Trivy AVD-AWS-0096.", "medium", "mandatory", ("aws:sqs/queue:Queue",), _sqs_encrypted),
    Rule("ecr-kms-encrypted", "ECR repositories use KMS. Mirrors Checkov CKV_AWS_136, Trivy AVD-AWS-0033.", "low", "advisory", ("aws:ecr/repository:Repository",), _ecr_kms),
    Rule("log-group-retention", "Log groups expire. Mirrors Checkov CKV_AWS_66.", "low", "mandatory", ("aws:cloudwatch/logGroup:LogGroup",), _log_retention),
    Rule("log-group-kms", "Log groups of protected stacks use the stack's key. Mirrors Checkov CKV_AWS_158, Trivy AVD-AWS-0017.", "low", "advisory", ("aws:cloudwatch/logGroup:LogGroup",), _log_kms),
    Rule("database-not-public", "Database instances are not publicly accessible. Mirrors Checkov CKV_AWS_17.", "critical", "mandatory", ("aws:rds/clusterInstance:ClusterInstance", "aws:rds/cluster:Cluster"), _rds_not_public),
    Rule("cache-in-vpc-subnets", "Caches live in the VPC's isolated subnet group, never publicly reachable. No Checkov/Trivy equivalent (ElastiCache has no public mode).", "critical", "mandatory", ("aws:elasticache/replicationGroup:ReplicationGroup",), _cache_not_public),
    Rule("security-group-rule-described", "Every security group rule says why it exists. Mirrors Checkov CKV_AWS_23, Trivy AVD-AWS-0124.", "low", "mandatory", ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"), _rule_described),
    Rule("ecr-immutable-tags", "ECR image tags are immutable. Mirrors Checkov CKV_AWS_51, Trivy AVD-AWS-0031.", "medium", "mandatory", ("aws:ecr/repository:Repository",), _ecr_immutable),
    Rule("ecr-scan-on-push", "ECR scans images on push. Mirrors Checkov CKV_AWS_163, Trivy AVD-AWS-0030.", "medium", "mandatory", ("aws:ecr/repository:Repository",), _ecr_scan),
    Rule("ecs-circuit-breaker", "ECS deployments roll back on failure (deployment circuit breaker). No Checkov/Trivy equivalent; AWS ECS deployment best practice.", "medium", "mandatory", ("aws:ecs/service:Service",), _ecs_circuit_breaker),
    Rule("ecs-no-public-ip", "ECS tasks get no public IP. Mirrors Checkov CKV_AWS_333.", "high", "mandatory", ("aws:ecs/service:Service",), _ecs_no_public_ip),
    Rule("ecs-secrets-value-from", "Container secrets come only through secrets/valueFrom. Mirrors Trivy AVD-AWS-0036.", "critical", "mandatory", ("aws:ecs/taskDefinition:TaskDefinition",), _ecs_secrets_value_from),
    Rule("ecs-task-hardened", "Containers: read-only root, non-root, unprivileged, separate roles. Mirrors Checkov CKV_AWS_336 and CKV_AWS_249.", "high", "mandatory", ("aws:ecs/taskDefinition:TaskDefinition",), _ecs_hardened),
    Rule("ec2-launch-template-hardened", "Launched instances: IMDSv2 only with hop limit 1, no key pair, encrypted volumes. Mirrors Checkov CKV_AWS_79 and CKV_AWS_341; volumes and keys: the EC2 User Guide's security best practices.", "high", "mandatory", ("aws:ec2/launchTemplate:LaunchTemplate",), _launch_template_hardened),
    Rule("lambda-tracing", "Lambda functions are traced with X-Ray. Mirrors Checkov CKV_AWS_50.", "low", "advisory", ("aws:lambda/function:Function",), _lambda_tracing),
    Rule("lambda-dead-letter-queue", "Lambda functions have a dead-letter queue. Mirrors Checkov CKV_AWS_116.", "low", "advisory", ("aws:lambda/function:Function",), _lambda_dlq),
    Rule("lambda-no-secret-env", "Lambda environments carry no secrets. Mirrors Checkov CKV_AWS_45.", "critical", "mandatory", ("aws:lambda/function:Function",), _lambda_env_secrets),
    Rule("iam-no-wildcard-admin", "No policy allows '*' actions, or service:* on '*' without a region pin. Mirrors Checkov CKV_AWS_62, CKV_AWS_63 and CKV_AWS_355.", "critical", "mandatory", ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/role:Role"), _iam_no_star),
    Rule("iam-oidc-trust-pinned", "GitHub OIDC trust pins aud and sub. Mirrors Checkov CKV_AWS_358.", "critical", "mandatory", ("aws:iam/role:Role",), _oidc_trust_pinned),
    Rule("gke-private-nodes", "GKE nodes are private; the control plane is not open to the world. Mirrors Checkov CKV_GCP_25 and CKV_GCP_20.", "high", "mandatory", ("gcp:container/cluster:Cluster",), _gke_private_nodes),
    Rule("gke-workload-identity", "GKE uses Workload Identity. Mirrors Checkov CKV_GCP_69.", "high", "mandatory", ("gcp:container/cluster:Cluster",), _gke_workload_identity),
    Rule("github-production-reviewers", "The production environment requires reviewers who are not the deployer. No Checkov/Trivy equivalent for environments.", "high", "mandatory", ("github:index/repositoryEnvironment:RepositoryEnvironment",), _github_production_reviewers),
    Rule("required-tags", "Taggable resources carry Project, Environment, ManagedBy, Owner and CostCenter (provider default tags count). No scanner equivalent: organisation tagging policy.", "low", "mandatory", TAGGABLE_SAMPLE, _required_tags),
    Rule("prod-deletion-protection", "Protected stacks keep deletion protection and final snapshots. Mirrors Checkov CKV_AWS_139 and CKV_AWS_150.", "high", "mandatory", ("aws:rds/cluster:Cluster", "aws:lb/loadBalancer:LoadBalancer"), _prod_deletion_protection, protected_only=True),
    Rule("prod-backup-retention", "Protected stacks keep 7+ days of backups and cache snapshots. Mirrors Checkov CKV_AWS_133.", "high", "mandatory", ("aws:rds/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup"), _prod_backups, protected_only=True),
    Rule("prod-cache-multi-az", "Protected stacks run the cache Multi-AZ with automatic failover. No Checkov/Trivy equivalent; ElastiCache resilience guidance.", "high", "mandatory", ("aws:elasticache/replicationGroup:ReplicationGroup",), _prod_cache_multi_az, protected_only=True),
    Rule("prod-protect-stateful", "Protected stacks mark stateful resources `protect`. No scanner equivalent: a Pulumi engine option.", "high", "mandatory", STATEFUL, _prod_protect, protected_only=True),
    Rule("prod-https-only", "Protected stacks serve HTTPS; HTTP only redirects. Mirrors Checkov CKV_AWS_2 and CKV_AWS_103.", "high", "mandatory", ("aws:lb/listener:Listener",), _prod_https, protected_only=True),
    Rule("alb-access-logs", "The load balancer writes access logs. Mirrors Checkov CKV_AWS_91.", "medium", "mandatory", ("aws:lb/loadBalancer:LoadBalancer",), _alb_access_logs),
    Rule("gcp-no-project-impersonation-roles", "No project-wide role that acts as or manages service accounts. Mirrors Checkov CKV_GCP_41 and CKV_GCP_49.", "critical", "mandatory", ("gcp:projects/iAMMember:IAMMember",), _gcp_no_impersonation),
    Rule("gcp-no-admin-roles-for-service-accounts", "Service accounts hold no admin, owner or editor role on the project. Mirrors Checkov CKV_GCP_42.", "high", "mandatory", ("gcp:projects/iAMMember:IAMMember",), _gcp_no_admin_service_accounts),
    Rule("gcp-no-basic-roles", "No basic role (owner, editor, viewer) on the project. Mirrors Checkov CKV_GCP_117.", "high", "mandatory", ("gcp:projects/iAMMember:IAMMember",), _gcp_no_basic_roles),
    Rule("gke-binary-authorization", "GKE enforces the project's Binary Authorization policy. Mirrors Checkov CKV_GCP_66.", "high", "mandatory", ("gcp:container/cluster:Cluster",), _gke_binary_authorization),
    Rule("gke-intranode-visibility", "GKE routes pod-to-pod traffic through the VPC (flow logs see it). Mirrors Checkov CKV_GCP_61.", "medium", "mandatory", ("gcp:container/cluster:Cluster",), _gke_intranode_visibility),
    Rule("artifact-registry-cmek", "Artifact Registry uses a customer-managed Cloud KMS key. Mirrors Checkov CKV_GCP_84.", "medium", "mandatory", ("gcp:artifactregistry/repository:Repository",), _registry_cmek),
)  # fmt: skip

STACK_RULES: tuple[StackRule, ...] = (
    StackRule("no-world-ingress-except-load-balancer", "Internet ingress only to a load balancer on 80/443. Mirrors Checkov CKV_AWS_24, CKV_AWS_25, CKV_AWS_260, Trivy AVD-AWS-0107.", "critical", "mandatory", _world_ingress_rules),
    StackRule("prod-database-multi-az", "Protected stacks run database instances in two or more AZs. Mirrors Checkov CKV_AWS_157.", "high", "mandatory", _prod_database_multi_az, protected_only=True),
    StackRule("alb-waf", "Internet-facing load balancers are behind an AWS WAF web ACL. Mirrors Checkov CKV2_AWS_28.", "high", "mandatory", _alb_waf),
    StackRule("database-backup-plan", "Database clusters are in an AWS Backup plan. Mirrors Checkov CKV2_AWS_8.", "high", "mandatory", _database_backup_plan),
    StackRule("secret-rotation", "Secrets Manager secrets are rotated. Mirrors Checkov CKV2_AWS_57.", "medium", "mandatory", _secret_rotation),
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    rule: str
    enforcement: Enforcement
    severity: Severity
    urn: str
    message: str


def stack_of(urn: str) -> str:
    """The stack a URN belongs to (`urn:pulumi:<stack>::<project>::...`)."""
    return urn.split("::", 1)[0].removeprefix("urn:pulumi:")


def name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def waived(
    rule: Rule | StackRule, urn: str, waivers: Sequence[waiver_file.Waiver]
) -> waiver_file.Waiver | None:
    """The waiver that accepts one of the Checkov ids `rule` cites on the resource `urn`."""
    if not rule.checks:
        return None
    return waiver_file.covering(waivers, rule.checks, stack_of(urn), name_of(urn))


def repository_waivers() -> list[waiver_file.Waiver]:
    """The repository's waiver file (read once)."""
    return list(_repository_waivers())


def _repository_waivers() -> tuple[waiver_file.Waiver, ...]:
    global _WAIVERS  # noqa: PLW0603 - the file is read once per process
    if _WAIVERS is None:
        _WAIVERS = tuple(waiver_file.load(known_stacks=None))
    return _WAIVERS


_WAIVERS: tuple[waiver_file.Waiver, ...] | None = None


def evaluate(
    subjects: Sequence[Subject], waivers: Sequence[waiver_file.Waiver] | None = None
) -> list[Finding]:
    """Every rule against every resource and every stack rule against the stack, less what
    a waiver accepts (`waivers`: the repository's file by default)."""
    accepted = repository_waivers() if waivers is None else list(waivers)
    findings = [
        Finding(rule.name, rule.enforcement, rule.severity, subject.urn, message)
        for subject in subjects
        for rule in RULES
        if not waived(rule, subject.urn, accepted)
        for message in rule.violations(subject)
    ]
    findings += [
        Finding(rule.name, rule.enforcement, rule.severity, urn, message)
        for rule in STACK_RULES
        for urn, message in rule.violations(subjects)
        if not waived(rule, urn, accepted)
    ]
    return findings


def provider_tags(provider_props: Mapping[str, Any] | None) -> dict[str, str]:
    """The default tags an AWS provider applies (its inputs may be JSON text)."""
    default_tags = _json((provider_props or {}).get("defaultTags")) or {}
    return dict(default_tags.get("tags") or {})


def is_protected(tags: Mapping[str, str]) -> bool:
    return tags.get("Protection") == "protected"
