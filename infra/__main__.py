"""Composition root: load config -> build components -> export. Nothing else."""

import pulumi

from infra import blueprint, config, providers
from infra.aws import (
    app_identity,
    backup,
    cache_rotation,
    ci_identity,
    dns,
    error_tracking,
    images,
    kms,
    release,
    vercel_access,
    web_firewall,
)
from infra.aws.access_logs import AccessLogBucket, AccessLogBucketArgs
from infra.aws.alarms import AlarmRouting, AlarmRoutingArgs
from infra.aws.app_services import AppServices, AppServicesArgs
from infra.aws.budget import StackBudget, StackBudgetArgs
from infra.aws.cache import RedisCache, RedisCacheArgs
from infra.aws.dashboard import DashboardSources, StackDashboard, StackDashboardArgs
from infra.aws.database import AuroraPostgres, AuroraPostgresArgs
from infra.aws.ecs_cluster import EcsCluster, EcsClusterArgs
from infra.aws.ingestion import IngestionApi, IngestionApiArgs
from infra.aws.load_balancer import PublicLoadBalancer, PublicLoadBalancerArgs
from infra.aws.messaging import MessagePipeline, MessagePipelineArgs
from infra.aws.migrations import MigrationTask, MigrationTaskArgs
from infra.aws.network import Network, NetworkArgs
from infra.aws.placement import StorePlacement
from infra.aws.security_groups import WorkloadSecurityGroups, WorkloadSecurityGroupsArgs
from infra.gcp import apis as gcp_apis
from infra.gcp import app_identity as gcp_app_identity
from infra.gcp import ci_identity as gcp_ci_identity
from infra.gcp import gke
from infra.github import delivery as github_delivery
from infra.github.delivery import StackOutputs
from infra.vercel import frontend as vercel_frontend

cfg = config.load()
aws_provider = providers.aws_provider(cfg)
aws_opts = pulumi.ResourceOptions(providers=[aws_provider, providers.random_provider()])
protect = cfg.protect_stateful_resources

kms_key_arn = kms.stack_key_arn("data-key", cfg.encryption, protect=protect, opts=aws_opts)

network = Network(
    "network",
    NetworkArgs(settings=cfg.network, flow_log_kms_key_arn=kms_key_arn, protect=protect),
    opts=aws_opts,
)

alarms = AlarmRouting(
    "alarms",
    AlarmRoutingArgs(settings=cfg.alarms, pager_urls=cfg.pager_urls, kms_key_arn=kms_key_arn),
    opts=aws_opts,
)

errors = error_tracking.build_if_enabled(
    "errors",
    cfg.error_tracking,
    cfg.error_tracking_dsn,
    kms_key_arn=kms_key_arn,
    protect=protect,
    opts=aws_opts,
)

workloads = WorkloadSecurityGroups(
    "workloads",
    WorkloadSecurityGroupsArgs(vpc_id=network.vpc_id, workloads=list(blueprint.Service)),
    opts=aws_opts,
)

# The isolated tier and the workload groups: where the data stores live, who reaches them.
data_placement = StorePlacement(
    vpc_id=network.vpc_id,
    subnet_ids=network.isolated_subnet_ids,
    availability_zones=network.availability_zones,
    workload_security_group_ids=workloads.ids,
)

database = AuroraPostgres(
    "database",
    AuroraPostgresArgs(
        settings=cfg.database,
        logs=cfg.logs,
        placement=data_placement,
        alarm_topics=alarms.topics,
        kms_key_arn=kms_key_arn,
        protect=protect,
    ),
    opts=aws_opts,
)

cache = RedisCache(
    "cache",
    RedisCacheArgs(
        settings=cfg.cache,
        logs=cfg.logs,
        placement=data_placement,
        alarm_topics=alarms.topics,
        kms_key_arn=kms_key_arn,
        protect=protect,
    ),
    opts=aws_opts,
)

pipeline = MessagePipeline(
    "pipeline",
    MessagePipelineArgs(
        settings=cfg.messaging,
        alarm_topics=alarms.topics,
        kms_key_arn=kms_key_arn,
        protect=protect,
    ),
    opts=aws_opts,
)

# The account's image repositories (bootstrap/ creates them; every stack runs the same images).
image_repositories = images.look_up(
    [image for repository in cfg.github.repositories for image in repository.images],
    opts=pulumi.InvokeOptions(provider=aws_provider),
)

cluster = EcsCluster(
    "ecs",
    EcsClusterArgs(settings=cfg.compute),
    opts=aws_opts,
)

access_logs = AccessLogBucket(
    "public-logs",
    AccessLogBucketArgs(settings=cfg.security.access_logs, protect=protect),
    opts=aws_opts,
)

load_balancer = PublicLoadBalancer(
    "public",
    PublicLoadBalancerArgs(
        vpc_id=network.vpc_id,
        subnet_ids=network.public_subnet_ids,
        routes=blueprint.ROUTES,
        target_security_group_ids=workloads.ids,
        tls=cfg.compute.tls,
        access_logs_bucket=access_logs.bucket_name,
        alarm_topics=alarms.topics,
        protect=protect,
    ),
    opts=aws_opts,
)

firewall = web_firewall.build_if_enabled(
    "public-waf",
    cfg.security.waf,
    logs=cfg.logs,
    resource_arn=load_balancer.arn,
    kms_key_arn=kms_key_arn,
    protect=protect,
    opts=aws_opts,
)

database_backup = backup.build_if_enabled(
    "database-backup",
    cfg.security.backup,
    resource_arns=[database.cluster_arn],
    kms_key_arn=kms_key_arn,
    protect=protect,
    opts=aws_opts,
)

services = AppServices(
    "app",
    AppServicesArgs(
        settings=cfg.compute,
        logs=cfg.logs,
        cluster_arn=cluster.cluster_arn,
        cluster_name=cluster.cluster_name,
        repository_urls=image_repositories.urls,
        repository_arns=image_repositories.arns,
        subnet_ids=network.private_subnet_ids,
        security_group_ids=workloads.ids,
        target_group_arns=load_balancer.target_group_arns,
        queue_arns=pipeline.queue_arns,
        queue_urls=pipeline.queue_urls,
        queue_names=pipeline.queue_names,
        database=database.access,
        cache=cache.access,
        public_url=load_balancer.url,
        alarm_topics=alarms.topics,
        region=cfg.aws_region,
        kms_key_arn=kms_key_arn,
        protect=protect,
        error_tracking=errors,
    ),
    opts=aws_opts,
)

# The release's database migration: run by the deploy before the services roll.
migration = MigrationTask(
    "migrations",
    MigrationTaskArgs(
        settings=cfg.migrations,
        logs=cfg.logs,
        compute=cfg.compute,
        repository_urls=image_repositories.urls,
        repository_arns=image_repositories.arns,
        database=database.access,
        region=cfg.aws_region,
        cluster_name=cluster.cluster_name,
        subnet_ids=network.private_subnet_ids,
        security_group_ids=workloads.ids,
        kms_key_arn=kms_key_arn,
        protect=protect,
        error_tracking=errors,
    ),
    opts=aws_opts,
)

cache_token_rotation = cache_rotation.build(
    "cache-rotation",
    rotation_days=cfg.cache.auth_rotation_days,
    logs=cfg.logs,
    secret_arn=cache.auth_secret_arn,
    replication_group_id=cache.replication_group_id,
    replication_group_arn=cache.replication_group_arn,
    cluster_name=cluster.cluster_name,
    clients=cfg.cache.clients,
    service_names=services.service_names,
    service_arns=services.service_arns,
    alarm_topics=alarms.topics,
    kms_key_arn=kms_key_arn,
    protect=protect,
    opts=aws_opts,
)

ingestion = IngestionApi(
    "ingest",
    IngestionApiArgs(
        settings=cfg.ingestion,
        logs=cfg.logs,
        inbound_queue_url=pipeline.queue_urls[blueprint.INGEST.enqueues],
        inbound_queue_arn=pipeline.queue_arns[blueprint.INGEST.enqueues],
        fetch_queue_arn=pipeline.queue_arns[blueprint.INGEST.consumes],
        alarm_topics=alarms.topics,
        kms_key_arn=kms_key_arn,
        protect=protect,
    ),
    opts=aws_opts,
)

budget = StackBudget(
    "budget", StackBudgetArgs(settings=cfg.budget, topic_arn=alarms.topics.notify), opts=aws_opts
)

dashboard = StackDashboard(
    "operations",
    StackDashboardArgs(
        sources=DashboardSources(
            region=cfg.aws_region,
            load_balancer=load_balancer.arn_suffix,
            cluster=cluster.cluster_name,
            services=services.service_names,
            container_insights=cfg.compute.container_insights,
            queues=pipeline.queue_names,
            dead_letter_queues={**pipeline.dlq_names, blueprint.INGEST.label: ingestion.dlq_name},
            database=database.cluster_identifier,
            database_instances=cfg.database.instances,
            cache_nodes=cache.member_cluster_ids,
            functions={
                blueprint.INGEST.label: ingestion.function_name,
                "cache-rotation": cache_token_rotation.function_name,
            },
        )
    ),
    opts=aws_opts,
)

vercel_caller = vercel_access.build_if_needed(
    "vercel-ingest", cfg.vercel, cfg.ingestion, ingestion.route_arn, opts=aws_opts
)

ci = ci_identity.CiIdentity(
    "ci",
    ci_identity.CiIdentityArgs(
        github=cfg.github,
        settings=cfg.ci,
        region=cfg.aws_region,
        protect=protect,
        looked_up_oidc_provider_arns=vercel_access.looked_up_oidc_provider_arns(vercel_caller),
    ),
    opts=aws_opts,
)

application_identities = app_identity.build_all(
    "release",
    cfg.github,
    provider_arn=ci.oidc_provider_arn,
    repository_arns=image_repositories.arns,
    opts=aws_opts,
)

gcp_provider = providers.gcp_provider(cfg)
project_apis = gcp_apis.build_if_enabled("gcp-apis", cfg.gcp, gcp_provider)
gke_platform = gke.build_if_enabled("gke", cfg.gcp, gcp_provider, project_apis, protect=protect)
gcp_ci = gcp_ci_identity.build_if_enabled("gcp-ci", cfg, gcp_provider, project_apis, gke_platform)
gcp_application_identities = gcp_app_identity.build_all(
    "gcp-release", cfg, ci=gcp_ci, platform=gke_platform, provider=gcp_provider, apis=project_apis
)

frontend = vercel_frontend.build_if_managed(
    "frontend",
    cfg.vercel,
    variables={
        "NEXT_PUBLIC_API_URL": pulumi.Output.concat(load_balancer.url, "/api"),
        "INGESTION_URL": ingestion.endpoint,
        **vercel_access.frontend_variables(vercel_caller, cfg.aws_region),
    },
    provider=providers.vercel_provider(cfg),
)

dns.build_if_in_zone("frontend-dns", cfg.vercel, cfg.compute.tls, opts=aws_opts)

deliveries = github_delivery.build_if_managed(
    "github",
    cfg.github,
    outputs=StackOutputs(
        region=cfg.aws_region,
        deploy_role_arn=ci.deploy_role_arn,
        backend_url=ci.backend_url,
        ecr_registry=image_repositories.registry,
        image_urls=image_repositories.urls,
        cluster_name=cluster.cluster_name,
        service_names=pulumi.Output.json_dumps(services.service_names),
        vercel=vercel_frontend.github_variables(frontend),
        gcp_infra=gcp_ci_identity.github_variables(gcp_ci, gke_platform),
        application_roles={r: i.role_arn for r, i in application_identities.items()},
        application_gcp={
            r: gcp_app_identity.github_variables(i, gke_platform)
            for r, i in gcp_application_identities.items()
        },
    ),
    tokens=cfg.third_party_tokens,
    repository_variables={
        **ci_identity.repository_variables(ci, cfg.stack),
        **gcp_ci_identity.repository_variables(gcp_ci, cfg.stack),
    },
    provider=providers.github_provider(cfg),
)

pulumi.export("vpcId", network.vpc_id)
pulumi.export("vpcCidr", network.vpc_cidr)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
pulumi.export("alarmTopicArn", alarms.topics.notify)
pulumi.export("pagingAlarmTopicArn", alarms.topics.paging)
pulumi.export("alarmRoutes", alarms.routes)
pulumi.export("databaseEndpoint", database.endpoint)
pulumi.export("databaseReaderEndpoint", database.reader_endpoint)
pulumi.export("databaseMasterSecretArn", database.master_secret_arn)
pulumi.export("cacheEndpoint", cache.primary_endpoint)
pulumi.export("cacheAuthSecretArn", cache.auth_secret_arn)
pulumi.export("queueUrls", pipeline.queue_urls)
pulumi.export("queueArns", pipeline.queue_arns)
pulumi.export("repositoryUrls", image_repositories.urls)
pulumi.export("ecrRegistry", image_repositories.registry)
pulumi.export("ecsClusterName", cluster.cluster_name)
pulumi.export("ecsServiceNames", services.service_names)
pulumi.export("publicUrl", load_balancer.url)
pulumi.export("ingestionEndpoint", ingestion.endpoint)
pulumi.export("imageTagParameter", release.parameter_name())
pulumi.export("migrationTagParameter", release.migration_parameter_name())
pulumi.export("migrationTask", migration.run_task)
pulumi.export("dashboardName", dashboard.dashboard_name)
pulumi.export("budgetName", budget.budget_name)
pulumi.export("deployRoleArn", ci.deploy_role_arn)
pulumi.export("githubEnvironment", github_delivery.environment_name(deliveries))
pulumi.export("applicationRoleArns", {r: i.role_arn for r, i in application_identities.items()})
pulumi.export(
    "vercelProjectId", vercel_frontend.github_variables(frontend).get("VERCEL_PROJECT_ID")
)
