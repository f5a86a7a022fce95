"""The bootstrap project (one stack per AWS account), run like the language host runs it,
with its real stack files."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from bootstrap.image_registry import PUSH_ACTIONS, lifecycle_policy
from offline import ledger
from offline.engine import ROOT, Inventory, RecordingMonitor, run_stack, stack_file
from offline.preflight.iam import Grants, Statement
from offline.report import subjects as subjects_of
from policy.rules import evaluate

BOOTSTRAP = ROOT / "bootstrap"
ACCOUNTS = {"dev": "111122223333", "staging": "444455556666", "prod": "777788889999"}


@pytest.fixture(scope="module")
def admin() -> Inventory:
    """The prod account's bootstrap (each account's differs only in its account id)."""
    return run_stack("prod", project_dir=BOOTSTRAP)


@pytest.mark.parametrize("stack", sorted(ACCOUNTS))
def test_one_bootstrap_per_account_in_the_account_of_its_stacks(stack: str) -> None:
    """Each account's bootstrap names the same account as the stack it serves, and its
    provider refuses any other account's credentials."""
    account = ACCOUNTS[stack]
    assert stack_file(stack)["config"]["aws:allowedAccountIds"] == [account]
    inventory = run_stack(stack, project_dir=BOOTSTRAP)
    provider = inventory.one("pulumi:providers:aws")
    assert json.loads(provider.input("allowedAccountIds")) == [account]
    assert inventory.outputs["backendUrl"] == f"s3://aevon-pulumi-state-{account}"


def test_a_bootstrap_without_its_account_stops_before_any_resource() -> None:
    with pytest.raises(pulumi.RunError, match=r"stack 'prod': aws:allowedAccountIds = None"):
        run_stack("prod", {"aws:allowedAccountIds": None}, project_dir=BOOTSTRAP)


def test_the_oidc_providers_moved_out_of_the_state_backend_keep_their_urns(
    admin: Inventory,
) -> None:
    """The providers became children of OidcProviders; aliases map their old URNs, so a
    live bootstrap stack keeps them (offline.ledger)."""
    old = {
        f"urn:pulumi:prod::aevon-bootstrap::aevon:bootstrap:StateBackend"
        f"$aws:iam/openIdConnectProvider:OpenIdConnectProvider::state-{name}-oidc"
        for name in ("github", "vercel")
    }
    covered = set().union(*ledger.candidate_urns(admin).values())
    assert old <= covered
    assert not old & set(ledger.urns_of(admin))


def test_state_bucket_is_versioned_encrypted_private_and_tls_only(admin: Inventory) -> None:
    bucket = admin.one("aws:s3/bucket:Bucket")
    assert bucket.input("bucket") == "aevon-pulumi-state-777788889999"
    assert bucket.protect is True
    versioning = admin.one("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.input("versioningConfiguration") == {"status": "Enabled"}
    (rule,) = admin.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ).input("rules")
    key = admin.one("aws:kms/key:Key")
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key.outputs["arn"],
    }
    block = admin.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block.input(flag) is True, flag
    (statement,) = json.loads(admin.one("aws:s3/bucketPolicy:BucketPolicy").input("policy"))[
        "Statement"
    ]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_old_state_versions_expire(admin: Inventory) -> None:
    (rule,) = admin.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").input(
        "rules"
    )
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 90}
    assert rule["status"] == "Enabled"


def test_secrets_key_rotates_and_is_the_awskms_provider(admin: Inventory) -> None:
    key = admin.one("aws:kms/key:Key")
    assert key.input("enableKeyRotation") is True
    assert key.protect is True
    assert admin.outputs["secretsProvider"] == "awskms://alias/aevon-pulumi-secrets"
    assert admin.outputs["backendUrl"] == "s3://aevon-pulumi-state-777788889999"


def test_github_oidc_provider_is_created_by_config(admin: Inventory) -> None:
    github = "https://token.actions.githubusercontent.com"
    oidc = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
    (provider,) = [p for p in admin.of_type(oidc) if p.input("url") == github]
    assert provider.input("clientIdLists") == ["sts.amazonaws.com"]
    off = run_stack(
        "prod", {"aevon-bootstrap:createGithubOidcProvider": False}, project_dir=BOOTSTRAP
    )
    assert [p for p in off.of_type(oidc) if p.input("url") == github] == []
    assert off.outputs["githubOidcProviderArn"] is None


def test_bad_retention_stops_before_any_resource() -> None:
    with pytest.raises(
        pulumi.RunError, match=r"stack 'prod': aevon-bootstrap:stateVersionsDays = 0"
    ):
        run_stack("prod", {"aevon-bootstrap:stateVersionsDays": 0}, project_dir=BOOTSTRAP)


def test_vercel_oidc_provider_is_created_for_the_configured_team(admin: Inventory) -> None:
    providers = {
        p.input("url"): p
        for p in admin.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    }
    vercel = providers["https://oidc.vercel.com/aevon"]
    assert vercel.input("clientIdLists") == ["https://vercel.com/aevon"]
    assert vercel.protect is True
    off = run_stack("prod", {"aevon-bootstrap:vercelTeam": ""}, project_dir=BOOTSTRAP)
    assert off.outputs["vercelOidcProviderArn"] is None


def test_bad_vercel_team_stops_before_any_resource() -> None:
    with pytest.raises(Exception, match=r"aevon-bootstrap:vercelTeam = 'Aevon Team'"):
        run_stack("prod", {"aevon-bootstrap:vercelTeam": "Aevon Team"}, project_dir=BOOTSTRAP)


# ------------------------------------------------------------------ the account's images
def _grants(inventory: Inventory, role_name: str) -> Grants:
    """The role's identity policies, as the IAM evaluator reads them."""
    (role,) = [r for r in inventory.of_type("aws:iam/role:Role") if r.name == role_name]
    statements = tuple(
        statement
        for policy in inventory.of_type("aws:iam/rolePolicy:RolePolicy")
        if policy.input("role") in (role.id, role.input("name"))
        for statement in Statement.parse(json.loads(policy.input("policy")), policy.name)
    )
    assert statements, f"{role_name} has no policy"
    return Grants(statements, None)


def _ecr(name: str) -> str:
    return f"arn:aws:ecr:us-east-1:111122223333:repository/{name}"


def test_the_accounts_image_repositories_are_immutable_scanned_encrypted_and_kept(
    admin: Inventory,
) -> None:
    repositories = admin.of_type("aws:ecr/repository:Repository")
    assert sorted(r.input("name") for r in repositories) == [
        "aevon/api",
        "aevon/web",
        "aevon/worker",
    ]
    for repository in repositories:
        assert repository.input("imageTagMutability") == "IMMUTABLE"
        assert repository.input("imageScanningConfiguration") == {"scanOnPush": True}
        assert repository.input("encryptionConfigurations") == [{"encryptionType": "KMS"}]
        assert repository.protect is True
        assert repository.input("forceDelete") is False
    policies = admin.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert {p.input("policy") for p in policies} == {lifecycle_policy(7, None)}
    subjects = [s for s in subjects_of(admin) if s.type == "aws:ecr/repository:Repository"]
    ecr_rules = [f for f in evaluate(subjects) if f.rule.startswith("ecr-")]
    assert ecr_rules == [], "the stacks' ECR rules hold for the account's repositories"


def test_lifecycle_expires_untagged_images_and_keeps_tagged_ones_unless_asked() -> None:
    (untagged,) = json.loads(lifecycle_policy(3, None))["rules"]
    assert untagged["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 3,
    }
    _, kept = json.loads(lifecycle_policy(3, 200))["rules"]
    assert kept["rulePriority"] == 2  # ECR: the `any` rule has the highest priority
    assert kept["selection"] == {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": 200,
    }


def test_the_publisher_trusts_exactly_its_repository_and_environment() -> None:
    admin = run_stack("dev", project_dir=BOOTSTRAP)  # the account the images are pushed to
    role = admin.by_name("images-publish-aevon-platform")
    assert role.input("name") == "aevon-publish-aevon-platform"
    (statement,) = json.loads(role.input("assumeRolePolicy"))["Statement"]
    assert statement["Principal"] == {"Federated": admin.outputs["githubOidcProviderArn"]}
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": (
                "repo:aevon-os/aevon-platform:environment:development"
            ),
        }
    }


TWO_PUBLISHERS = [
    {"repository": "aevon-os/aevon-platform", "environment": "development",
     "images": ["api", "web"]},
    {"repository": "aevon-os/aevon-jobs", "environment": "images", "images": ["worker"]},
]  # fmt: skip


def test_a_publisher_pushes_only_its_own_images_and_changes_nothing_else() -> None:
    inventory = run_stack(
        "dev", {"aevon-bootstrap:imagePublishers": TWO_PUBLISHERS}, project_dir=BOOTSTRAP
    )
    platform = _grants(inventory, "images-publish-aevon-platform")
    jobs = _grants(inventory, "images-publish-aevon-jobs")
    for action in PUSH_ACTIONS:
        for image in ("api", "web"):
            assert platform.allows(action, _ecr(f"aevon/{image}"), {}) is None, (action, image)
            assert jobs.allows(action, _ecr(f"aevon/{image}"), {}) is not None, (action, image)
        assert jobs.allows(action, _ecr("aevon/worker"), {}) is None, action
        assert platform.allows(action, _ecr("aevon/worker"), {}) is not None, action
        # Not a stack's repository, not another account's, not a wildcard.
        for other in (
            _ecr("aevon-dev/api"),
            _ecr("other/api"),
            _ecr("aevon/api").replace("111122223333", "210987654321"),
        ):
            assert platform.allows(action, other, {}) is not None, (action, other)
    forbidden = (
        "ecr:BatchDeleteImage", "ecr:DeleteRepository", "ecr:SetRepositoryPolicy",
        "ecr:DeleteRepositoryPolicy", "ecr:PutLifecyclePolicy", "ecr:DeleteLifecyclePolicy",
        "ecr:PutImageTagMutability", "ecr:CreateRepository", "ecr:TagResource",
    )  # fmt: skip
    for action in forbidden:
        assert platform.allows(action, _ecr("aevon/api"), {}) is not None, action
    assert platform.allows("ecr:GetAuthorizationToken", "*", {}) is None
    assert platform.allows("ssm:PutParameter", "*", {}) is not None
    assert platform.allows("iam:PassRole", "*", {}) is not None


def test_publishers_trust_the_existing_oidc_provider_when_bootstrap_creates_none() -> None:
    inventory = run_stack(
        "dev", {"aevon-bootstrap:createGithubOidcProvider": False}, project_dir=BOOTSTRAP
    )
    role = inventory.by_name("images-publish-aevon-platform")
    (statement,) = json.loads(role.input("assumeRolePolicy"))["Statement"]
    assert statement["Principal"]["Federated"] == (
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    )
    assert (
        "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider",
        {"url": "https://token.actions.githubusercontent.com"},
    ) in [(t, {k: v for k, v in a.items() if k == "url"}) for t, a in inventory.invokes]


@pytest.mark.parametrize(
    ("publishers", "message"),
    [
        (
            [{"repository": "aevon-os/aevon-web", "environment": "development", "images": []}],
            "imagePublishers[0].images = []: a publisher role for aevon-os/aevon-web needs the "
            "images it pushes",
        ),
        (
            [TWO_PUBLISHERS[0], {**TWO_PUBLISHERS[0], "images": ["worker"]}],
            'imagePublishers[1].repository = "aevon-os/aevon-platform": is listed twice (also [0])',
        ),
        (
            [TWO_PUBLISHERS[0], {**TWO_PUBLISHERS[1], "images": ["web"]}],
            "imagePublishers[1].images: web is also pushed by aevon-os/aevon-platform",
        ),
        (
            [{**TWO_PUBLISHERS[0], "repository": "aevon-os/*"}],
            'imagePublishers[0].repository = "aevon-os/*": must be owner/name',
        ),
        (
            [{**TWO_PUBLISHERS[0], "environment": "Prod:*"}],
            'imagePublishers[0].environment = "Prod:*"',
        ),
        (
            [{**TWO_PUBLISHERS[0], "images": ["API"]}],
            'imagePublishers[0].images[0] = "API": not a valid image name',
        ),
    ],
)
def test_bad_publishers_stop_before_any_resource(
    publishers: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(pulumi.RunError) as caught:
        run_stack("dev", {"aevon-bootstrap:imagePublishers": publishers}, project_dir=BOOTSTRAP)
    assert str(caught.value).startswith("stack 'dev': aevon-bootstrap:")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"aevon-bootstrap:imageUntaggedDays": 0}, "aevon-bootstrap:imageUntaggedDays = 0"),
        ({"aevon-bootstrap:imageKeepCount": 20000}, "aevon-bootstrap:imageKeepCount = 20000"),
        (
            {"aevon-bootstrap:imagePublishers": [{"repository": "aevon-os/aevon-web"}]},
            "aevon-bootstrap:imagePublishers[0].environment = null",
        ),
        # Replication between accounts (found by a bad-input run: a crash, a vague key,
        # and silently accepted replicas).
        (
            {"aevon-bootstrap:imageReplicaAccounts": "444455556666"},
            "aevon-bootstrap:imageReplicaAccounts = 444455556666: must be a list of quoted",
        ),
        (
            {"aevon-bootstrap:imageReplicaAccounts": ["123"]},
            'aevon-bootstrap:imageReplicaAccounts = "123": not an AWS account id',
        ),
        (
            {"aevon-bootstrap:imageReplicaAccounts": ["444455556666", "444455556666"]},
            "lists an account twice",
        ),
        (
            {"aevon-bootstrap:imageReplicaAccounts": ["111122223333"]},
            "names this bootstrap's own account 111122223333",
        ),
        (
            {"aevon-bootstrap:imageRepositories": ["API"]},
            "not a valid image name (lowercase letters and digits",
        ),
    ],
)
def test_bad_image_config_registers_nothing(
    overrides: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every bootstrap key is validated before the first resource registers."""
    registered: list[str] = []
    original = RecordingMonitor.RegisterResource

    def record(self: RecordingMonitor, request: Any) -> Any:
        registered.append(request.type)
        return original(self, request)

    monkeypatch.setattr(RecordingMonitor, "RegisterResource", record)
    with pytest.raises(pulumi.RunError) as caught:
        run_stack("dev", overrides, project_dir=BOOTSTRAP)
    assert message in str(caught.value)
    assert [t for t in registered if t != "pulumi:pulumi:Stack"] == []
