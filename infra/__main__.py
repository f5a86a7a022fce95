"""Composition root: load config -> build components -> export. Nothing else."""

import pulumi

from infra import config, providers
from infra.aws import ci_identity, kms, release
from infra.aws.alarms import AlarmTopic, AlarmTopicArgs
from infra.aws.app_services import AppServices, AppServicesArgs, Cache, Database
from infra.aws.cache import RedisCache, RedisCacheArgs
from infra.aws.database import AuroraPostgres, AuroraPostgresArgs
from infra.aws.ecs_cluster import EcsCluster, EcsClusterArgs
from infra.aws.ingestion import IngestionApi, IngestionApiArgs, Jwt
from infra.aws.load_balancer import PublicLoadBalancer, PublicLoadBalancerArgs, Target, Tls
from infra.aws.messaging import MessagePipeline, MessagePipelineArgs, QueueRole
from infra.aws.network import Network, NetworkArgs
from infra.aws.registry import ContainerRegistry, ContainerRegistryArgs
from infra.aws.security_groups import WorkloadSecurityGroups, WorkloadSecurityGroupsArgs
from infra.config import OidcProviderMode, Service
from infra.gcp import ci_identity as gcp_ci_identity
from infra.gcp import gke
from infra.github import delivery as github_delivery
from infra.github.delivery import GithubDeliveryArgs
from infra.vercel import frontend as vercel_frontend

cfg = config.load()
aws_provider = providers.aws_provider(cfg)
aws_opts = pulumi.ResourceOptions(providers=[aws_provider, providers.random_provider()])
protect = cfg.protect_stateful_resources
log_retention = cfg.logs.retention_days

kms_key_arn = kms.stack_key_arn(
    "data-key", enabled=cfg.encryption.customer_managed_key, opts=aws_opts
)

network = Network(
    "network",
    NetworkArgs(
        cidr=cfg.network.cidr,
        az_count=cfg.network.az_count,
        nat=cfg.network.nat,
        flow_log_retention_days=cfg.network.flow_logs.retention_days,
        flow_log_kms_key_arn=kms_key_arn,
    ),
    opts=aws_opts,
)

alarms = AlarmTopic(
    "alarms", AlarmTopicArgs(kms_key_arn=kms_key_arn, emails=cfg.alarms.emails), opts=aws_opts
)

workloads = WorkloadSecurityGroups(
    "workloads",
    WorkloadSecurityGroupsArgs(network=network, services=cfg.services),
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

cluster = EcsCluster(
    "ecs",
    EcsClusterArgs(
        container_insights=cfg.compute.container_insights,
        spot_weight=cfg.compute.spot_weight,
        on_demand_weight=cfg.compute.on_demand_weight,
        on_demand_base=cfg.compute.on_demand_base,
    ),
    opts=aws_opts,
)

load_balancer = PublicLoadBalancer(
    "public",
    PublicLoadBalancerArgs(
        network=network,
        targets={
            Service.API.value: Target(
                port=8080, security_group_id=workloads.ids[Service.API], path_patterns=["/api/*"]
            ),
            Service.WEB.value: Target(port=3000, security_group_id=workloads.ids[Service.WEB]),
        },
        tls=Tls.from_config(cfg.compute.tls),
        alarm_topic_arn=alarms.topic_arn,
        deletion_protection=protect,
    ),
    opts=aws_opts,
)

services = AppServices(
    "app",
    AppServicesArgs(
        cluster_arn=cluster.cluster_arn,
        cluster_name=cluster.cluster_name,
        capacity_provider_strategy=cluster.strategy,
        services=cfg.compute.services,
        image_tag=release.image_tag(cfg.compute, pulumi.InvokeOptions(provider=aws_provider)),
        repository_urls=registry.repository_urls,
        repository_arns=registry.repository_arns,
        subnet_ids=network.private_subnet_ids,
        security_group_ids=workloads.ids,
        target_group_arns=load_balancer.target_group_arns,
        queue_arns=pipeline.queue_arns,
        queue_urls=pipeline.queue_urls,
        queue_names=pipeline.queue_names,
        database=Database(
            endpoint=database.endpoint,
            port=database.port,
            name=database.database_name,
            secret_arn=database.master_secret_arn,
            cluster_resource_id=database.cluster_resource_id,
            clients=cfg.database.clients,
        ),
        cache=Cache(
            endpoint=cache.primary_endpoint,
            port=cache.port,
            auth_secret_arn=cache.auth_secret_arn,
            clients=cfg.cache.clients,
        ),
        public_url=load_balancer.url,
        log_retention_days=log_retention,
        alarm_topic_arn=alarms.topic_arn,
        wait_for_steady_state=cfg.compute.wait_for_steady_state,
        running_task_alarms=cfg.compute.container_insights,
        kms_key_arn=kms_key_arn,
        region=cfg.aws_region,
    ),
    opts=aws_opts,
)

ingestion = IngestionApi(
    "ingest",
    IngestionApiArgs(
        inbound_queue_url=pipeline.queue_urls[QueueRole.INBOUND_GATEWAY],
        inbound_queue_arn=pipeline.queue_arns[QueueRole.INBOUND_GATEWAY],
        fetch_queue_arn=pipeline.queue_arns[QueueRole.FETCH_REQUEST],
        authorization=cfg.ingestion.authorization.value,
        jwt=Jwt.from_config(cfg.ingestion.jwt),
        throttle_burst=cfg.ingestion.throttle_burst,
        throttle_rate=cfg.ingestion.throttle_rate,
        reserved_concurrency=cfg.ingestion.reserved_concurrency,
        fetch_batch_size=cfg.ingestion.fetch_batch_size,
        log_retention_days=log_retention,
        alarm_topic_arn=alarms.topic_arn,
        kms_key_arn=kms_key_arn,
    ),
    opts=aws_opts,
)

ci = ci_identity.CiIdentity(
    "ci",
    ci_identity.CiIdentityArgs(
        owner=cfg.github.owner,
        repository=cfg.github.repository,
        environment=cfg.github.environment.name,
        create_oidc_provider=cfg.ci.github_oidc_provider is OidcProviderMode.CREATE,
        account_roles=cfg.ci.account_roles,
        region=cfg.aws_region,
        protect=protect,
    ),
    opts=aws_opts,
)

gcp_provider = providers.gcp_provider(cfg)
gke_platform = gke.build_if_enabled("gke", cfg.gcp, gcp_provider)
gcp_ci = gcp_ci_identity.build_if_enabled("gcp-ci", cfg, gcp_provider)

frontend = vercel_frontend.build_if_managed(
    "frontend",
    cfg.vercel,
    variables={
        "NEXT_PUBLIC_API_URL": pulumi.Output.concat(load_balancer.url, "/api"),
        "INGESTION_URL": ingestion.endpoint,
    },
    provider=providers.vercel_provider(cfg),
)

delivery = github_delivery.build_if_managed(
    "github",
    GithubDeliveryArgs(
        repository=cfg.github.repository,
        environment=cfg.github.environment,
        approval_environment=cfg.github.approval_environment,
        variables={
            "AWS_DEPLOY_ROLE_ARN": ci.deploy_role_arn,
            "AWS_REGION": cfg.aws_region,
            "ECR_REGISTRY": registry.registry,
            "ECS_CLUSTER": cluster.cluster_name,
            "ECS_SERVICES": pulumi.Output.json_dumps(
                {s.value: n for s, n in services.service_names.items()}
            ),
            **vercel_frontend.github_variables(frontend),
            **gcp_ci_identity.github_variables(gcp_ci, gke_platform),
        },
        secrets={
            name: pulumi.Output.secret(token) for name, token in cfg.third_party_tokens.items()
        },
        repository_variables={
            **ci_identity.repository_variables(ci),
            **gcp_ci_identity.repository_variables(gcp_ci, cfg.stack),
        },
        owns_rulesets=cfg.github.owns_rulesets,
        required_checks=cfg.github.required_checks,
        required_approvals=cfg.github.required_approvals,
        release_tag_creators=cfg.github.release_tag_creators,
    ),
    provider=providers.github_provider(cfg),
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
pulumi.export("ecsClusterName", cluster.cluster_name)
pulumi.export("ecsServiceNames", {s.value: n for s, n in services.service_names.items()})
pulumi.export("publicUrl", load_balancer.url)
pulumi.export("ingestionEndpoint", ingestion.endpoint)
pulumi.export("imageTagParameter", release.parameter_name())
pulumi.export("deployRoleArn", ci.deploy_role_arn)
pulumi.export("githubEnvironment", github_delivery.environment_name(delivery))
pulumi.export(
    "vercelProjectId", vercel_frontend.github_variables(frontend).get("VERCEL_PROJECT_ID")
)
