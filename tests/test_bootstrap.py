"""The bootstrap project (one stack per AWS account), run like the language host runs it,
with its real stack files."""

from __future__ import annotations

import json

import pulumi
import pytest

from offline import ledger
from offline.engine import ROOT, Inventory, run_stack, stack_file

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
