"""Values the cloud changes by itself, and how the program keeps `up` from fighting it.

Each row names a resource property that something other than `pulumi up` moves
(autoscaling, a maintenance window, a release channel, the deploy workflow, a
provider's default tags) and how the program handles it: it **owns** the value
(pins it, or reads it from where the mover writes it, so state and cloud agree) or
it **ignores** it (`ignore_changes`, or never sets it). A row that does not hold on
a registration is a finding: the next `up` would revert the cloud's change, fail,
or replace the resource. `ROWS` is the list; `tests/offline/test_cloud_managed.py`
checks every row on every stack and trips each on a fixture.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from offline.engine import Inventory, Registration
from offline.preflight import Check
from offline.preflight.providers_aws import container_images

Handling = Literal["owned", "ignored"]

_GIT_SHA_TAG = re.compile(r":[0-9a-f]{7,40}$")
_MAJOR_MINOR = re.compile(r"^\d+\.\d+$")
# The release parameters the deploy workflow writes (infra/aws/release.py): the services'
# tag and the migration task's.
RELEASE_PARAMETER = re.compile(r"/release/(image|migration)-tag$")
ANY_AWS = "aws:*"  # a row about every AWS resource that sets the property


@dataclass(frozen=True)
class CloudManaged:
    """One value the cloud moves by itself, and the program's answer to it."""

    type: str
    prop: str
    moved_by: str
    handling: Handling
    how: str
    source: str
    # A registration of `type` -> why the row does not hold, or None where it holds.
    broken: Callable[[Registration, Inventory], str | None]

    @property
    def id(self) -> str:
        module = "aws" if self.type == ANY_AWS else self.type.split(":")[1].replace("/", "-")
        return f"cloud-managed-{module}-{self.prop}".lower()

    def applies(self, r: Registration) -> bool:
        if self.type == ANY_AWS:
            return r.custom and r.type.startswith("aws:") and bool(r.input(self.prop))
        return r.type == self.type

    def check(self) -> Check:
        def run(inventory: Inventory) -> Iterable[tuple[str, str]]:
            for r in filter(self.applies, inventory.registrations):
                why = self.broken(r, inventory)
                if why is not None:
                    yield r.urn, f"{self.moved_by} moves {self.prop}; {why}"

        title = f"{self.type}.{self.prop}: {self.handling} ({self.how})"
        return Check(self.id, title, self.source, run)


def _ignores(prop: str) -> Callable[[Registration, Inventory], str | None]:
    def broken(r: Registration, _: Inventory) -> str | None:
        return None if prop in r.ignore_changes else f"{prop} is not in ignore_changes"

    return broken


def _images_pinned(r: Registration, _: Inventory) -> str | None:
    loose = [i for i in container_images(r) if not _GIT_SHA_TAG.search(i)]
    return f"images {loose} are not pinned to a git SHA" if loose else None


def _release_parameter_not_managed(r: Registration, _: Inventory) -> str | None:
    if RELEASE_PARAMETER.search(str(r.input("name") or "")):
        return "the stack manages the parameter the deploy workflow writes: every up reverts it"
    return None


def _cache_version(r: Registration, _: Inventory) -> str | None:
    version = str(r.input("engineVersion"))
    if not _MAJOR_MINOR.match(version):
        return f"engineVersion {version!r} pins a patch level ElastiCache moves; give MAJOR.MINOR"
    if r.input("autoMinorVersionUpgrade") is not False and "engineVersion" not in r.ignore_changes:
        return (
            "autoMinorVersionUpgrade is on and engineVersion is owned: after a minor upgrade "
            "campaign every up tries to go back"
        )
    return None


def _aurora_version(r: Registration, inventory: Inventory) -> str | None:
    if "engineVersion" in r.ignore_changes:
        return None
    cluster_urns = {r.urn}
    instances = [
        i
        for i in inventory.of_type("aws:rds/clusterInstance:ClusterInstance")
        if cluster_urns & set(i.property_dependencies.get("clusterIdentifier") or [])
    ]
    if instances and all(i.input("autoMinorVersionUpgrade") is False for i in instances):
        return None
    return (
        "automatic minor upgrades are on and engineVersion is neither ignored nor the only "
        "mover: after the maintenance window every up fails with 'Cannot upgrade'"
    )


def _master_password(r: Registration, _: Inventory) -> str | None:
    if r.input("manageMasterUserPassword") is True and r.input("masterPassword") is None:
        return None
    return "the master password is set by the program, not managed (and rotated) by RDS"


def _ca_pinned(r: Registration, _: Inventory) -> str | None:
    return None if r.input("caCertIdentifier") else "caCertIdentifier is not pinned"


def _channel_versions(r: Registration, _: Inventory) -> str | None:
    if not (r.input("releaseChannel") or {}).get("channel"):
        return "no release channel: nothing keeps the cluster patched"
    pinned = [k for k in ("minMasterVersion", "nodeVersion") if r.input(k)]
    return f"{pinned} set under a release channel" if pinned else None


def _pool_version(r: Registration, _: Inventory) -> str | None:
    upgrades = (r.input("management") or {}).get("autoUpgrade") is True
    if upgrades and not r.input("version"):
        return None
    return "a node pool's version is set, or auto-upgrade is off"


def _never_set(prop: str) -> Callable[[Registration, Inventory], str | None]:
    def broken(r: Registration, _: Inventory) -> str | None:
        return (
            f"{prop} is set: the next up would undo what the cloud did" if r.input(prop) else None
        )

    return broken


def _image_resolved_at_launch(r: Registration, _: Inventory) -> str | None:
    image = str(r.input("imageId") or "")
    if image.startswith("resolve:ssm:"):
        return None
    return (
        f"imageId {image!r} is fixed: a replacement boots an image AWS has since patched, "
        "and reading the newest one at preview time churns the template on every release"
    )


def _default_tags(r: Registration, inventory: Inventory) -> str | None:
    defaults: set[str] = set()
    for p in inventory.of_type("pulumi:providers:aws"):
        raw = p.input("defaultTags")
        value = json.loads(raw) if isinstance(raw, str) else (raw or {})
        defaults |= set((value or {}).get("tags") or {})
    tags = r.input("tags") or {}
    if isinstance(tags, list):  # an Auto Scaling group's tags: [{key, value, ...}]
        tags = {str(t.get("key")): t.get("value") for t in tags if isinstance(t, dict)}
    repeated = sorted(set(tags) & defaults)
    return f"tags repeat the provider's default tags {repeated}" if repeated else None


ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"


def _rotated_secrets(inventory: Inventory) -> set[str]:
    """URNs of the secrets a rotation schedule names."""
    return {
        u for r in inventory.of_type(ROTATION) for u in r.property_dependencies.get("secretId", [])
    }


def _token_ignored(r: Registration, inventory: Inventory) -> str | None:
    if not r.input("authToken") or not inventory.of_type(ROTATION):
        return None
    if "authToken" in r.ignore_changes:
        return None
    return "authToken is not in ignore_changes: the next up would set the first token again"


def _rotated_value_ignored(r: Registration, inventory: Inventory) -> str | None:
    if not set(r.property_dependencies.get("secretId", [])) & _rotated_secrets(inventory):
        return None
    missing = [k for k in ("secretString", "versionStages") if k not in r.ignore_changes]
    if missing:
        return (
            f"the secret rotates but {missing} are not in ignore_changes: the next up (or a "
            "refresh) would put the first value back as the current one"
        )
    return None


ROWS: list[CloudManaged] = [
    CloudManaged(
        "aws:ecs/service:Service",
        "desiredCount",
        "Application Auto Scaling",
        "ignored",
        "ignore_changes; config sets the first count and the scaling bounds",
        "AWS Application Auto Scaling for ECS; Pulumi resource option ignoreChanges",
        _ignores("desiredCount"),
    ),
    CloudManaged(
        "aws:ecs/taskDefinition:TaskDefinition",
        "containerDefinitions",
        "the deploy workflow (image tag)",
        "owned",
        "read from the release parameter the workflow writes (or pinned in config), by SHA",
        "infra/aws/release.py (the image contract)",
        _images_pinned,
    ),
    CloudManaged(
        "aws:ssm/parameter:Parameter",
        "value",
        "the deploy workflow",
        "ignored",
        "the release parameters (image and migration tag) are never stack resources; the "
        "program only reads them",
        "infra/aws/release.py (the image contract)",
        _release_parameter_not_managed,
    ),
    CloudManaged(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "engineVersion",
        "ElastiCache (patch versions; minor versions with auto minor upgrades)",
        "owned",
        "MAJOR.MINOR in config, automatic minor upgrades off; ElastiCache applies patches",
        "hashicorp/terraform-provider-aws internal/service/elasticache/engine_version.go "
        "(MAJOR.MINOR matched against engine_version_actual; a lower version forces "
        "replacement); AWS ElastiCache 'Version management' (AutoMinorVersionUpgrade)",
        _cache_version,
    ),
    CloudManaged(
        "aws:rds/cluster:Cluster",
        "engineVersion",
        "RDS (automatic minor version upgrades in the maintenance window)",
        "owned",
        "a floor the cloud may move past (ignore_changes), or automatic upgrades off",
        "pulumi/pulumi-aws#5756; hashicorp/terraform-provider-aws#48936",
        _aurora_version,
    ),
    CloudManaged(
        "aws:rds/cluster:Cluster",
        "masterPassword",
        "RDS (the managed master secret rotates)",
        "owned",
        "manageMasterUserPassword: RDS owns and rotates it in Secrets Manager",
        "AWS RDS 'Password management with Amazon RDS and AWS Secrets Manager'",
        _master_password,
    ),
    CloudManaged(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "authToken",
        "the cache token rotation (Secrets Manager: ROTATE, then SET)",
        "ignored",
        "ignore_changes: the program sets the first token only",
        "AWS ElastiCache 'Modifying the AUTH token on an existing cluster' (ROTATE, SET); "
        "infra/functions/rotate_cache_token",
        _token_ignored,
    ),
    CloudManaged(
        "aws:secretsmanager/secretVersion:SecretVersion",
        "secretString",
        "Secrets Manager rotation (new versions, AWSCURRENT moved)",
        "ignored",
        "ignore_changes on secretString and versionStages of a rotated secret's first value",
        "AWS Secrets Manager 'Rotation by Lambda function' (staging labels); pulumi/pulumi#16146 "
        "(refresh honours ignoreChanges)",
        _rotated_value_ignored,
    ),
    CloudManaged(
        "aws:rds/clusterInstance:ClusterInstance",
        "caCertIdentifier",
        "RDS (the default CA for new instances changes)",
        "owned",
        "pinned to rds-ca-rsa2048-g1",
        "AWS RDS 'Using SSL/TLS to encrypt a connection to a DB instance or cluster' "
        "(certificate authorities)",
        _ca_pinned,
    ),
    CloudManaged(
        "gcp:container/cluster:Cluster",
        "minMasterVersion",
        "GKE (control plane and node upgrades under the release channel)",
        "ignored",
        "never set: the release channel picks versions",
        "Google Cloud GKE 'Release channels'; hashicorp/terraform-provider-google "
        "google_container_cluster (min_master_version, node_version)",
        _channel_versions,
    ),
    CloudManaged(
        "gcp:container/nodePool:NodePool",
        "version",
        "GKE (node auto-upgrade)",
        "ignored",
        "never set; auto-upgrade on",
        "Google Cloud GKE 'Auto-upgrading nodes'",
        _pool_version,
    ),
    CloudManaged(
        "aws:ec2/networkInterface:NetworkInterface",
        "attachments",
        "the NAT instance (its boot script attaches the static interface to itself)",
        "ignored",
        "never set: the provider's attachment is optional and computed, so an instance's "
        "attachment is no diff",
        "RaJiska/terraform-aws-fck-nat main.tf (aws_network_interface without attachment) "
        "and RaJiska/fck-nat service/fck-nat.sh (attach-network-interface at boot)",
        _never_set("attachments"),
    ),
    CloudManaged(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "imageId",
        "AWS (a new Amazon Linux 2023 image every few weeks)",
        "owned",
        "resolve:ssm: on AWS's public parameter: EC2 reads the current image at each launch",
        "Amazon EC2 Auto Scaling User Guide, 'Use AWS Systems Manager parameters instead "
        "of AMI IDs in launch templates'",
        _image_resolved_at_launch,
    ),
    CloudManaged(
        ANY_AWS,
        "tags",
        "the AWS provider (default tags merged into tagsAll)",
        "owned",
        "default_tags on the provider; resources add only Name",
        "hashicorp/terraform-provider-aws docs 'default_tags' (overlapping keys); "
        "pulumi-aws 'Default tags' guide",
        _default_tags,
    ),
]


CHECKS: list[Check] = [row.check() for row in ROWS]
