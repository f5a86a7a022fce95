"""`AuroraPostgres`: Aurora PostgreSQL Serverless v2 in the isolated subnets.

- The master password is generated and rotated by RDS in Secrets Manager
  (`manage_master_user_password`); it is never in code, config or state.
- Applications authenticate with IAM or the managed secret, over TLS only
  (`rds.force_ssl`).
- The security group admits 5432 only from the client workloads' groups handed in.
- Dev pauses at 0 ACU; protected stacks keep deletion protection, a final
  snapshot and `protect` (the caller decides, from config).
- The engine version is owned by code: automatic minor upgrades are off on the
  cluster and its instances, so the configured version is what runs, and an
  upgrade is a config change (a version AWS stops offering is caught by the
  preflight against cfn-lint's engine-version data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.network import Network

PORT = 5432
MASTER_USERNAME = "aevon_admin"
DATABASE_NAME = "aevon"
RDS_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


@dataclass(frozen=True, kw_only=True)
class AuroraPostgresArgs:
    network: Network
    engine_version: str
    instances: int
    min_capacity: float
    max_capacity: float
    seconds_until_auto_pause: int | None
    backup_retention_days: int
    deletion_protection: bool
    final_snapshot: bool
    performance_insights: bool
    enhanced_monitoring_interval: int
    slow_query_ms: int
    log_retention_days: int
    # Security groups of the workloads that may connect, by a label used in rule names.
    clients: dict[str, pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False
    availability_zones: Sequence[pulumi.Input[str]] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        problems = []
        if self.instances < 1:
            problems.append(f"instances must be at least 1, got {self.instances}")
        if not 0 <= self.min_capacity <= self.max_capacity <= 256:
            problems.append(
                f"need 0 <= min_capacity <= max_capacity <= 256, got "
                f"{self.min_capacity}..{self.max_capacity}"
            )
        if (self.min_capacity == 0) != (self.seconds_until_auto_pause is not None):
            problems.append("seconds_until_auto_pause is required exactly when min_capacity is 0")
        if not self.clients:
            problems.append("clients must name at least one workload security group")
        if problems:
            raise ValueError("AuroraPostgresArgs: " + "; ".join(problems))

    @property
    def major_version(self) -> str:
        return self.engine_version.split(".")[0]


class AuroraPostgres(pulumi.ComponentResource):
    cluster_identifier: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    reader_endpoint: pulumi.Output[str]
    port: int
    database_name: str
    master_secret_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    cluster_resource_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: AuroraPostgresArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:data:AuroraPostgres", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        identifier = naming.physical_name(name, max_length=63)

        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=identifier,
            description=f"{identifier}: isolated subnets",
            subnet_ids=args.network.isolated_subnet_ids,
            tags=naming.name_tag(f"{name}-subnets"),
            opts=child,
        )

        sg = args.network.security_group(
            f"{name}-sg", description=f"{identifier}: PostgreSQL from app workloads", parent=self
        )
        args.network.admit_clients(
            name,
            security_group_id=sg.id,
            clients=args.clients,
            port=PORT,
            service="PostgreSQL",
            parent=self,
        )

        parameters = aws.rds.ClusterParameterGroup(
            f"{name}-params",
            name=identifier,
            family=f"aurora-postgresql{args.major_version}",
            description=f"{identifier}: TLS only, slow statement logging",
            parameters=[
                aws.rds.ClusterParameterGroupParameterArgs(name="rds.force_ssl", value="1"),
                aws.rds.ClusterParameterGroupParameterArgs(
                    name="log_min_duration_statement", value=str(args.slow_query_ms)
                ),
                aws.rds.ClusterParameterGroupParameterArgs(name="log_lock_waits", value="1"),
            ],
            opts=child,
        )

        # RDS would create this log group itself, with no expiry; own it instead.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-postgresql-logs",
            name=f"/aws/rds/cluster/{identifier}/postgresql",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=stateful,
        )

        scaling = aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
            min_capacity=args.min_capacity,
            max_capacity=args.max_capacity,
            seconds_until_auto_pause=args.seconds_until_auto_pause,
        )
        cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=identifier,
            engine="aurora-postgresql",
            engine_mode="provisioned",
            engine_version=args.engine_version,
            database_name=DATABASE_NAME,
            master_username=MASTER_USERNAME,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.kms_key_arn,
            iam_database_authentication_enabled=True,
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[sg.id],
            db_cluster_parameter_group_name=parameters.name,
            serverlessv2_scaling_configuration=scaling,
            port=PORT,
            backup_retention_period=args.backup_retention_days,
            preferred_backup_window="03:00-04:00",
            preferred_maintenance_window="sun:04:30-sun:05:30",
            copy_tags_to_snapshot=True,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=not args.final_snapshot,
            final_snapshot_identifier=f"{identifier}-final" if args.final_snapshot else None,
            enabled_cloudwatch_logs_exports=["postgresql"],
            allow_major_version_upgrade=False,
            # The code owns the version: RDS never moves it in the maintenance window, so
            # no later `up` asks to go back (pulumi-aws#5756). Upgrades are config changes.
            auto_minor_version_upgrade=False,
            apply_immediately=False,
            tags=naming.name_tag(f"{name}-cluster"),
            # The log group must exist first, or RDS creates one that never expires.
            opts=pulumi.ResourceOptions.merge(
                stateful, pulumi.ResourceOptions(depends_on=[log_group])
            ),
        )

        monitoring_role = None
        monitoring_ready: list[pulumi.Resource] = []
        if args.enhanced_monitoring_interval:
            monitoring_role = aws.iam.Role(
                f"{name}-monitoring-role",
                name=naming.physical_name(f"{name}-monitoring", max_length=64),
                assume_role_policy=pulumi.Output.json_dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                ),
                opts=child,
            )
            monitoring_ready.append(
                aws.iam.RolePolicyAttachment(
                    f"{name}-monitoring-policy",
                    role=monitoring_role.name,
                    policy_arn=RDS_MONITORING_POLICY,
                    opts=child,
                )
            )

        zones = list(args.availability_zones) or list(args.network.availability_zones)
        for index in range(args.instances):
            role = "writer" if index == 0 else f"reader-{index}"
            aws.rds.ClusterInstance(
                f"{name}-{role}",
                identifier=f"{identifier}-{index}",
                cluster_identifier=cluster.id,
                instance_class="db.serverless",
                engine=aws.rds.EngineType.AURORA_POSTGRESQL,
                engine_version=cluster.engine_version,
                # Readers go round the AZs so a reader is always in another AZ than the writer.
                availability_zone=zones[index % len(zones)],
                publicly_accessible=False,
                auto_minor_version_upgrade=False,  # the version is the cluster's, from config
                ca_cert_identifier="rds-ca-rsa2048-g1",
                promotion_tier=0 if index < 2 else 1,
                performance_insights_enabled=args.performance_insights,
                performance_insights_kms_key_id=(
                    args.kms_key_arn if args.performance_insights else None
                ),
                performance_insights_retention_period=7 if args.performance_insights else None,
                monitoring_interval=args.enhanced_monitoring_interval,
                monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
                tags=naming.name_tag(f"{name}-{role}"),
                # RDS validates the monitoring role's policy when the instance is created.
                opts=pulumi.ResourceOptions.merge(
                    stateful, pulumi.ResourceOptions(depends_on=monitoring_ready)
                ),
            )

        self.cluster_identifier = cluster.cluster_identifier
        self.endpoint = cluster.endpoint
        self.reader_endpoint = cluster.reader_endpoint
        self.port = PORT
        self.database_name = DATABASE_NAME
        self.master_secret_arn = cluster.master_user_secrets.apply(_first_secret_arn)
        self.security_group_id = sg.id
        self.cluster_resource_id = cluster.cluster_resource_id
        self.register_outputs(
            {
                "clusterIdentifier": self.cluster_identifier,
                "endpoint": self.endpoint,
                "readerEndpoint": self.reader_endpoint,
                "masterSecretArn": self.master_secret_arn,
                "securityGroupId": self.security_group_id,
            }
        )


def _first_secret_arn(secrets: Sequence[aws.rds.outputs.ClusterMasterUserSecret] | None) -> str:
    """The ARN of the RDS-managed master secret (RDS creates exactly one)."""
    arn = secrets[0].secret_arn if secrets else None
    if not arn:
        raise ValueError("RDS reported no managed master user secret for the cluster")
    return arn
