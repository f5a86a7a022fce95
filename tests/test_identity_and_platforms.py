"""Keyless CI identity, GKE, Vercel and GitHub: components, real stacks, ownership, bad config."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from pulumi.runtime import rpc

from infra.aws.ci_identity import ADMIN_POLICIES, CiIdentity, CiIdentityArgs
from infra.config import (
    CiConfig,
    ConfigError,
    GcpConfig,
    GithubConfig,
    GithubEnvironmentConfig,
    VercelConfig,
    VercelTarget,
    parse,
)
from infra.gcp import ci_identity as gcp_ci_identity
from infra.gcp.ci_identity import GcpCiIdentity, GcpCiIdentityArgs
from infra.gcp.gke import GkePlatform, GkePlatformArgs
from infra.github.delivery import GithubDelivery, GithubDeliveryArgs
from infra.vercel.frontend import VercelFrontend, VercelFrontendArgs
from offline.engine import (
    STACKS,
    TEST_SECRET_VALUE,
    Inventory,
    RecordingMonitor,
    build,
    stack_config,
    stack_file,
)
from offline.ownership import check_single_ownership

AUD = "token.actions.githubusercontent.com:aud"
SUB = "token.actions.githubusercontent.com:sub"


def _trust(role: Any) -> dict[str, Any]:
    (statement,) = json.loads(role.input("assumeRolePolicy"))["Statement"]
    return statement


def _github_settings(
    environment_name: str = "production", infra: dict[str, Any] | None = None, **changes: Any
) -> GithubConfig:
    """A `github` section governing aevon-os/aevon-infra (its entry: `infra`, added to the
    defaults), deploying from `environment_name`."""
    values: dict[str, Any] = {
        "owner": "aevon-os",
        "repositories": [{"name": "aevon-infra", "kind": "infra", **(infra or {})}],
        "environment": {
            "name": environment_name,
            "requireApproval": False,
            "refs": {"tags": ["v*"]},
        },
    }
    values.update(changes)
    return GithubConfig.model_validate(values)


# ------------------------------------------------------------------ AWS CI identity
def _ci(oidc_provider: str = "lookup", account_roles: bool = True) -> RecordingMonitor:
    args = CiIdentityArgs(
        github=_github_settings(),
        settings=CiConfig.model_validate(
            {"githubOidcProvider": oidc_provider, "accountRoles": account_roles}
        ),
        region="us-east-1",
    )
    return build(lambda: CiIdentity("ci", args).deploy_role_arn)


def test_deploy_role_trust_pins_aud_and_sub_exactly() -> None:
    rec = _ci()
    statement = _trust(rec.named("ci-deploy-role"))
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].endswith(
        "oidc-provider/token.actions.githubusercontent.com"
    )
    assert statement["Condition"] == {
        "StringEquals": {
            AUD: "sts.amazonaws.com",
            SUB: "repo:aevon-os/aevon-infra:environment:production",
        }
    }


def test_read_only_roles_trust_pull_requests_and_main_only() -> None:
    rec = _ci()
    assert (
        _trust(rec.named("ci-preview-role"))["Condition"]["StringEquals"][SUB]
        == "repo:aevon-os/aevon-infra:pull_request"
    )
    assert (
        _trust(rec.named("ci-drift-role"))["Condition"]["StringEquals"][SUB]
        == "repo:aevon-os/aevon-infra:ref:refs/heads/main"
    )
    for name in ("ci-preview-read-only", "ci-drift-read-only"):
        assert rec.named(name).input("policyArn") == "arn:aws:iam::aws:policy/ReadOnlyAccess"


def test_deploy_role_is_scoped_and_capped_by_a_boundary() -> None:
    rec = _ci()
    role = rec.named("ci-deploy-role")
    boundary = rec.named("ci-deploy-boundary")
    assert role.input("permissionsBoundary") == boundary.outputs["arn"]
    policy = json.loads(rec.named("ci-deploy-policy").input("policy"))
    for statement in policy["Statement"]:
        actions = statement["Action"]
        assert "*" not in (actions if isinstance(actions, list) else [actions])
        # A whole service only on the stack's resources, never on "*" (CKV_AWS_355).
        if isinstance(statement["Action"], str) and statement["Action"].endswith(":*"):
            assert "*" not in statement["Resource"]
    actions = json.loads(rec.named("ci-deploy-actions").input("policy"))["Statement"]
    by_sid = {s["Sid"]: s for s in [*policy["Statement"], *actions]}
    assert all(s["Resource"] == "*" for s in actions), "only what takes no resource"
    assert by_sid["StackResourcesOfSqs"] == {
        "Sid": "StackResourcesOfSqs",
        "Effect": "Allow",
        "Action": "sqs:*",
        "Resource": ["arn:aws:sqs:us-east-1:123456789012:aevon-test-*"],
    }
    assert by_sid["ActionsWithoutResourcesInTheRegion"]["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": "us-east-1"}
    }
    iam = by_sid["ManageOnlyTheStacksRoles"]
    assert iam["Resource"] == [
        "arn:aws:iam::123456789012:role/aevon-test-*",
        "arn:aws:iam::123456789012:policy/aevon-test-*",
    ]
    denies = {
        s["Sid"]: s
        for s in json.loads(boundary.input("policy"))["Statement"]
        if s["Effect"] == "Deny"
    }
    assert (
        denies["NoAdministratorPolicies"]["Condition"]["ArnEquals"]["iam:PolicyARN"]
        == ADMIN_POLICIES
    )
    assert "iam:CreateAccessKey" in denies["NoUsersOrKeys"]["Action"]
    assert (
        "arn:aws:iam::123456789012:role/aevon-test-ci-deploy"
        in denies["CannotWidenItself"]["Resource"]
    )
    for attachment in rec.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        assert attachment.input("policyArn") not in ADMIN_POLICIES


def test_oidc_provider_is_created_or_looked_up_by_config() -> None:
    looked_up = _ci(oidc_provider="lookup", account_roles=False)
    assert looked_up.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert looked_up.of_type("aws:iam/role:Role") == [looked_up.named("ci-deploy-role")]
    created = _ci(oidc_provider="create")
    (provider,) = created.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.input("clientIdLists") == ["sts.amazonaws.com"]
    assert (
        _trust(created.named("ci-deploy-role"))["Principal"]["Federated"] == provider.outputs["arn"]
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"owner": "aevon-*"}, "must be a literal GitHub name"),
        ({"repositories": [{"name": "*", "kind": "infra"}]}, "must be a literal GitHub name"),
        ({"environment": "prod:*"}, "must be a lowercase environment name"),
    ],
)
def test_a_wildcard_in_the_subject_is_refused(changes: dict[str, Any], message: str) -> None:
    """The subject the roles trust is built from the github section, which refuses wildcards."""
    environment = changes.pop("environment", "production")
    with pytest.raises(ValueError, match=message):
        _github_settings(environment, **changes)


# ------------------------------------------------------------------ GKE
def _gcp_settings(autopilot: bool = True, **changes: Any) -> GcpConfig:
    values: dict[str, Any] = {
        "enabled": True,
        "project_id": "aevon-platform-test",
        "region": "us-central1",
        "mode": "autopilot" if autopilot else "standard",
        "regional": True,
        "release_channel": "STABLE",
        "subnet_cidr": "10.100.0.0/20",
        "pods_cidr": "10.104.0.0/14",
        "services_cidr": "10.108.0.0/20",
        "master_cidr": "172.16.0.0/28",
        "authorized_networks": [{"name": "vpn", "cidr": "198.51.100.0/24"}],
        "node_pool": None
        if autopilot
        else {"machine_type": "e2-standard-4", "min_nodes": 1, "max_nodes": 3},
    }
    values.update(changes)
    return GcpConfig.model_validate(values)


def _gke(autopilot: bool = True) -> RecordingMonitor:
    args = GkePlatformArgs(settings=_gcp_settings(autopilot))
    return build(lambda: GkePlatform("gke", args).cluster_name)


def test_autopilot_cluster_is_private_with_workload_identity_and_dataplane_v2() -> None:
    rec = _gke()
    (cluster,) = rec.of_type("gcp:container/cluster:Cluster")
    assert cluster.input("enableAutopilot") is True
    assert cluster.input("location") == "us-central1"
    assert cluster.input("privateClusterConfig")["enablePrivateNodes"] is True
    assert cluster.input("masterAuthorizedNetworksConfig")["cidrBlocks"] == [
        {"cidrBlock": "198.51.100.0/24", "displayName": "vpn"}
    ]
    assert cluster.input("workloadIdentityConfig") == {
        "workloadPool": "aevon-platform-test.svc.id.goog"
    }
    assert cluster.input("releaseChannel") == {"channel": "STABLE"}
    assert cluster.input("datapathProvider") == "ADVANCED_DATAPATH"
    assert cluster.input("deletionProtection") is True
    assert cluster.protect is True
    assert cluster.input("ipAllocationPolicy") == {
        "clusterSecondaryRangeName": "pods",
        "servicesSecondaryRangeName": "services",
    }
    (subnet,) = rec.of_type("gcp:compute/subnetwork:Subnetwork")
    assert {r["rangeName"] for r in subnet.input("secondaryIpRanges")} == {"pods", "services"}
    assert subnet.input("privateIpGoogleAccess") is True
    assert len(rec.of_type("gcp:compute/routerNat:RouterNat")) == 1
    # Autopilot's nodes run as the least-privilege account, not the default compute one.
    (account,) = rec.of_type("gcp:serviceaccount/account:Account")
    defaults = cluster.input("clusterAutoscaling")["autoProvisioningDefaults"]
    assert defaults["serviceAccount"] == account.outputs["email"]


def test_cluster_is_hardened_past_the_scanner_findings() -> None:
    """CKV_GCP_61 (intranode visibility), CKV_GCP_66 (Binary Authorization), CKV_GCP_13
    (no client certificates), CKV2_GCP_18 (the network's explicit firewall)."""
    rec = _gke()
    (cluster,) = rec.of_type("gcp:container/cluster:Cluster")
    assert cluster.input("enableIntranodeVisibility") is True
    assert cluster.input("binaryAuthorization") == {
        "evaluationMode": "PROJECT_SINGLETON_POLICY_ENFORCE"
    }
    assert cluster.input("masterAuth") == {
        "clientCertificateConfig": {"issueClientCertificate": False}
    }
    (firewall,) = rec.of_type("gcp:compute/firewall:Firewall")
    assert firewall.input("direction") == "INGRESS"
    assert firewall.input("denies") == [{"protocol": "all"}]
    assert firewall.input("priority") == 65534, "below every allow rule GKE creates (1000)"
    assert firewall.input("logConfig") == {"metadata": "INCLUDE_ALL_METADATA"}


def test_admission_policy_admits_only_the_stacks_registry_and_googles_system_images() -> None:
    rec = _gke()
    (policy,) = rec.of_type("gcp:binaryauthorization/policy:Policy")
    (repo,) = rec.of_type("gcp:artifactregistry/repository:Repository")
    assert policy.input("globalPolicyEvaluationMode") == "ENABLE"
    assert policy.input("defaultAdmissionRule") == {
        "evaluationMode": "ALWAYS_DENY",
        "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
    }
    assert policy.input("admissionWhitelistPatterns") == [
        {
            "namePattern": "us-central1-docker.pkg.dev/aevon-platform-test/"
            f"{repo.input('repositoryId')}/**"
        }
    ]


def test_registry_is_encrypted_with_a_key_only_its_service_agent_uses() -> None:
    rec = build(
        lambda: (
            GkePlatform("gke", GkePlatformArgs(settings=_gcp_settings(), protect=True)).registry_url
        )
    )
    (repo,) = rec.of_type("gcp:artifactregistry/repository:Repository")
    (key,) = rec.of_type("gcp:kms/cryptoKey:CryptoKey")
    (ring,) = rec.of_type("gcp:kms/keyRing:KeyRing")
    (grant,) = rec.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    (agent,) = rec.of_type("gcp:projects/serviceIdentity:ServiceIdentity")
    assert repo.input("kmsKeyName") == key.id
    assert ring.input("location") == repo.input("location") == "us-central1"
    assert key.input("rotationPeriod") == f"{90 * 24 * 3600}s"
    assert agent.input("service") == "artifactregistry.googleapis.com"
    assert grant.input("role") == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert grant.input("member") == agent.outputs["member"]
    assert grant.input("cryptoKeyId") == key.id
    # AR checks the key when it creates the repository: the repository waits for the grant.
    assert grant.urn in repo.property_dependencies["kmsKeyName"] or any(
        grant.urn in deps for deps in repo.property_dependencies.values()
    )
    assert repo.protect is key.protect is ring.protect is True


def test_standard_cluster_uses_a_least_privilege_node_account_and_shielded_nodes() -> None:
    rec = _gke(autopilot=False)
    (cluster,) = rec.of_type("gcp:container/cluster:Cluster")
    assert cluster.input("enableShieldedNodes") is True
    assert cluster.input("removeDefaultNodePool") is True
    (pool,) = rec.of_type("gcp:container/nodePool:NodePool")
    (account,) = rec.of_type("gcp:serviceaccount/account:Account")
    config = pool.input("nodeConfig")
    assert config["serviceAccount"] == account.outputs["email"]
    assert config["shieldedInstanceConfig"] == {
        "enableSecureBoot": True,
        "enableIntegrityMonitoring": True,
    }
    assert config["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
    roles = sorted(m.input("role") for m in rec.of_type("gcp:projects/iAMMember:IAMMember"))
    assert "roles/owner" not in roles
    assert "roles/editor" not in roles
    assert all(
        r.startswith(
            (
                "roles/logging.",
                "roles/monitoring.",
                "roles/stackdriver.",
                "roles/artifactregistry.reader",
            )
        )
        for r in roles
    )


def test_artifact_registry_has_cleanup_policies() -> None:
    (repo,) = _gke().of_type("gcp:artifactregistry/repository:Repository")
    assert repo.input("format") == "DOCKER"
    assert {p["id"]: p["action"] for p in repo.input("cleanupPolicies")} == {
        "delete-untagged": "DELETE",
        "keep-recent": "KEEP",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"authorized_networks": [{"name": "world", "cidr": "0.0.0.0/0"}]},
            "never 0.0.0.0/0",
        ),
        (
            {"node_pool": {"machine_type": "e2-small", "min_nodes": 1, "max_nodes": 1}},
            "not allowed with autopilot",
        ),
        ({"regional": False}, "Autopilot clusters are regional"),
    ],
)
def test_bad_gke_settings(changes: dict[str, Any], message: str) -> None:
    """GKE's settings are the gcp section: the model refuses what GKE would."""
    with pytest.raises(ValueError, match=message):
        _gcp_settings(**changes)


def test_gke_args_need_an_enabled_gcp_section() -> None:
    with pytest.raises(ValueError, match="an enabled gcp section"):
        GkePlatformArgs(settings=GcpConfig.model_validate({"enabled": False}))


NODES = (
    "projects/aevon-platform-test/serviceAccounts/aevon-test-gke-nodes@p.iam.gserviceaccount.com"
)


def _gcp_ci() -> RecordingMonitor:
    return build(
        lambda: (
            GcpCiIdentity(
                "gcp-ci",
                GcpCiIdentityArgs(
                    settings=_gcp_settings(),
                    github=_github_settings("staging"),
                    node_service_account=NODES,
                ),
            ).provider_name
        )
    )


def test_gcp_workload_identity_pins_the_repository_and_environment() -> None:
    rec = _gcp_ci()
    (provider,) = rec.of_type("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
    repo = "aevon-os/aevon-infra"
    assert provider.input("attributeCondition") == (
        f'assertion.repository == "{repo}" && ('
        f'assertion.sub == "repo:{repo}:environment:staging" || '
        f'assertion.sub == "repo:{repo}:pull_request" || '
        f'assertion.sub == "repo:{repo}:ref:refs/heads/main")'
    ), "the pool admits exactly the subjects an account trusts (CKV_GCP_125)"
    assert provider.input("oidc") == {"issuerUri": "https://token.actions.githubusercontent.com"}
    bindings = {
        b.name: b
        for b in rec.of_type("gcp:serviceaccount/iAMMember:IAMMember")
        if "workload-identity" in b.name
    }
    assert {b.input("role") for b in bindings.values()} == {"roles/iam.workloadIdentityUser"}
    subject = lambda name: bindings[name].input("member").split("/subject/")[1]  # noqa: E731
    assert (
        subject("gcp-ci-deploy-workload-identity-0")
        == "repo:aevon-os/aevon-infra:environment:staging"
    )
    assert (
        subject("gcp-ci-infra-workload-identity-0")
        == "repo:aevon-os/aevon-infra:environment:staging"
    )
    assert {
        subject("gcp-ci-viewer-workload-identity-0"),
        subject("gcp-ci-viewer-workload-identity-1"),
    } == {
        "repo:aevon-os/aevon-infra:pull_request",
        "repo:aevon-os/aevon-infra:ref:refs/heads/main",
    }
    roles: dict[str, set[str]] = {}
    for member in rec.of_type("gcp:projects/iAMMember:IAMMember"):
        roles.setdefault(member.name.split("-")[2], set()).add(member.input("role"))
    assert roles["deploy"] == {"roles/artifactregistry.writer", "roles/container.developer"}


def test_gcp_ci_roles_are_narrowed_to_what_they_call() -> None:
    """CKV_GCP_41/42/49 (no project-wide service account use or admin roles) and CKV_GCP_117
    (no basic role): the infra account holds one custom role with the permissions its
    resource types need and acts as the node account alone; the viewer reads per service."""
    rec = _gcp_ci()
    roles: dict[str, set[str]] = {}
    for member in rec.of_type("gcp:projects/iAMMember:IAMMember"):
        roles.setdefault(member.name.split("-")[2], set()).add(member.input("role"))
    (custom,) = rec.of_type("gcp:projects/iAMCustomRole:IAMCustomRole")
    assert roles["infra"] == {custom.outputs["name"]}
    assert custom.input("roleId") == "aevon_test_infra"
    assert custom.input("permissions") == list(gcp_ci_identity.infra_permissions())
    permissions = set(custom.input("permissions"))
    assert not {p for p in permissions if ".setIamPolicy" in p or p.startswith("iam.")}, (
        "the infra account administers no IAM"
    )
    assert "container.clusters.create" in permissions
    assert "serviceusage.services.enable" in permissions
    assert roles["viewer"] == set(gcp_ci_identity.VIEWER_ROLES)
    assert not roles["viewer"] & {"roles/viewer", "roles/editor", "roles/owner"}
    assert all(r.lower().endswith(("viewer", "reviewer", ".reader")) for r in roles["viewer"])
    (acts_as,) = [
        b
        for b in rec.of_type("gcp:serviceaccount/iAMMember:IAMMember")
        if b.name == "gcp-ci-infra-acts-as-nodes"
    ]
    assert acts_as.input("serviceAccountId") == NODES
    assert acts_as.input("role") == "roles/iam.serviceAccountUser"
    assert acts_as.input("member").startswith("serviceAccount:aevon-test-gcp-ci-infra@")


# ------------------------------------------------------------------ Vercel
def _vercel_settings(
    owns: bool, target: VercelTarget = VercelTarget.PRODUCTION, **changes: Any
) -> VercelConfig:
    values: dict[str, Any] = {
        "team": "aevon",
        "project_name": "aevon-web",
        "target": target,
        "owns_project": owns,
        "git_repository": "aevon-os/aevon-web" if owns else None,
    }
    values.update(changes)
    return VercelConfig.model_validate(values)


def _vercel(
    owns: bool, target: VercelTarget = VercelTarget.PRODUCTION, **changes: Any
) -> RecordingMonitor:
    args = VercelFrontendArgs(
        settings=_vercel_settings(owns, target, **changes),
        variables={"NEXT_PUBLIC_API_URL": "https://app.aevon.dev/api"},
        sensitive={"SENTRY_AUTH_TOKEN": "t0ken"} if target is not VercelTarget.DEVELOPMENT else {},
    )
    return build(lambda: VercelFrontend("frontend", args).project_id)


def test_owning_stack_creates_the_protected_nextjs_project() -> None:
    rec = _vercel(owns=True, domain="www.aevon.dev")
    (project,) = rec.of_type("vercel:index/project:Project")
    assert project.input("framework") == "nextjs"
    assert project.input("gitRepository")["repo"] == "aevon-os/aevon-web"
    assert project.input("gitForkProtection") is True
    assert project.input("vercelAuthentication") == {"deploymentType": "standard_protection"}
    assert rec.named("frontend-domain").input("domain") == "www.aevon.dev"


def test_other_stacks_manage_only_their_targets_variables() -> None:
    rec = _vercel(owns=False, target=VercelTarget.PREVIEW)
    assert rec.of_type("vercel:index/project:Project") == []
    variables = {
        v.input("key"): v
        for v in rec.of_type("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")
    }
    assert all(v.input("targets") == ["preview"] for v in variables.values())
    assert variables["SENTRY_AUTH_TOKEN"].input("sensitive") is True
    assert variables["SENTRY_AUTH_TOKEN"].is_secret_input("value")
    assert variables["NEXT_PUBLIC_API_URL"].input("sensitive") is False


def test_vercel_refuses_sensitive_variables_on_development() -> None:
    with pytest.raises(ValueError, match="development target"):
        VercelFrontendArgs(
            settings=_vercel_settings(owns=False, target=VercelTarget.DEVELOPMENT),
            sensitive={"X": "y"},
        )


# ------------------------------------------------------------------ GitHub
def _env(**values: Any) -> GithubEnvironmentConfig:
    return GithubEnvironmentConfig.model_validate(values)


def _github(owns: bool = True, **infra: Any) -> RecordingMonitor:
    settings = _github_settings(
        environment=_env(name="production", requireApproval=True, reviewers={"teams": ["platform-leads"]},
                         waitTimerMinutes=5, refs={"tags": ["v*"]}),
        approval_environment=_env(name="production-approval", requireApproval=True,
                                  reviewers={"teams": ["release-managers"]}, refs={"tags": ["v*"]}),
        infra={"ownsSettings": True, "requiredChecks": ["ci", "preview prod"],
               "releaseTagCreators": ["release-managers"], **infra} if owns else infra,
    )  # fmt: skip
    args = GithubDeliveryArgs(
        settings=settings,
        repository=settings.infra,
        variables={"AWS_DEPLOY_ROLE_ARN": "arn:aws:iam::123456789012:role/d"},
        secrets={"SENTRY_AUTH_TOKEN": "t0ken"},
    )
    return build(lambda: GithubDelivery("github", args).environment_name)


def test_production_environment_gates_with_reviewers_timer_and_tag_policy() -> None:
    rec = _github()
    environments = {
        e.input("environment"): e
        for e in rec.of_type("github:index/repositoryEnvironment:RepositoryEnvironment")
    }
    production, gate = environments["production"], environments["production-approval"]
    assert production.input("waitTimer") == 5
    assert production.input("preventSelfReview") is True
    assert production.input("canAdminsBypass") is False
    assert production.input("deploymentBranchPolicy") == {
        "protectedBranches": False,
        "customBranchPolicies": True,
    }
    # two gates, two disjoint teams: two different people approve a production deploy
    assert production.input("reviewers")[0]["teams"] != gate.input("reviewers")[0]["teams"]
    policies = rec.of_type(
        "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
    )
    assert {(p.input("environment"), p.input("tagPattern")) for p in policies} == {
        ("production", "v*"),
        ("production-approval", "v*"),
    }


def test_environment_variables_and_secrets() -> None:
    rec = _github()
    (variable,) = rec.of_type("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")
    assert (variable.input("variableName"), variable.input("environment")) == (
        "AWS_DEPLOY_ROLE_ARN",
        "production",
    )
    (secret,) = rec.of_type("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret")
    assert secret.is_secret_input("plaintextValue")


def test_rulesets_protect_main_and_release_tags() -> None:
    rec = _github()
    rulesets = {
        r.input("name"): r for r in rec.of_type("github:index/repositoryRuleset:RepositoryRuleset")
    }
    main = rulesets["main"].input("rules")
    assert main["deletion"] is True
    assert main["nonFastForward"] is True
    assert main["requiredLinearHistory"] is True
    assert main["pullRequest"]["dismissStaleReviewsOnPush"] is True
    assert main["pullRequest"]["requireLastPushApproval"] is True
    assert main["pullRequest"]["requiredApprovingReviewCount"] == 1
    assert [c["context"] for c in main["requiredStatusChecks"]["requiredChecks"]] == [
        "ci",
        "preview prod",
    ]
    tags = rulesets["release-tags"]
    assert tags.input("target") == "tag"
    assert tags.input("conditions")["refName"]["includes"] == ["refs/tags/v*", "refs/tags/rc-*"]
    assert tags.input("rules") == {"deletion": True, "nonFastForward": True, "update": True}
    assert not tags.input("bypassActors"), "nobody may move or delete a release tag"
    # Creating a release tag: refused to everyone but the release managers' team.
    creation = rulesets["release-tag-creation"]
    assert creation.input("target") == "tag"
    assert creation.input("conditions")["refName"]["includes"] == [
        "refs/tags/v*",
        "refs/tags/rc-*",
    ]
    assert creation.input("rules") == {"creation": True}
    (actor,) = creation.input("bypassActors")
    assert (actor["actorType"], actor["bypassMode"]) == ("Team", "always")
    assert actor["actorId"] > 0, "a team id"
    assert actor["actorId"] == int(actor["actorId"])
    two = _github(releaseTagCreators=["release-managers", "platform-leads"])
    creators = {
        r.input("name"): r for r in two.of_type("github:index/repositoryRuleset:RepositoryRuleset")
    }["release-tag-creation"].input("bypassActors")
    assert len({a["actorId"] for a in creators}) == 2, "one bypass actor per team, by team id"
    assert _github(owns=False).of_type("github:index/repositoryRuleset:RepositoryRuleset") == []


# ------------------------------------------------------------------ the real stacks
def test_gke_is_off_in_dev_and_on_in_staging_and_prod(inventories: dict[str, Inventory]) -> None:
    assert inventories["dev"].of_type("gcp:container/cluster:Cluster") == []
    for stack in ("staging", "prod"):
        (cluster,) = inventories[stack].of_type("gcp:container/cluster:Cluster")
        assert cluster.input("location") == "us-central1", "regional"


def test_each_stack_trusts_exactly_its_own_environment(inventory: Inventory) -> None:
    role = inventory.by_name("ci-deploy-role")
    environment = stack_file(inventory.stack)["config"]["aevon:github"]["environment"]["name"]
    assert (
        _trust(role)["Condition"]["StringEquals"][SUB]
        == f"repo:aevon-os/aevon-infra:environment:{environment}"
    )
    names = {
        e.input("environment")
        for e in inventory.of_type("github:index/repositoryEnvironment:RepositoryEnvironment")
    }
    assert environment in names


def test_github_variables_come_from_the_stacks_own_outputs(inventory: Inventory) -> None:
    variables = {
        v.input("variableName"): v.input("value")
        for v in inventory.of_type(
            "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
        )
        if v.input("repository") == "aevon-infra"
    }
    assert variables["AWS_DEPLOY_ROLE_ARN"] == inventory.outputs["deployRoleArn"]
    assert variables["ECR_REGISTRY"] == inventory.outputs["ecrRegistry"]
    assert variables["ECS_CLUSTER"] == inventory.outputs["ecsClusterName"]
    assert json.loads(variables["ECS_SERVICES"]) == inventory.outputs["ecsServiceNames"]
    # A stack that leaves Vercel alone (vercel.manage: false) has no project id to hand on.
    vercel = stack_file(inventory.stack)["config"]["aevon:vercel"].get("manage", True)
    assert ("VERCEL_PROJECT_ID" in variables) is vercel
    assert variables.get("VERCEL_PROJECT_ID") == inventory.outputs.get("vercelProjectId")
    gcp = stack_file(inventory.stack)["config"]["aevon:gcp"]["enabled"]
    assert ("GCP_WORKLOAD_IDENTITY_PROVIDER" in variables) is gcp


@pytest.mark.all_stacks
def test_no_shared_object_is_managed_by_two_stacks(inventories: dict[str, Inventory]) -> None:
    """Evaluate all three stacks: every GitHub, Vercel and account-level object has one owner."""

    def shared(inv: Inventory) -> set[tuple[str, str]]:
        keys = set()
        for r in inv.custom():
            if r.type.startswith("github:"):
                keys.add(
                    (
                        r.type,
                        f"{r.input('repository')}:{r.input('environment')}:{r.input('name')}:{r.input('variableName')}:{r.input('secretName')}:{r.input('tagPattern')}:{r.input('branchPattern')}",
                    )
                )
            elif r.type.startswith("vercel:"):
                keys.add(
                    (
                        r.type,
                        f"{r.input('name')}:{r.input('domain')}:{r.input('key')}:{r.input('targets')}",
                    )
                )
            elif r.type in ("aws:iam/openIdConnectProvider:OpenIdConnectProvider",):
                keys.add((r.type, r.input("url")))
            elif r.name.startswith(("ci-preview", "ci-drift")):
                # The read-only roles are one per account (each stack has its own account).
                account = inv.one("pulumi:providers:aws").input("allowedAccountIds")
                keys.add((r.type, f"{account}:{r.name}"))
        return keys

    seen: dict[tuple[str, str], str] = {}
    for stack, inv in inventories.items():
        for key in shared(inv):
            assert key not in seen, f"{key} is managed by both {seen[key]} and {stack}"
            seen[key] = stack
    assert any(t.startswith("vercel:index/project:") for t, _ in seen)
    assert any(t.startswith("github:index/repositoryRuleset") for t, _ in seen)


@pytest.mark.all_stacks
def test_real_stack_files_claim_each_shared_object_once() -> None:
    check_single_ownership({s: parse("aevon", s, stack_config(s)[0]) for s in STACKS})


def _with(stack: str, key: str, **changes: Any) -> dict[str, Any]:
    config, _ = stack_config(stack)
    raw: dict[str, Any] = dict(config)
    section = dict(stack_file(stack)["config"][f"aevon:{key}"])
    section.update(changes)
    raw[f"aevon:{key}"] = section
    return raw


def test_vercel_target_owned_twice_is_one_clear_error() -> None:
    configs = {s: parse("aevon", s, stack_config(s)[0]) for s in STACKS}
    configs["staging"] = parse("aevon", "staging", _with("staging", "vercel", target="production"))
    with pytest.raises(
        ConfigError,
        match=r"vercel-target:aevon/aevon-web:production: stack 'prod' \(aevon:vercel.target\), stack 'staging'",
    ):
        check_single_ownership(configs)


def test_rulesets_and_project_owned_twice_are_refused() -> None:
    configs = {s: parse("aevon", s, stack_config(s)[0]) for s in STACKS}
    configs["prod"] = parse(
        "aevon",
        "prod",
        _with("prod", "vercel", ownsProject=True, gitRepository="aevon-os/aevon-web"),
    )
    with pytest.raises(ConfigError, match="vercel-project:aevon/aevon-web"):
        check_single_ownership(configs)


@pytest.mark.parametrize(
    ("stack", "key", "changes", "message"),
    [
        (
            "prod",
            "github",
            {"owner": "aevon-*"},
            r"aevon:github.owner = \"aevon-\*\": must be a literal GitHub name",
        ),
        (
            "staging",
            "github",
            {
                "environment": {
                    "name": "staging",
                    "requireApproval": True,
                    "refs": {"tags": ["rc-*"]},
                }
            },
            "requires approval but lists no reviewers",
        ),
        (
            "prod",
            "github",
            {
                "environment": {
                    "name": "production",
                    "requireApproval": True,
                    "reviewers": {"teams": ["a"]},
                    "waitTimerMinutes": 50000,
                    "refs": {"tags": ["v*"]},
                }
            },
            r"aevon:github.environment.waitTimerMinutes = 50000: Input should be less than or equal to 43200",
        ),
        (
            "prod",
            "github",
            {
                "approvalEnvironment": {
                    "name": "production-approval",
                    "requireApproval": True,
                    "reviewers": {"teams": ["platform-leads"]},
                    "refs": {"tags": ["v*"]},
                }
            },
            "share reviewers \\(platform-leads\\)",
        ),
        (
            "prod",
            "github",
            {
                "repositories": [
                    {
                        "name": "aevon-infra",
                        "kind": "infra",
                        "ownsSettings": True,
                        "requiredChecks": ["ci"],
                        "releaseTagCreators": [],
                    }
                ]
            },
            "must list releaseTagCreators",
        ),
        (
            "prod",
            "github",
            {
                "repositories": [
                    {
                        "name": "aevon-infra",
                        "kind": "infra",
                        "ownsSettings": True,
                        "requiredChecks": ["ci"],
                        "releaseTagCreators": ["release-*"],
                    }
                ]
            },
            "must be a literal GitHub name",
        ),
        (
            "prod",
            "github",
            {"manage": False},
            "ownsSettings and approvalEnvironment need manage: true",
        ),
        (
            "staging",
            "gcp",
            {"authorizedNetworks": [{"name": "anyone", "cidr": "0.0.0.0/0"}]},
            "never 0.0.0.0/0",
        ),
        ("staging", "gcp", {"projectId": None}, "enabled needs projectId"),
        ("staging", "gcp", {"mode": "standard"}, "nodePool is required with mode standard"),
        ("staging", "gcp", {"regional": False}, "Autopilot clusters are regional"),
        ("dev", "vercel", {"target": "staging"}, "'production', 'preview' or 'development'"),
        (
            "dev",
            "vercel",
            {"ownsProject": False},
            "only the stack that owns the Vercel project sets gitRepository",
        ),
        ("dev", "ci", {"githubOidcProvider": "maybe"}, "'create' or 'lookup'"),
    ],
)
def test_bad_identity_and_platform_config(
    stack: str, key: str, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse("aevon", stack, _with(stack, key, **changes))


def test_third_party_tokens_must_be_secret_config() -> None:
    config, secret = stack_config("dev")  # secret: the DSN an operator sets (stood in)
    raw = {**config, "aevon:thirdPartyTokens": {"SENTRY_AUTH_TOKEN": "plain"}}
    with pytest.raises(
        ConfigError, match="set in plaintext; set it with `pulumi config set --secret"
    ):
        parse("aevon", "dev", raw, secret_keys=set(secret))
    cfg = parse("aevon", "dev", raw, secret_keys={"aevon:thirdPartyTokens", *secret})
    assert cfg.third_party_tokens == {"SENTRY_AUTH_TOKEN": "plain"}


def test_a_secret_token_reaches_github_only_as_a_secret() -> None:
    from offline.engine import run_stack

    github = stack_file("dev")["config"]["aevon:github"]
    repositories = [
        {**r, "secrets": ["SENTRY_AUTH_TOKEN"]} if r["kind"] == "services" else r
        for r in github["repositories"]
    ]
    inv = run_stack(
        "dev",
        {
            "aevon:thirdPartyTokens": {"SENTRY_AUTH_TOKEN": {"secure": "v1:encrypted"}},
            "aevon:github": {**github, "repositories": repositories},
        },
    )
    # Only the repository that names the token receives it, and only as a secret.
    (secret,) = inv.of_type("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret")
    assert secret.input("repository") == "aevon-platform"
    assert secret.input("secretName") == "SENTRY_AUTH_TOKEN"
    assert secret.is_secret_input("plaintextValue")
    assert rpc.unwrap_rpc_secret(secret.inputs["plaintextValue"]) == TEST_SECRET_VALUE
    for key, value in inv.outputs.items():
        assert TEST_SECRET_VALUE not in json.dumps(value), key


def pr_stack_overrides(number: int, image_tag: str = "0123abc" * 5 + "01234") -> dict[str, Any]:
    """What `.github/workflows/pr-stack.yml` sets on top of dev's config.

    Applies the very commands the workflow runs (`python -m scripts.pr_stacks
    configure`, from scripts.pr_stacks.config_commands) to dev's stack file:
    `pulumi config cp` copies it, `pulumi config set --path` types YAML scalars.
    """
    from scripts.pr_stacks import config_commands

    config: dict[str, Any] = json.loads(json.dumps(stack_file("dev")["config"]))
    for command in config_commands(f"pr-{number}", image_tag):
        if command[:3] == ["pulumi", "config", "cp"]:
            continue
        *flags, key, value = command[3:]
        namespace, _, path = key.partition(":")
        if "--path" in flags:
            top, *rest = path.split(".")
            node = config.setdefault(f"{namespace}:{top}", {})
            for part in rest[:-1]:
                node = node.setdefault(part, {})
            node[rest[-1]] = yaml.safe_load(value)
        else:
            config[key] = value
    return {k: v for k, v in config.items() if v != stack_file("dev")["config"].get(k)}


def test_a_per_pr_stack_shares_nothing_with_the_real_stacks(
    pr_stack_inventory: Inventory,
) -> None:
    overrides = pr_stack_overrides(42)
    inv = pr_stack_inventory
    # No GitHub and no Vercel at all, not even a provider: the per-PR job has neither token
    # (the Vercel provider refuses to configure without one).
    foreign = [
        r.urn
        for r in inv.registrations
        if r.type.startswith(("github:", "vercel:", "pulumi:providers:github"))
        or r.type == "pulumi:providers:vercel"
    ]
    assert foreign == []
    assert inv.outputs["githubEnvironment"] is None
    assert "VERCEL_PROJECT_ID" not in json.dumps(inv.outputs)
    assert inv.one("aws:ec2/vpc:Vpc").input("tags")["Name"] == "aevon-pr-42-network-vpc"
    configs = {s: parse("aevon", s, stack_config(s)[0]) for s in STACKS}
    configs["pr-42"] = parse("aevon", "pr-42", stack_config("dev", overrides)[0])
    check_single_ownership(configs)
