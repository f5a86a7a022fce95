"""Composition root: load config -> build components -> export. Nothing else."""

import pulumi

from infra import config, providers
from infra.aws import kms
from infra.aws.alarms import AlarmTopic, AlarmTopicArgs
from infra.aws.cache import RedisCache, RedisCacheArgs
from infra.aws.database import AuroraPostgres, AuroraPostgresArgs
from infra.aws.messaging import MessagePipeline, MessagePipelineArgs
from infra.aws.network import Network, NetworkArgs
from infra.aws.registry import ContainerRegistry, ContainerRegistryArgs
from infra.aws.security_groups import WorkloadSecurityGroups, WorkloadSecurityGroupsArgs

cfg = config.load()
aws_opts = pulumi.ResourceOptions(
    providers=[providers.aws_provider(cfg), providers.random_provider()]
)
protect = cfg.protect_stateful_resources
log_retention = cfg.logs.retention_days

network = Network(
    "network",
    NetworkArgs(
        cidr=cfg.network.cidr,
        az_count=cfg.network.az_count,
        nat=cfg.network.nat,
        flow_log_retention_days=cfg.network.flow_logs.retention_days,
    ),
    opts=aws_opts,
)

kms_key_arn = kms.stack_key_arn(
    "data-key", enabled=cfg.encryption.customer_managed_key, opts=aws_opts
)

alarms = AlarmTopic(
    "alarms", AlarmTopicArgs(kms_key_arn=kms_key_arn, emails=cfg.alarms.emails), opts=aws_opts
)

workloads = WorkloadSecurityGroups(
    "workloads",
    WorkloadSecurityGroupsArgs(network=network, workloads=cfg.workloads_with_data_access),
    opts=aws_opts,
)

database = AuroraPostgres(
    "database",
    AuroraPostgresArgs(
        network=network,
        engine_version=cfg.database.engine_version,
        instances=cfg.database.instances,
        min_capacity=cfg.database.min_capacity,
        max_capacity=cfg.database.max_capacity,
        seconds_until_auto_pause=cfg.database.seconds_until_auto_pause,
        backup_retention_days=cfg.database.backup_retention_days,
        deletion_protection=cfg.database.deletion_protection,
        final_snapshot=cfg.database.final_snapshot,
        performance_insights=cfg.database.performance_insights,
        enhanced_monitoring_interval=cfg.database.enhanced_monitoring_interval,
        slow_query_ms=cfg.database.slow_query_ms,
        log_retention_days=log_retention,
        clients={w.value: workloads.ids[w] for w in cfg.database.clients},
        kms_key_arn=kms_key_arn,
        protect=protect,
    ),
    opts=aws_opts,
)

cache = RedisCache(
    "cache",
    RedisCacheArgs(
        network=network,
        engine=cfg.cache.engine.value,
        engine_version=cfg.cache.engine_version,
        node_type=cfg.cache.node_type,
        nodes=cfg.cache.nodes,
        snapshot_retention_days=cfg.cache.snapshot_retention_days,
        log_retention_days=log_retention,
        clients={w.value: workloads.ids[w] for w in cfg.cache.clients},
        kms_key_arn=kms_key_arn,
        protect=protect,
    ),
    opts=aws_opts,
)

pipeline = MessagePipeline(
    "pipeline",
    MessagePipelineArgs(
        max_receive_count=cfg.messaging.max_receive_count,
        message_retention_days=cfg.messaging.message_retention_days,
        oldest_message_alarm_seconds=cfg.messaging.oldest_message_alarm_seconds,
        outbound_high_throughput=cfg.messaging.outbound_high_throughput,
        alarm_topic_arn=alarms.topic_arn,
        encryption=cfg.messaging.encryption.value,
        kms_key_arn=kms_key_arn,
    ),
    opts=aws_opts,
)

registry = ContainerRegistry(
    "registry",
    ContainerRegistryArgs(
        repositories=cfg.registry.repositories,
        untagged_expiry_days=cfg.registry.untagged_expiry_days,
        keep_release_tags=cfg.registry.keep_release_tags,
        kms_key_arn=kms_key_arn,
        protect=protect,
    ),
    opts=aws_opts,
)

pulumi.export("vpcId", network.vpc_id)
pulumi.export("vpcCidr", network.vpc_cidr)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
pulumi.export("alarmTopicArn", alarms.topic_arn)
pulumi.export("databaseEndpoint", database.endpoint)
pulumi.export("databaseReaderEndpoint", database.reader_endpoint)
pulumi.export("databaseMasterSecretArn", database.master_secret_arn)
pulumi.export("cacheEndpoint", cache.primary_endpoint)
pulumi.export("cacheAuthSecretArn", cache.auth_secret_arn)
pulumi.export("queueUrls", {role.value: url for role, url in pipeline.queue_urls.items()})
pulumi.export("queueArns", {role.value: arn for role, arn in pipeline.queue_arns.items()})
pulumi.export("repositoryUrls", registry.repository_urls)
pulumi.export("ecrRegistry", registry.registry)
