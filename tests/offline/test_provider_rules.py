"""Each provider-rule row trips on a fixture that breaks it and passes the right value.

A case is (rule, inventory, tripped). `test_every_provider_rule_has_both_cases` keeps
the table honest: a row without a tripping and a passing fixture fails the suite.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.runtime import rpc

from offline import preflight
from offline.engine import Inventory, Registration
from offline.preflight import providers, providers_github

fx = Registration.fixture
URN = "urn:pulumi:test::aevon::"


def _inv(*registrations: Registration, invokes: Any = ()) -> Inventory:
    return Inventory.of(*registrations, invokes=invokes)


# ------------------------------------------------------------------------------ AWS
ECS_SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
STRATEGY = [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
CONTAINERS = json.dumps([{"name": "api", "image": "1.dkr.ecr/api:0f3c2a9"}])
DEFAULT_STRATEGY = fx(
    CAPACITY, "cp", {"defaultCapacityProviderStrategies": STRATEGY, "clusterName": "c"}
)

CASES: list[tuple[str, Inventory, bool]] = [
    (
        "aws-ecs-strategy-needs-force-new-deployment",
        _inv(fx(ECS_SERVICE, "svc", {"name": "api", "capacityProviderStrategies": STRATEGY})),
        True,
    ),
    (
        "aws-ecs-strategy-needs-force-new-deployment",
        _inv(
            fx(
                ECS_SERVICE,
                "svc",
                {"name": "api", "capacityProviderStrategies": STRATEGY, "forceNewDeployment": True},
            )
        ),
        False,
    ),
    (
        "aws-ecs-images-not-secret",
        _inv(
            fx(
                TASK,
                "task",
                {"family": "api", "containerDefinitions": rpc.wrap_rpc_secret(CONTAINERS)},
            )
        ),
        True,
    ),
    (
        "aws-ecs-images-not-secret",
        _inv(fx(TASK, "task", {"family": "api", "containerDefinitions": CONTAINERS})),
        False,
    ),
    (
        "aws-ecs-service-names-its-capacity",
        _inv(DEFAULT_STRATEGY, fx(ECS_SERVICE, "svc", {"name": "api"})),
        True,
    ),
    (
        "aws-ecs-service-names-its-capacity",
        _inv(DEFAULT_STRATEGY, fx(ECS_SERVICE, "svc", {"name": "api", "launchType": "FARGATE"})),
        False,
    ),
]

# --------------------------------------------------------------------------- GitHub
ENV = "github:index/repositoryEnvironment:RepositoryEnvironment"
POLICY = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
ENV_VAR = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
REPO_VAR = "github:index/actionsVariable:ActionsVariable"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
CUSTOM = {"protectedBranches": False, "customBranchPolicies": True}


def _env(**inputs: Any) -> Registration:
    return fx(ENV, "env", {"repository": "infra", "environment": "prod", **inputs})


def _env_child(typ: str, waits: bool, **inputs: Any) -> Registration:
    deps = [f"{URN}{ENV}::env"] if waits else []
    return fx(
        typ,
        "child",
        {"repository": "infra", "environment": "prod", **inputs},
        property_dependencies={"environment": deps},
    )


def _ruleset(target: str, includes: list[str]) -> Registration:
    conditions = {"refName": {"includes": includes, "excludes": []}}
    return fx(RULESET, "rs", {"name": "r", "target": target, "conditions": conditions})


CASES += [
    (
        "github-environment-limits",
        _inv(_env(reviewers=[{"teams": [1, 2, 3, 4], "users": [5, 6, 7]}])),
        True,
    ),
    ("github-environment-limits", _inv(_env(waitTimer=43_201)), True),
    ("github-environment-limits", _inv(_env(reviewers=[{"teams": [1, 2]}], waitTimer=5)), False),
    (
        "github-deployment-policy-one-pattern",
        _inv(_env(deploymentBranchPolicy=CUSTOM), _env_child(POLICY, True)),
        True,
    ),
    (
        "github-deployment-policy-one-pattern",
        _inv(
            _env(deploymentBranchPolicy=CUSTOM),
            _env_child(POLICY, True, branchPattern="main", tagPattern="v*"),
        ),
        True,
    ),
    (
        "github-deployment-policy-one-pattern",
        _inv(_env(deploymentBranchPolicy=CUSTOM), _env_child(POLICY, True, tagPattern="v*")),
        False,
    ),
    (
        "github-environment-children-wait",
        _inv(_env(deploymentBranchPolicy=CUSTOM), _env_child(POLICY, False, tagPattern="v*")),
        True,
    ),
    (
        "github-environment-children-wait",
        _inv(
            _env(deploymentBranchPolicy={"protectedBranches": True}),
            _env_child(POLICY, True, tagPattern="v*"),
        ),
        True,
    ),
    ("github-environment-children-wait", _inv(_env_child(ENV_VAR, False, variableName="A")), True),
    (
        "github-environment-children-wait",
        _inv(
            _env(deploymentBranchPolicy=CUSTOM),
            _env_child(POLICY, True, tagPattern="v*"),
            _env_child(ENV_VAR, True, variableName="A"),
        ),
        False,
    ),
    ("github-config-names", _inv(fx(REPO_VAR, "v", {"variableName": "GITHUB_TOKEN_X"})), True),
    ("github-config-names", _inv(fx(REPO_VAR, "v", {"variableName": "1ST"})), True),
    ("github-config-names", _inv(fx(REPO_VAR, "v", {"variableName": "AWS-ROLE"})), True),
    (
        "github-config-names",
        _inv(fx(REPO_VAR, "v", {"variableName": "AWS_DEPLOY_ROLE_ARN"})),
        False,
    ),
    ("github-ruleset-full-ref-names", _inv(_ruleset("tag", ["v*"])), True),
    ("github-ruleset-full-ref-names", _inv(_ruleset("branch", ["main"])), True),
    ("github-ruleset-full-ref-names", _inv(_ruleset("tag", ["refs/tags/v*"])), False),
    (
        "github-ruleset-full-ref-names",
        _inv(_ruleset("branch", ["~DEFAULT_BRANCH", "refs/heads/release/*"])),
        False,
    ),
]

ALERTS = "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"
UPDATES = "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates"
REPOSITORY = "github:index/repository:Repository"
ADOPTED_IGNORED = sorted(providers_github.ADOPTED_MUST_IGNORE)


def _updates(*, waits: bool, enabled: bool = True) -> Registration:
    return fx(
        UPDATES,
        "updates",
        {"repository": "infra", "enabled": enabled},
        depends_on=[f"{URN}{ALERTS}::alerts"] if waits else [],
    )


def _adopted(**options: Any) -> Registration:
    opts: dict[str, Any] = {
        "import_id": "infra",
        "protect": True,
        "retain_on_delete": True,
        "ignore_changes": ADOPTED_IGNORED,
    }
    opts.update(options)
    inputs = {"name": "infra", "securityAndAnalysis": {"secretScanning": {"status": "enabled"}}}
    return fx(REPOSITORY, "repo", inputs, **opts)


_ALERTS = fx(ALERTS, "alerts", {"repository": "infra", "enabled": True})

CASES += [
    (
        "github-variables-not-secret",
        _inv(fx(ENV_VAR, "v", {"variableName": "TOKEN", "value": rpc.wrap_rpc_secret("s3cr3t")})),
        True,
    ),
    (
        "github-variables-not-secret",
        _inv(fx(REPO_VAR, "v", {"variableName": "TOKEN", "value": rpc.wrap_rpc_secret("s3cr3t")})),
        True,
    ),
    (
        "github-variables-not-secret",
        _inv(fx(ENV_VAR, "v", {"variableName": "AWS_ROLE_ARN", "value": "arn:aws:iam::1:role/r"})),
        False,
    ),
    ("github-dependabot-needs-alerts", _inv(_updates(waits=False)), True),
    ("github-dependabot-needs-alerts", _inv(_ALERTS, _updates(waits=False)), True),
    ("github-dependabot-needs-alerts", _inv(_ALERTS, _updates(waits=True)), False),
    ("github-dependabot-needs-alerts", _inv(_updates(waits=False, enabled=False)), False),
    ("github-repository-adopted-safely", _inv(_adopted(import_id="")), True),
    ("github-repository-adopted-safely", _inv(_adopted(retain_on_delete=None)), True),
    ("github-repository-adopted-safely", _inv(_adopted(ignore_changes=[])), True),
    # one argument (allowAutoMerge) left to the provider's default on the update after the import
    ("github-repository-adopted-safely", _inv(_adopted(ignore_changes=ADOPTED_IGNORED[1:])), True),
    (
        "github-repository-adopted-safely",
        _inv(
            fx(
                REPOSITORY,
                "repo",
                {"name": "infra", "hasIssues": False},
                import_id="infra",
                protect=True,
                retain_on_delete=True,
                ignore_changes=["description"],
            )
        ),
        True,
    ),
    ("github-repository-adopted-safely", _inv(_adopted()), False),
]


# ----------------------------------------------------------------------- Google Cloud
SERVICE = "gcp:projects/service:Service"
NETWORK = "gcp:compute/network:Network"
CLUSTER = "gcp:container/cluster:Cluster"
ACCOUNT = "gcp:serviceaccount/account:Account"
ACCOUNT_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"
POOL_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
COMPUTE_API = fx(
    SERVICE, "compute", {"service": "compute.googleapis.com", "disableOnDestroy": False}
)
CLOSED = {"cidrBlocks": [], "gcpPublicCidrsAccessEnabled": False}
DNS_ON = {"dnsEndpointConfig": {"allowExternalTraffic": True}}
DEPLOY = "deploy@p.iam.gserviceaccount.com"
GITHUB_OIDC = {"issuerUri": "https://token.actions.githubusercontent.com"}


def _network(waits: bool) -> Registration:
    deps = [f"{URN}{SERVICE}::compute"] if waits else []
    return fx(NETWORK, "net", {"name": "aevon-net"}, depends_on=deps)


def _cluster(**inputs: Any) -> Registration:
    return fx(CLUSTER, "gke", {"name": "aevon-gke", "location": "us-central1", **inputs})


def _ci_account(role: str) -> tuple[Registration, Registration]:
    impersonation = fx(
        ACCOUNT_MEMBER,
        "wi",
        {
            "serviceAccountId": f"projects/p/serviceAccounts/{DEPLOY}",
            "role": "roles/iam.workloadIdentityUser",
            "member": "principal://iam.googleapis.com/projects/1/locations/global/"
            "workloadIdentityPools/gh/subject/repo:o/r:environment:prod",
        },
    )
    grant = fx(PROJECT_MEMBER, "grant", {"role": role, "member": f"serviceAccount:{DEPLOY}"})
    return impersonation, grant


def _infra_role(without: str = "") -> Registration:
    from infra.gcp.ci_identity import infra_permissions

    granted = [p for p in infra_permissions() if p != without]
    return fx(
        "gcp:projects/iAMCustomRole:IAMCustomRole",
        "ci-infra-role",
        {"roleId": "aevon_test_infra", "permissions": granted},
    )


CASES += [
    ("gcp-api-enabled-first", _inv(_network(False)), True),
    ("gcp-api-enabled-first", _inv(COMPUTE_API, _network(False)), True),
    (
        "gcp-api-enabled-first",
        _inv(fx(POOL_PROVIDER, "p", {"workloadIdentityPoolProviderId": "github"})),
        True,
    ),
    ("gcp-api-enabled-first", _inv(COMPUTE_API, _network(True)), False),
    (
        "gcp-api-kept-on-destroy",
        _inv(fx(SERVICE, "s", {"service": "compute.googleapis.com"})),
        True,
    ),
    ("gcp-api-kept-on-destroy", _inv(COMPUTE_API), False),
    (
        "gcp-gke-control-plane-reachable",
        _inv(_cluster(masterAuthorizedNetworksConfig=CLOSED)),
        True,
    ),
    (
        "gcp-gke-control-plane-reachable",
        _inv(_cluster(privateClusterConfig={"enablePrivateEndpoint": True})),
        True,
    ),
    (
        "gcp-gke-control-plane-reachable",
        _inv(_cluster(masterAuthorizedNetworksConfig=CLOSED, controlPlaneEndpointsConfig=DNS_ON)),
        False,
    ),
    (
        "gcp-gke-control-plane-reachable",
        _inv(
            _cluster(
                masterAuthorizedNetworksConfig={"cidrBlocks": [{"cidrBlock": "203.0.113.0/24"}]}
            )
        ),
        False,
    ),
    (
        "gcp-gke-ci-can-connect",
        _inv(
            _cluster(controlPlaneEndpointsConfig=DNS_ON),
            *_ci_account("roles/artifactregistry.writer"),
        ),
        True,
    ),
    (
        "gcp-gke-ci-can-connect",
        _inv(
            _cluster(controlPlaneEndpointsConfig=DNS_ON), *_ci_account("roles/container.developer")
        ),
        False,
    ),
    (
        "gcp-infra-role-covers",
        _inv(_infra_role(without="container.clusters.update"), _cluster()),
        True,
    ),
    (
        "gcp-infra-role-covers",
        _inv(_infra_role(), fx("gcp:sql/databaseInstance:DatabaseInstance", "db", {})),
        True,
    ),
    ("gcp-infra-role-covers", _inv(_infra_role(), _cluster(), *_ci_account("roles/x")), False),
    ("gcp-github-provider-condition", _inv(fx(POOL_PROVIDER, "p", {"oidc": GITHUB_OIDC})), True),
    (
        "gcp-github-provider-condition",
        _inv(
            fx(
                POOL_PROVIDER,
                "p",
                {"oidc": GITHUB_OIDC, "attributeCondition": 'assertion.repository == "o/r"'},
            )
        ),
        False,
    ),
    ("gcp-identifiers", _inv(fx(ACCOUNT, "a", {"accountId": "ci"})), True),
    ("gcp-identifiers", _inv(fx(POOL, "p", {"workloadIdentityPoolId": "gcp-github"})), True),
    ("gcp-identifiers", _inv(_cluster(name="aevon-" + "x" * 40)), True),
    ("gcp-identifiers", _inv(fx(NETWORK, "n", {"name": "Aevon_Net"})), True),
    (
        "gcp-identifiers",
        _inv(
            fx(ACCOUNT, "a", {"accountId": "aevon-prod-gcp-ci-deploy"}),
            fx(POOL, "p", {"workloadIdentityPoolId": "aevon-prod-github"}),
            _cluster(),
            fx(NETWORK, "n", {"name": "aevon-prod-gke"}),
        ),
        False,
    ),
    ("gcp-iam-member-format", _inv(fx(PROJECT_MEMBER, "m", {"member": DEPLOY})), True),
    (
        "gcp-iam-member-format",
        _inv(fx(PROJECT_MEMBER, "m", {"member": f"serviceAccount:{DEPLOY}"})),
        False,
    ),
    ("gcp-labels", _inv(_cluster(resourceLabels={"Environment": "prod"})), True),
    ("gcp-labels", _inv(_cluster(resourceLabels={"environment": "Prod"})), True),
    (
        "gcp-labels",
        _inv(_cluster(resourceLabels={"environment": "prod", "managed-by": "pulumi"})),
        False,
    ),
]


# ---------------------------------------------------------------------------- Vercel
VARIABLE = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
DOMAIN = "vercel:index/projectDomain:ProjectDomain"
RECORD = "aws:route53/record:Record"
API = "aws:apigatewayv2/api:Api"
STAGE = "aws:apigatewayv2/stage:Stage"
ROUTE = "aws:apigatewayv2/route:Route"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ZONE_LOOKUP = [("aws:route53/getZone:getZone", {"name": "aevon.dev"})]
VERCEL_SUB = "owner:aevon:project:aevon-web:environment:production"


def _variable(key: str, value_from: str = "", **inputs: Any) -> Registration:
    deps = [f"{URN}{value_from}"] if value_from else []
    return fx(
        VARIABLE,
        f"var-{key.lower()}",
        {"key": key, "value": "v", "projectId": "prj_1", "targets": ["production"], **inputs},
        property_dependencies={"value": deps},
    )


def _record(name: str, typ: str, target: str) -> Registration:
    return fx(RECORD, f"rec-{name}", {"name": name, "type": typ, "records": [target]})


def _iam_api(route_auth: str = "AWS_IAM") -> list[Registration]:
    api_dep = {"apiId": [f"{URN}{API}::api"]}
    return [
        fx(API, "api", {"protocolType": "HTTP"}),
        fx(STAGE, "stage", {"name": "$default"}, property_dependencies=api_dep),
        fx(ROUTE, "route", {"authorizationType": route_auth}, property_dependencies=api_dep),
    ]


def _caller(sub: str, action: str) -> list[Registration]:
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/oidc.vercel.com/aevon"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"oidc.vercel.com/aevon:sub": sub}},
            }
        ]
    }
    grant = {"Statement": [{"Effect": "Allow", "Action": [action], "Resource": ["arn:x"]}]}
    return [
        fx(ROLE, "caller", {"assumeRolePolicy": json.dumps(trust)}),
        fx(
            ROLE_POLICY,
            "caller-policy",
            {"policy": json.dumps(grant)},
            property_dependencies={"role": [f"{URN}{ROLE}::caller"]},
        ),
        _variable("AWS_ROLE_ARN", f"{ROLE}::caller"),
    ]


CASES += [
    ("vercel-reserved-variable-names", _inv(_variable("TZ")), True),
    ("vercel-reserved-variable-names", _inv(_variable("AWS_REGION")), False),
    (
        "vercel-sensitive-not-on-development",
        _inv(_variable("K", sensitive=True, targets=["development"])),
        True,
    ),
    (
        "vercel-sensitive-not-on-development",
        _inv(_variable("K", sensitive=True, targets=["preview"])),
        False,
    ),
    (
        "vercel-domain-has-dns-record",
        _inv(fx(DOMAIN, "d", {"domain": "www.aevon.dev"}), invokes=ZONE_LOOKUP),
        True,
    ),
    (
        "vercel-domain-has-dns-record",
        _inv(
            fx(DOMAIN, "d", {"domain": "aevon.dev"}),
            _record("aevon.dev", "CNAME", "cname.vercel-dns.com"),
            invokes=ZONE_LOOKUP,
        ),
        True,
    ),
    (
        "vercel-domain-has-dns-record",
        _inv(
            fx(DOMAIN, "d", {"domain": "www.aevon.dev"}),
            _record("www.aevon.dev", "CNAME", "cname.vercel-dns.com"),
            invokes=ZONE_LOOKUP,
        ),
        False,
    ),
    (
        "vercel-domain-has-dns-record",
        _inv(fx(DOMAIN, "d", {"domain": "www.elsewhere.io"}), invokes=ZONE_LOOKUP),
        False,
    ),
    (
        "vercel-iam-api-caller-can-sign",
        _inv(*_iam_api(), _variable("INGESTION_URL", f"{STAGE}::stage")),
        True,
    ),
    (
        "vercel-iam-api-caller-can-sign",
        _inv(
            *_iam_api(),
            _variable("INGESTION_URL", f"{STAGE}::stage"),
            *_caller(VERCEL_SUB.replace("production", "preview"), "execute-api:Invoke"),
        ),
        True,
    ),
    (
        "vercel-iam-api-caller-can-sign",
        _inv(
            *_iam_api(),
            _variable("INGESTION_URL", f"{STAGE}::stage"),
            *_caller(VERCEL_SUB, "s3:GetObject"),
        ),
        True,
    ),
    (
        "vercel-iam-api-caller-can-sign",
        _inv(
            *_iam_api(),
            _variable("INGESTION_URL", f"{STAGE}::stage"),
            *_caller(VERCEL_SUB, "execute-api:Invoke"),
        ),
        False,
    ),
    (
        "vercel-iam-api-caller-can-sign",
        _inv(*_iam_api("JWT"), _variable("INGESTION_URL", f"{STAGE}::stage")),
        False,
    ),
]


def _tripped(rule: str, inventory: Inventory) -> bool:
    return any(f.rule == rule for f in preflight.run(inventory))


@pytest.mark.parametrize(
    ("rule", "inventory", "tripped"),
    CASES,
    ids=[
        f"{rule}-{'trips' if tripped else 'passes'}-{i}"
        for i, (rule, _, tripped) in enumerate(CASES)
    ],
)
def test_provider_rule(rule: str, inventory: Inventory, tripped: bool) -> None:
    found = [f"{f.rule}: {f.message}" for f in preflight.run(inventory)]
    assert _tripped(rule, inventory) is tripped, found


def test_every_provider_rule_has_both_cases() -> None:
    covered = {(rule, tripped) for rule, _, tripped in CASES}
    covered |= {
        ("github-self-review-needs-reviewers", True),
        ("github-self-review-needs-reviewers", False),
    }
    for check in providers.CHECKS:
        assert (check.id, True) in covered, f"{check.id} has no fixture that trips it"
        assert (check.id, False) in covered, f"{check.id} has no fixture that passes it"
