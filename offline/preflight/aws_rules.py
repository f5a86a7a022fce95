"""AWS rules the resource schemas don't carry: what the AWS provider and AWS itself do over time.

- `aws-engine-version-drift`: RDS upgrades a cluster's (and its instances') minor
  engine version in the maintenance window unless automatic minor upgrades are
  off. A program that pins a full `engineVersion`, leaves the upgrades on and does
  not ignore the field then asks RDS to go back on the next `up`, and RDS refuses
  ("Cannot upgrade aurora-postgresql from X to Y"). Either the code owns the
  version (`autoMinorVersionUpgrade: false`) or the version is a floor
  (`ignore_changes=["engineVersion"]`).
- `aws-stateful-resource-protected`: on a stack whose provider tags say
  `Protection: protected` (config `protectStatefulResources`), every resource of a
  type whose deletion loses data must have `protect`. The list of such types is
  cfn-lint's `AdditionalSpecs/StatefulResources.json` (the types it asks a
  DeletionPolicy for), mapped to Pulumi types through `aws_types.TYPES`.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from collections.abc import Iterable

from offline.engine import Inventory, Registration
from offline.preflight import Check
from offline.preflight.aws_types import TYPES
from offline.preflight.providers import per_resource

RDS_VERSIONED = ("aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance")
_FULL_VERSION = re.compile(r"^\d+\.\d+")  # a major-only version ("16") moves with the cloud


def _engine_version_drift(r: Registration) -> Iterable[str]:
    version = r.input("engineVersion")
    if not isinstance(version, str) or not _FULL_VERSION.match(version):
        return
    upgrades_on = r.input("autoMinorVersionUpgrade", True) is not False
    if upgrades_on and "engineVersion" not in r.ignore_changes:
        yield (
            f"{r.name} pins engineVersion {version!r} with automatic minor upgrades on "
            "(autoMinorVersionUpgrade unset or true) and no ignore_changes on engineVersion: "
            "after RDS upgrades it in the maintenance window, every `up` asks to go back and "
            "fails ('Cannot upgrade ... from X to Y'). Set autoMinorVersionUpgrade=false (the "
            "code owns the version) or ignore_changes=['engineVersion'] (a floor)"
        )


@functools.cache
def stateful_cfn_types() -> frozenset[str]:
    """CloudFormation types whose deletion loses data, per cfn-lint's StatefulResources.json."""
    spec = importlib.resources.files("cfnlint.data.AdditionalSpecs") / "StatefulResources.json"
    data = json.loads(spec.read_text())
    return frozenset(data["ResourceTypes"])


def stateful_pulumi_types() -> frozenset[str]:
    """Pulumi types that create a stateful CloudFormation type (sub-resources folded onto a
    stateful parent type, such as an SQS redrive-allow policy, are not themselves stateful)."""
    folded = {
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
    }
    return frozenset(
        token
        for token, table in TYPES.items()
        if table.cfn_type in stateful_cfn_types() and token not in folded
    )


def _protected_stack(inventory: Inventory) -> bool:
    """Whether the stack's AWS provider tags everything `Protection: protected`."""
    for r in inventory.registrations:
        if r.type == "pulumi:providers:aws":
            # Provider inputs arrive as the CLI passes them: objects as JSON text.
            default_tags = r.input("defaultTags") or {}
            if isinstance(default_tags, str):
                default_tags = json.loads(default_tags)
            if (default_tags.get("tags") or {}).get("Protection") == "protected":
                return True
    return False


def _unprotected_stateful(inventory: Inventory) -> Iterable[tuple[str, str]]:
    if not _protected_stack(inventory):
        return
    stateful = stateful_pulumi_types()
    for r in inventory.custom():
        if r.type in stateful and not r.protect:
            cfn_type = TYPES[r.type].cfn_type
            yield (
                r.urn,
                f"{r.name} ({r.type}, {cfn_type}) holds data, and the stack says "
                "protectStatefulResources: true, but the resource has no protect: a replacement "
                "or deletion would lose it. Give it protect from config",
            )


CHECKS: list[Check] = [
    per_resource(
        "aws-engine-version-drift",
        "a pinned RDS engine version is owned by code or is a floor",
        "pulumi/pulumi-aws#5756; hashicorp/terraform-provider-aws#48936; Amazon Aurora User "
        "Guide, 'Automatic minor version upgrades for Aurora DB clusters'",
        types=RDS_VERSIONED,
        check=_engine_version_drift,
    ),
    Check(
        "aws-stateful-resource-protected",
        "stateful resources of protected stacks have protect",
        "cfn-lint AdditionalSpecs/StatefulResources.json (aws-cloudformation/cfn-lint, rule "
        "W3011), mapped through offline/preflight/aws_types.py",
        _unprotected_stateful,
    ),
]
