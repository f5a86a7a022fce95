"""`AuroraPostgres`: Aurora PostgreSQL Serverless v2 in the isolated subnets.

- The master password is generated and rotated by RDS in Secrets Manager
  (`manage_master_user_password`); it is never in code, config or state.
- Applications authenticate with IAM or the managed secret, over TLS only
  (`rds.force_ssl`); slow statements and every schema change (`log_statement: ddl`)
  go to the PostgreSQL log group.
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
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.alarms import AlarmTopics, metric_alarm
from infra.aws.placement import StorePlacement
from infra.blueprint import Service
from infra.config import DatabaseConfig, LogsConfig, Severity

PORT = 5432
MASTER_USERNAME = "aevon_admin"
DATABASE_NAME = "aevon"
RDS_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


@dataclass(frozen=True, kw_only=True)
class DatabaseAccess:
    """What a client workload needs to reach the database, and which workloads may.

    - `endpoint`: the writer endpoint (host name); `port`: TCP 5432; `name`: the
      database created with the cluster.
    - `secret_arn`: the RDS-managed master secret (JSON with `username`, `password`).
    - `cluster_resource_id`: the `cluster-...` id that IAM database authentication
      ARNs (`arn:aws:rds-db:...:dbuser:<id>/<user>`) name.
    - `clients`: the services configured in `database.clients`.
    """

    endpoint: pulumi.Input[str]
    port: int
    name: str
    secret_arn: pulumi.Input[str]
    cluster_resource_id: pulumi.Input[str]
    clients: Sequence[Service]

    def client_environment(self) -> dict[str, pulumi.Input[str]]:
        """What a client's container gets in plain text: where the database is."""
        return {"DB_HOST": self.endpoint, "DB_PORT": str(self.port), "DB_NAME": self.name}

    def client_secrets(self) -> dict[str, pulumi.Input[str]]:
        """What a client's container gets as `valueFrom` references: the master secret's
        `username` and `password` keys."""
        return {
            "DB_USERNAME": pulumi.Output.concat(self.secret_arn, ":username::"),
            "DB_PASSWORD": pulumi.Output.concat(self.secret_arn, ":password::"),
        }

    def iam_user_arn(
        self, region: str, account: pulumi.Input[str], service: Service
    ) -> pulumi.Output[str]:
        """The `rds-db:connect` resource of `service`'s own database user (IAM database
        authentication; the user is the service name with `_` for `-`)."""
        return pulumi.Output.format(
            "arn:aws:rds-db:{0}:{1}:dbuser:{2}/{3}",
            region,
            account,
            self.cluster_resource_id,
            service.value.replace("-", "_"),
        )


@dataclass(frozen=True, kw_only=True)
class AuroraPostgresArgs:
    """What `AuroraPostgres` is built from: the `database` section plus its wiring.

    - `settings`: `engine_version` ('MAJOR.MINOR', majors 13-17), `instances` (1-15:
      a writer and readers), `min_capacity`/`max_capacity` (ACUs, 0-256 in 0.5
      steps; 0 pauses after `seconds_until_auto_pause`, 300-86,400 s, on the
      versions AWS lists), `backup_retention_days` (1-35 days),
      `enhanced_monitoring_interval` (0, 1, 5, 10, 15, 30 or 60 s; 0 is off),
      `slow_query_ms` (ms; -1 is off) and `clients` (the services admitted on 5432).
      Limits: `infra.aws.limits`, from the RDS API reference and the Aurora guide.
    - `logs`: the retention (days) of the PostgreSQL log group.
    - `placement`: the isolated subnets, AZs and VPC, and the workload groups; the
      database's group admits those of `settings.clients` (`StorePlacement`).
    - `kms_key_arn`: the stack's key for storage, the master secret, Performance
      Insights and logs, or None for the AWS-managed keys.
    - `protect`: Pulumi `protect` on the cluster, its instances and its log group.
    - `alarm_topics`: the unavailability alarm pages (a cluster that pauses at 0 ACU
      has none: its writer reports nothing while paused).

    Raises ValueError ("AuroraPostgresArgs: ...") when a configured client has no
    workload group.
    """

    settings: DatabaseConfig
    logs: LogsConfig
    placement: StorePlacement
    alarm_topics: AlarmTopics
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False

    def __post_init__(self) -> None:
        try:
            self.placement.client_groups(self.settings.clients)
        except ValueError as error:
            raise ValueError(f"AuroraPostgresArgs: {error}") from None


class AuroraPostgres(pulumi.ComponentResource):
    cluster_identifier: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    reader_endpoint: pulumi.Output[str]
    port: int
    database_name: str
    master_secret_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    cluster_resource_id: pulumi.Output[str]
    access: DatabaseAccess

    def __init__(
        self, name: str, args: AuroraPostgresArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:data:AuroraPostgres", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        identifier = naming.physical_name(name, max_length=63)

        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=identifier,
            description=f"{identifier}: isolated subnets",
            subnet_ids=args.placement.subnet_ids,
            tags=naming.name_tag(f"{name}-subnets"),
            opts=child,
        )

        sg = args.placement.store_security_group(
            name,
            clients=settings.clients,
            port=PORT,
            service="PostgreSQL",
            description=f"{identifier}: PostgreSQL from app workloads",
            parent=self,
        )

        parameters = aws.rds.ClusterParameterGroup(
            f"{name}-params",
            name=identifier,
            family=f"aurora-postgresql{settings.major_version}",
            description=f"{identifier}: TLS only, slow statement and DDL logging",
            parameters=[
                aws.rds.ClusterParameterGroupParameterArgs(name="rds.force_ssl", value="1"),
                # Schema changes (CREATE, ALTER, DROP) are logged: the audit trail of DDL.
                aws.rds.ClusterParameterGroupParameterArgs(name="log_statement", value="ddl"),
                aws.rds.ClusterParameterGroupParameterArgs(
                    name="log_min_duration_statement", value=str(settings.slow_query_ms)
                ),
                aws.rds.ClusterParameterGroupParameterArgs(name="log_lock_waits", value="1"),
            ],
            opts=child,
        )

        # RDS would create this log group itself, with no expiry; own it instead.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-postgresql-logs",
            name=f"/aws/rds/cluster/{identifier}/postgresql",
            retention_in_days=args.logs.retention_days,
            kms_key_id=args.kms_key_arn,
            opts=stateful,
        )

        scaling = aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
            min_capacity=settings.min_capacity,
            max_capacity=settings.max_capacity,
            seconds_until_auto_pause=settings.seconds_until_auto_pause,
        )
        cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=identifier,
            engine="aurora-postgresql",
            engine_mode="provisioned",
            engine_version=settings.engine_version,
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
            backup_retention_period=settings.backup_retention_days,
            preferred_backup_window="03:00-04:00",
            preferred_maintenance_window="sun:04:30-sun:05:30",
            copy_tags_to_snapshot=True,
            deletion_protection=settings.deletion_protection,
            skip_final_snapshot=not settings.final_snapshot,
            final_snapshot_identifier=f"{identifier}-final" if settings.final_snapshot else None,
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
        if settings.enhanced_monitoring_interval:
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

        zones = list(args.placement.availability_zones)
        for index in range(settings.instances):
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
                performance_insights_enabled=settings.performance_insights,
                performance_insights_kms_key_id=(
                    args.kms_key_arn if settings.performance_insights else None
                ),
                performance_insights_retention_period=7 if settings.performance_insights else None,
                monitoring_interval=settings.enhanced_monitoring_interval,
                monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
                tags=naming.name_tag(f"{name}-{role}"),
                # RDS validates the monitoring role's policy when the instance is created.
                opts=pulumi.ResourceOptions.merge(
                    stateful, pulumi.ResourceOptions(depends_on=monitoring_ready)
                ),
            )

        if settings.min_capacity > 0:
            # Every running writer reports CPU each minute; three minutes without a single
            # datapoint means it is down or failing over.
            metric_alarm(
                f"{name}-unavailable",
                parent=self,
                description=f"{identifier}: the writer reported nothing for 3 minutes "
                "(down or failing over)",
                topics=args.alarm_topics,
                severity=Severity.PAGING,
                namespace="AWS/RDS",
                metric_name="CPUUtilization",
                dimensions={"DBClusterIdentifier": cluster.cluster_identifier, "Role": "WRITER"},
                statistic="SampleCount",
                evaluation_periods=3,
                threshold=1,
                comparison="LessThanThreshold",
                treat_missing_data="breaching",
            )

        self.cluster_identifier = cluster.cluster_identifier
        self.cluster_arn = cluster.arn
        self.endpoint = cluster.endpoint
        self.reader_endpoint = cluster.reader_endpoint
        self.port = PORT
        self.database_name = DATABASE_NAME
        self.master_secret_arn = cluster.master_user_secrets.apply(_first_secret_arn)
        self.security_group_id = sg.id
        self.cluster_resource_id = cluster.cluster_resource_id
        self.access = DatabaseAccess(
            endpoint=self.endpoint,
            port=self.port,
            name=self.database_name,
            secret_arn=self.master_secret_arn,
            cluster_resource_id=self.cluster_resource_id,
            clients=tuple(settings.clients),
        )
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
