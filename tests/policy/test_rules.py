"""The policy pack: every rule fails a bad resource and passes a good one, and every real
stack's inventory passes every mandatory rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy import PolicyResourceOptions, ResourceValidationArgs, ResourceValidationPolicy

from offline.engine import Inventory, stack_file
from offline.report import subjects
from policy import waivers
from policy.pack import policies
from policy.rules import RULES, STACK_RULES, Subject, evaluate

ALL_TAGS = {
    "Project": "aevon",
    "Environment": "t",
    "ManagedBy": "pulumi",
    "Owner": "o",
    "CostCenter": "c",
}
OIDC = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def _trust(conditions: dict[str, Any]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": OIDC},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": conditions,
                }
            ],
        }
    )


def _policy(actions: list[str], resource: Any = "arn:aws:sqs:us-east-1:1:q") -> str:
    return json.dumps({"Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]})


def _containers(**container: Any) -> str:
    base = {
        "name": "app",
        "readonlyRootFilesystem": True,
        "privileged": False,
        "user": "10001:10001",
    }
    return json.dumps([{**base, **container}])


def S(typ: str, protect: bool = False, protected: bool = False, **props: Any) -> Subject:  # noqa: N802
    return Subject(type=typ, name="r", urn=f"urn:{typ}", props=props, protect=protect,
                   protected_stack=protected, provider_tags=ALL_TAGS)  # fmt: skip


RDS = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
ECR = "aws:ecr/repository:Repository"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
FN = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
LOGS = "aws:cloudwatch/logGroup:LogGroup"
GKE = "gcp:container/cluster:Cluster"
ENV = "github:index/repositoryEnvironment:RepositoryEnvironment"
SGR = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ALB = "aws:lb/loadBalancer:LoadBalancer"
MEMBER = "gcp:projects/iAMMember:IAMMember"
REGISTRY = "gcp:artifactregistry/repository:Repository"
SA = "serviceAccount:ci-infra@p.iam.gserviceaccount.com"
GOOD_CACHE = {"atRestEncryptionEnabled": True, "transitEncryptionEnabled": True, "transitEncryptionMode": "required",
              "authToken": "x", "subnetGroupName": "g", "multiAzEnabled": True, "automaticFailoverEnabled": True,
              "snapshotRetentionLimit": 7}  # fmt: skip
GOOD_RDS = {
    "storageEncrypted": True,
    "deletionProtection": True,
    "skipFinalSnapshot": False,
    "backupRetentionPeriod": 7,
}

# rule name -> (failing subject, passing subject)
CASES: dict[str, tuple[Subject, Subject]] = {
    "aurora-storage-encrypted": (S(RDS, storageEncrypted=False), S(RDS, **GOOD_RDS)),
    "elasticache-encrypted-at-rest": (S(CACHE, **{**GOOD_CACHE, "atRestEncryptionEnabled": False}), S(CACHE, **GOOD_CACHE)),
    "elasticache-encrypted-in-transit": (S(CACHE, **{**GOOD_CACHE, "transitEncryptionMode": "preferred"}), S(CACHE, **GOOD_CACHE)),
    "sqs-encrypted": (S("aws:sqs/queue:Queue"), S("aws:sqs/queue:Queue", sqsManagedSseEnabled=True)),
    "ecr-kms-encrypted": (S(ECR, encryptionConfigurations=[{"encryptionType": "AES256"}]), S(ECR, encryptionConfigurations=[{"encryptionType": "KMS"}])),
    "log-group-retention": (S(LOGS), S(LOGS, retentionInDays=30)),
    "log-group-kms": (S(LOGS, protected=True, retentionInDays=30), S(LOGS, protected=True, kmsKeyId="k")),
    "database-not-public": (S(INSTANCE, publiclyAccessible=True), S(INSTANCE, publiclyAccessible=False)),
    "cache-in-vpc-subnets": (S(CACHE, **{**GOOD_CACHE, "subnetGroupName": None}), S(CACHE, **GOOD_CACHE)),
    "security-group-rule-described": (S(SGR), S(SGR, description="why")),
    "ecr-immutable-tags": (S(ECR, imageTagMutability="MUTABLE"), S(ECR, imageTagMutability="IMMUTABLE")),
    "ecr-scan-on-push": (S(ECR, imageScanningConfiguration={"scanOnPush": False}), S(ECR, imageScanningConfiguration={"scanOnPush": True})),
    "ecs-circuit-breaker": (S(SERVICE, deploymentCircuitBreaker={"enable": True, "rollback": False}), S(SERVICE, deploymentCircuitBreaker={"enable": True, "rollback": True})),
    "ecs-no-public-ip": (S(SERVICE, networkConfiguration={"assignPublicIp": True}), S(SERVICE, networkConfiguration={"assignPublicIp": False})),
    "ecs-secrets-value-from": (S(TASK, containerDefinitions=_containers(environment=[{"name": "DB_PASSWORD", "value": "x"}])), S(TASK, containerDefinitions=_containers(secrets=[{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:s"}]))),
    "ecs-task-hardened": (S(TASK, containerDefinitions=_containers(user="root")), S(TASK, containerDefinitions=_containers(), executionRoleArn="a", taskRoleArn="b")),
    "ec2-launch-template-hardened": (
        S("aws:ec2/launchTemplate:LaunchTemplate", metadataOptions={"httpTokens": "optional"}, keyName="ops", blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]),
        S("aws:ec2/launchTemplate:LaunchTemplate", metadataOptions={"httpTokens": "required", "httpPutResponseHopLimit": 1}, blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]),
    ),
    "lambda-tracing": (S(FN, tracingConfig={"mode": "PassThrough"}), S(FN, tracingConfig={"mode": "Active"})),
    "lambda-dead-letter-queue": (S(FN), S(FN, deadLetterConfig={"targetArn": "arn:q"})),
    "lambda-no-secret-env": (S(FN, environment={"variables": {"API_TOKEN": "x"}}), S(FN, environment={"variables": {"QUEUE_URL": "u"}})),
    "iam-no-wildcard-admin": (S("aws:iam/rolePolicy:RolePolicy", policy=_policy(["sqs:*"], "*")), S("aws:iam/rolePolicy:RolePolicy", policy=_policy(["sqs:SendMessage"]))),
    "iam-no-wildcard-admin-region-pinned": (
        S("aws:iam/policy:Policy", policy=json.dumps({"Statement": [{"Effect": "Allow", "Action": ["*"], "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}]})),
        S("aws:iam/policy:Policy", policy=json.dumps({"Statement": [{"Effect": "Allow", "Action": ["ec2:*"], "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}]})),
    ),
    "iam-oidc-trust-pinned": (
        S(ROLE, assumeRolePolicy=_trust({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:aevon/infra:*"}})),
        S(ROLE, assumeRolePolicy=_trust({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:aevon/infra:environment:production"}})),
    ),
    "gke-private-nodes": (S(GKE, privateClusterConfig={"enablePrivateNodes": True}, masterAuthorizedNetworksConfig={"cidrBlocks": [{"cidrBlock": "0.0.0.0/0"}]}), S(GKE, privateClusterConfig={"enablePrivateNodes": True})),
    "gke-workload-identity": (S(GKE), S(GKE, workloadIdentityConfig={"workloadPool": "p.svc.id.goog"})),
    "github-production-reviewers": (S(ENV, environment="production", reviewers=[]), S(ENV, environment="production", reviewers=[{"teams": [1]}], preventSelfReview=True)),
    "required-tags": (Subject(type="aws:sqs/queue:Queue", name="q", urn="urn:q", props={}), S("aws:sqs/queue:Queue")),
    "prod-deletion-protection": (S(RDS, protected=True, **{**GOOD_RDS, "deletionProtection": False}), S(RDS, protected=True, **GOOD_RDS)),
    "prod-backup-retention": (S(RDS, protected=True, **{**GOOD_RDS, "backupRetentionPeriod": 1}), S(RDS, protected=True, **GOOD_RDS)),
    "prod-cache-multi-az": (S(CACHE, protected=True, **{**GOOD_CACHE, "multiAzEnabled": False}), S(CACHE, protected=True, **GOOD_CACHE)),
    "prod-protect-stateful": (S(ECR, protected=True), S(ECR, protect=True, protected=True)),
    "prod-https-only": (S("aws:lb/listener:Listener", protected=True, protocol="HTTP", defaultActions=[{"type": "forward"}]), S("aws:lb/listener:Listener", protected=True, protocol="HTTP", defaultActions=[{"type": "redirect"}])),
    "alb-access-logs": (S(ALB, accessLogs={"bucket": "b", "enabled": False}), S(ALB, accessLogs={"bucket": "b", "enabled": True})),
    "gcp-no-project-impersonation-roles": (S(MEMBER, role="roles/iam.serviceAccountUser", member=SA), S(MEMBER, role="roles/container.developer", member=SA)),
    "gcp-no-admin-roles-for-service-accounts": (S(MEMBER, role="roles/resourcemanager.projectIamAdmin", member=SA), S(MEMBER, role="projects/p/roles/aevon_prod_infra", member=SA)),
    "gcp-no-basic-roles": (S(MEMBER, role="roles/viewer", member=SA), S(MEMBER, role="roles/compute.networkViewer", member=SA)),
    "gke-binary-authorization": (S(GKE, binaryAuthorization={"evaluationMode": "DISABLED"}), S(GKE, binaryAuthorization={"evaluationMode": "PROJECT_SINGLETON_POLICY_ENFORCE"})),
    "gke-intranode-visibility": (S(GKE), S(GKE, enableIntranodeVisibility=True)),
    "artifact-registry-cmek": (S(REGISTRY), S(REGISTRY, kmsKeyName="projects/p/locations/l/keyRings/r/cryptoKeys/k")),
}  # fmt: skip


def _rule(case: str) -> str:
    return case.removesuffix("-region-pinned")


def test_every_rule_has_a_case_a_severity_an_enforcement_and_a_cited_control() -> None:
    assert {_rule(c) for c in CASES} == {r.name for r in RULES}
    for rule in (*RULES, *STACK_RULES):
        assert rule.severity in ("low", "medium", "high", "critical")
        assert rule.enforcement in ("advisory", "mandatory")
        cites = bool(rule.checks) or any(
            k in rule.description for k in ("AVD-", "No Checkov", "No scanner")
        )
        assert cites, f"{rule.name} must cite the scanner rule it mirrors (or say there is none)"


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_fails_the_bad_resource_and_passes_the_good_one(case: str) -> None:
    (rule,) = [r for r in RULES if r.name == _rule(case)]
    bad, good = CASES[case]
    assert rule.violations(bad), f"{rule.name} let a bad resource through"
    assert rule.violations(good) == [], f"{rule.name} flagged a good resource"


def test_production_rules_do_not_apply_to_unprotected_stacks() -> None:
    for rule in RULES:
        if rule.protected_only:
            bad, _ = CASES[rule.name]
            relaxed = Subject(**{**bad.__dict__, "protected_stack": False})
            assert rule.violations(relaxed) == [], rule.name


LB = Subject("aws:lb/loadBalancer:LoadBalancer", "alb", "urn:alb", {"securityGroups": ["sg-alb"]},
             dependencies={"securityGroups": ["urn:sg-alb"]})  # fmt: skip


def _ingress(port: int, group: str, cidr: str = "0.0.0.0/0") -> Subject:
    return Subject(SGR, "in", f"urn:in-{group}-{port}",
                   {"cidrIpv4": cidr, "fromPort": port, "toPort": port, "securityGroupId": group},
                   dependencies={"securityGroupId": [f"urn:{group}"]})  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "ok"),
    [
        (_ingress(443, "sg-alb"), True),
        (_ingress(80, "sg-alb"), True),
        (_ingress(22, "sg-alb"), False),
        (_ingress(443, "sg-app"), False),
        (_ingress(5432, "sg-db", cidr="10.0.0.0/16"), True),
    ],
)
def test_world_ingress_only_to_the_load_balancer_on_80_and_443(rule: Subject, ok: bool) -> None:
    (stack_rule,) = [r for r in STACK_RULES if r.name == "no-world-ingress-except-load-balancer"]
    assert (stack_rule.violations([LB, rule]) == []) is ok


def test_protected_database_needs_two_azs() -> None:
    (rule,) = [r for r in STACK_RULES if r.name == "prod-database-multi-az"]
    cluster = Subject(RDS, "c", "urn:c", {}, protected_stack=True, parent_urn="urn:db")
    one = Subject(
        INSTANCE, "w", "urn:w", {"availabilityZone": "a"}, protected_stack=True, parent_urn="urn:db"
    )
    two = Subject(
        INSTANCE, "r", "urn:r", {"availabilityZone": "b"}, protected_stack=True, parent_urn="urn:db"
    )
    assert rule.violations([cluster, one])
    assert rule.violations([cluster, one, two]) == []


def _linked(typ: str, name: str, key: str, target: Subject) -> Subject:
    return Subject(typ, name, f"urn:pulumi:prod::aevon::{typ}::{name}", {},
                   dependencies={key: [target.urn]})  # fmt: skip


PUBLIC_ALB = Subject(ALB, "public-alb", f"urn:pulumi:prod::aevon::{ALB}::public-alb", {})
CLUSTER = Subject(RDS, "database-cluster", f"urn:pulumi:prod::aevon::{RDS}::database-cluster", {})
SECRET_TYPE = "aws:secretsmanager/secret:Secret"
SECRET = Subject(SECRET_TYPE, "cache-auth-secret", f"urn:pulumi:prod::aevon::{SECRET_TYPE}::s", {})
STACK_CASES = {
    "alb-waf": (
        [PUBLIC_ALB],
        [PUBLIC_ALB, _linked("aws:wafv2/webAclAssociation:WebAclAssociation", "waf", "resourceArn", PUBLIC_ALB)],
    ),
    "database-backup-plan": (
        [CLUSTER, _linked("aws:backup/selection:Selection", "sel", "resources", PUBLIC_ALB)],
        [CLUSTER, _linked("aws:backup/selection:Selection", "sel", "resources", CLUSTER)],
    ),
    "secret-rotation": (
        [SECRET],
        [SECRET, _linked("aws:secretsmanager/secretRotation:SecretRotation", "rot", "secretId", SECRET)],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(STACK_CASES))
def test_stack_rule_fails_the_bad_stack_and_passes_the_good_one(name: str) -> None:
    (rule,) = [r for r in STACK_RULES if r.name == name]
    bad, good = STACK_CASES[name]
    assert rule.violations(bad), f"{name} let a bad stack through"
    assert rule.violations(good) == [], f"{name} flagged a good stack"


def test_a_waiver_of_a_cited_checkov_id_skips_the_rule_there_only() -> None:
    entry = waivers.parse(
        {
            "waivers": [
                {
                    "checks": ["CKV2_AWS_28"],
                    "stacks": ["dev"],
                    "resources": ["public-*"],
                    "reason": "no WAF in dev: it costs money for no traffic",
                    "accepted": "platform-team: dev serves no customers",
                }
            ]
        },
        known_stacks=None,
    )
    dev_alb = Subject(ALB, "public-alb", f"urn:pulumi:dev::aevon::{ALB}::public-alb", {})
    assert [f.rule for f in evaluate([dev_alb], entry) if f.rule == "alb-waf"] == []
    assert [f.rule for f in evaluate([PUBLIC_ALB], entry) if f.rule == "alb-waf"] == ["alb-waf"]
    assert [f.rule for f in evaluate([dev_alb], []) if f.rule == "alb-waf"] == ["alb-waf"]


def test_every_waived_check_is_one_the_pack_or_checkov_alone_knows() -> None:
    """The waiver file and the pack speak the same ids: a waived id the pack mirrors is
    cited by that rule (so the pack honours it)."""
    cited = {c for r in (*RULES, *STACK_RULES) for c in r.checks}
    assert {"CKV2_AWS_28", "CKV2_AWS_8", "CKV2_AWS_57", "CKV_AWS_91", "CKV_GCP_41", "CKV_GCP_42",
            "CKV_GCP_49", "CKV_GCP_61", "CKV_GCP_66", "CKV_GCP_84", "CKV_GCP_117"} <= cited  # fmt: skip
    for w in waivers.load(known_stacks=None):
        assert w.checks, w


def test_the_pulumi_policy_wrappers_report_through_the_sdk() -> None:
    by_name = {p.name: p for p in policies()}
    assert len(by_name) == len(RULES) + len(STACK_RULES)
    policy = by_name["ecr-immutable-tags"]
    assert isinstance(policy, ResourceValidationPolicy)
    reported: list[str] = []
    args = ResourceValidationArgs(
        resource_type=ECR,
        props={"imageTagMutability": "MUTABLE"},
        urn="urn:ecr",
        name="ecr",
        opts=PolicyResourceOptions(False, [], False, [], None, []),  # type: ignore[arg-type]
        provider=None,
    )
    validate: Any = policy.validate
    validate(args, lambda message, urn=None: reported.append(message))
    assert reported == ["[medium] ECR image tags must be immutable"]


# ------------------------------------------------------------------ the real stacks
_subjects = subjects


def test_every_stack_passes_every_mandatory_rule(inventory: Inventory) -> None:
    findings = evaluate(_subjects(inventory))
    mandatory = [f for f in findings if f.enforcement == "mandatory"]
    assert mandatory == [], "\n".join(f"{f.rule}: {f.urn}: {f.message}" for f in mandatory)


def test_protection_follows_the_stack_config_not_its_name(
    inventories: dict[str, Inventory],
) -> None:
    flags = {stack: {s.protected_stack for s in _subjects(inv) if s.type.startswith("aws:")}
             for stack, inv in inventories.items()}  # fmt: skip
    assert {k: flags[k] for k in ("dev", "staging", "prod")} == {
        "dev": {False}, "staging": {True}, "prod": {True}
    }  # fmt: skip
    for stack, flag in flags.items():
        assert flag == {stack_file(stack)["config"]["aevon:protectStatefulResources"]}, stack


def test_the_rules_would_catch_a_regression_in_a_real_stack(
    inventories: dict[str, Inventory],
) -> None:
    """Flip one property of prod's real inventory and the pack must notice."""
    subjects = _subjects(inventories["prod"])
    broken = [
        Subject(**{**s.__dict__, "props": {**s.props, "storageEncrypted": False}})
        if s.type == RDS
        else s
        for s in subjects
    ]
    rules = {f.rule for f in evaluate(broken) if f.enforcement == "mandatory"}
    assert rules == {"aurora-storage-encrypted"}


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_protected_stacks_have_no_findings_at_all(
    inventories: dict[str, Inventory], stack: str
) -> None:
    findings = evaluate(_subjects(inventories[stack]))
    assert findings == [], findings
