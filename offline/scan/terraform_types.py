"""Each Pulumi AWS and Google Cloud type the program uses, as its Terraform resource type.

A reviewed table. Pulumi's `aws` and `gcp` providers are bridged from
hashicorp/terraform-provider-aws and hashicorp/terraform-provider-google, so each
Pulumi resource *is* a Terraform resource: `aws:lb/loadBalancer:LoadBalancer` is
`aws_lb`, its input `enableDeletionProtection` is the attribute
`enable_deletion_protection`. The bridge renames in three ways, and each row says
where:

- attribute names are camelCase of Terraform's snake_case (`same`: the inputs
  whose Terraform name is exactly that);
- a nested block that may repeat gets a plural Pulumi name and a list value
  (`capacityProviderStrategies` is the block `capacity_provider_strategy`); one
  that may appear once (MaxItems 1) keeps its name and becomes an object
  (`healthCheck`), which Terraform's plan writes as a one-element list;
- a few arguments get another name (`aws_lambda_function.function_name` is
  Pulumi's `name`, `aws_cloudwatch_metric_alarm.alarm_name` too).

`renames` maps a Pulumi input path (dotted for nested keys) to its Terraform name
where it is not the plain snake_case; `skipped` says why an input has no
Terraform attribute in a plan. Map arguments (`tags`, `dimensions`,
`attribute_mapping`, ...) keep their keys as written (`MAP_KEYS`).
`tests/offline/test_terraform_plan.py` fails when a registered AWS or Google
Cloud type has no row, or sets an input that is neither listed nor skipped.

Sources: the Terraform providers' resource documentation,
hashicorp/terraform-provider-aws `website/docs/r/<type without aws_>.html.markdown`
and hashicorp/terraform-provider-google `website/docs/r/<type without google_>.html.markdown`
(the argument reference of each row's type); the naming rules are
pulumi/pulumi-terraform-bridge's (list blocks pluralized, MaxItemsOne blocks as
objects), visible in each Pulumi SDK's argument classes (`ServiceCapacityProviderStrategyArgs`
for `capacityProviderStrategies`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# Arguments that are Terraform maps: their keys are the user's, not attribute names.
MAP_KEYS = frozenset(
    {"tags", "dimensions", "variables", "attributeMapping", "resourceLabels", "labels"}
)

ARCHIVE = (
    "a local archive the Pulumi provider uploads; a Terraform plan names the file "
    "(filename) and its hash, which no Checkov rule reads"
)


def snake(key: str) -> str:
    """Terraform's name for a Pulumi camelCase key (`kmsKeyId` -> `kms_key_id`)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


@dataclass(frozen=True)
class TfType:
    """One Pulumi type as a Terraform resource type.

    `same`: top-level inputs whose Terraform name is `snake(input)`; `renames`:
    Pulumi input path -> Terraform name (top level, or dotted for nested keys);
    `skipped`: input -> why a plan has no such attribute; `known`: inputs written
    as their value even when it is another resource's output (Checkov's rules read
    them: the `member` of an IAM binding is an email in the plan of a project whose
    service accounts exist, which is the plan CKV_GCP_42 judges).
    """

    tf_type: str
    same: frozenset[str]
    renames: Mapping[str, str] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)
    known: frozenset[str] = frozenset()

    def covers(self, key: str) -> bool:
        return key in self.same or key in self.renames or key in self.skipped

    def name(self, path: str) -> str:
        """The Terraform name of the input (or nested key) at dotted Pulumi `path`."""
        return self.renames.get(path) or snake(path.rsplit(".", 1)[-1])


def tf(
    tf_type: str,
    same: str,
    renames: Mapping[str, str] | None = None,
    skipped: Mapping[str, str] | None = None,
    known: str = "",
) -> TfType:
    return TfType(
        tf_type,
        frozenset(same.split()),
        dict(renames or {}),
        dict(skipped or {}),
        frozenset(known.split()),
    )


TYPES: dict[str, TfType] = {
    # ------------------------------------------------------------------------ AWS
    "aws:acm/certificate:Certificate": tf(
        "aws_acm_certificate", "domainName validationMethod subjectAlternativeNames tags"
    ),
    "aws:acm/certificateValidation:CertificateValidation": tf(
        "aws_acm_certificate_validation", "certificateArn validationRecordFqdns"
    ),
    "aws:apigatewayv2/api:Api": tf("aws_apigatewayv2_api", "name description protocolType tags"),
    "aws:apigatewayv2/integration:Integration": tf(
        "aws_apigatewayv2_integration",
        "apiId integrationType integrationUri integrationMethod payloadFormatVersion "
        "timeoutMilliseconds credentialsArn",
    ),
    "aws:apigatewayv2/route:Route": tf(
        "aws_apigatewayv2_route", "apiId authorizationType routeKey target authorizerId"
    ),
    "aws:apigatewayv2/stage:Stage": tf(
        "aws_apigatewayv2_stage",
        "apiId name autoDeploy accessLogSettings defaultRouteSettings tags",
    ),
    "aws:appautoscaling/policy:Policy": tf(
        "aws_appautoscaling_policy",
        "name policyType resourceId scalableDimension serviceNamespace "
        "stepScalingPolicyConfiguration targetTrackingScalingPolicyConfiguration",
        {"stepScalingPolicyConfiguration.stepAdjustments": "step_adjustment"},
    ),
    "aws:autoscaling/group:Group": tf(
        "aws_autoscaling_group",
        "name minSize maxSize desiredCapacity healthCheckType healthCheckGracePeriod "
        "launchTemplate",
        {"vpcZoneIdentifiers": "vpc_zone_identifier", "tags": "tag"},
    ),
    "aws:budgets/budget:Budget": tf(
        "aws_budgets_budget",
        "name budgetType limitAmount limitUnit timeUnit metrics filterExpression",
        {"notifications": "notification"},
    ),
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": tf(
        "aws_chatbot_slack_channel_configuration",
        "configurationName iamRoleArn slackChannelId slackTeamId snsTopicArns "
        "guardrailPolicyArns loggingLevel userAuthorizationRequired region",
    ),
    "aws:cloudwatch/dashboard:Dashboard": tf(
        "aws_cloudwatch_dashboard", "dashboardName dashboardBody"
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": tf(
        "aws_launch_template",
        "name description imageId instanceType userData blockDeviceMappings "
        "creditSpecification iamInstanceProfile metadataOptions networkInterfaces "
        "tagSpecifications tags",
    ),
    "aws:ec2/networkInterface:NetworkInterface": tf(
        "aws_network_interface", "description securityGroups sourceDestCheck subnetId tags"
    ),
    "aws:iam/instanceProfile:InstanceProfile": tf("aws_iam_instance_profile", "name role"),
    "aws:sns/topicSubscription:TopicSubscription": tf(
        "aws_sns_topic_subscription",
        "endpoint endpointAutoConfirms protocol",
        {"topic": "topic_arn"},
    ),
    "aws:backup/plan:Plan": tf("aws_backup_plan", "name tags", {"rules": "rule"}),
    "aws:backup/selection:Selection": tf(
        "aws_backup_selection", "name planId iamRoleArn resources"
    ),
    "aws:backup/vault:Vault": tf("aws_backup_vault", "name kmsKeyArn forceDestroy tags"),
    "aws:appautoscaling/target:Target": tf(
        "aws_appautoscaling_target",
        "maxCapacity minCapacity resourceId scalableDimension serviceNamespace tags",
    ),
    "aws:cloudwatch/logGroup:LogGroup": tf(
        "aws_cloudwatch_log_group", "name retentionInDays kmsKeyId skipDestroy tags"
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": tf(
        "aws_cloudwatch_metric_alarm",
        "alarmActions alarmDescription comparisonOperator dimensions evaluationPeriods "
        "datapointsToAlarm extendedStatistic metricName namespace okActions period statistic "
        "threshold treatMissingData tags",
        {"name": "alarm_name", "metricQueries": "metric_query"},
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": tf(
        "aws_default_security_group", "vpcId ingress egress tags"
    ),
    "aws:ec2/eip:Eip": tf("aws_eip", "domain tags"),
    "aws:ec2/flowLog:FlowLog": tf(
        "aws_flow_log",
        "vpcId iamRoleArn logDestination logDestinationType maxAggregationInterval "
        "trafficType tags",
    ),
    "aws:ec2/internetGateway:InternetGateway": tf("aws_internet_gateway", "vpcId tags"),
    "aws:ec2/natGateway:NatGateway": tf(
        "aws_nat_gateway", "allocationId connectivityType subnetId tags"
    ),
    "aws:ec2/route:Route": tf(
        "aws_route",
        "routeTableId destinationCidrBlock gatewayId natGatewayId vpcEndpointId networkInterfaceId",
    ),
    "aws:ec2/routeTable:RouteTable": tf("aws_route_table", "vpcId tags"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": tf(
        "aws_route_table_association", "routeTableId subnetId"
    ),
    "aws:ec2/securityGroup:SecurityGroup": tf(
        "aws_security_group", "name description vpcId revokeRulesOnDelete tags"
    ),
    "aws:ec2/subnet:Subnet": tf(
        "aws_subnet", "vpcId cidrBlock availabilityZone mapPublicIpOnLaunch tags"
    ),
    "aws:ec2/vpc:Vpc": tf("aws_vpc", "cidrBlock enableDnsHostnames enableDnsSupport tags"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": tf(
        "aws_vpc_endpoint",
        "vpcId serviceName vpcEndpointType routeTableIds subnetIds securityGroupIds "
        "privateDnsEnabled policy tags",
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": tf("aws_ecr_lifecycle_policy", "repository policy"),
    "aws:ecr/repository:Repository": tf(
        "aws_ecr_repository",
        "name imageTagMutability imageScanningConfiguration forceDelete tags",
        {"encryptionConfigurations": "encryption_configuration"},
    ),
    "aws:ecs/cluster:Cluster": tf("aws_ecs_cluster", "name tags", {"settings": "setting"}),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": tf(
        "aws_ecs_cluster_capacity_providers",
        "clusterName capacityProviders",
        {"defaultCapacityProviderStrategies": "default_capacity_provider_strategy"},
    ),
    "aws:ecs/service:Service": tf(
        "aws_ecs_service",
        "name cluster taskDefinition desiredCount availabilityZoneRebalancing "
        "deploymentCircuitBreaker deploymentMaximumPercent deploymentMinimumHealthyPercent "
        "enableExecuteCommand forceNewDeployment healthCheckGracePeriodSeconds "
        "networkConfiguration propagateTags waitForSteadyState tags",
        {
            "capacityProviderStrategies": "capacity_provider_strategy",
            "loadBalancers": "load_balancer",
        },
    ),
    "aws:ecs/taskDefinition:TaskDefinition": tf(
        "aws_ecs_task_definition",
        "family containerDefinitions cpu memory networkMode requiresCompatibilities "
        "runtimePlatform executionRoleArn taskRoleArn tags",
        {"volumes": "volume"},
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": tf(
        "aws_elasticache_replication_group",
        "replicationGroupId description engine engineVersion nodeType numCacheClusters "
        "preferredCacheClusterAzs automaticFailoverEnabled multiAzEnabled port "
        "subnetGroupName securityGroupIds atRestEncryptionEnabled kmsKeyId "
        "transitEncryptionEnabled transitEncryptionMode authToken authTokenUpdateStrategy "
        "autoMinorVersionUpgrade snapshotRetentionLimit snapshotWindow maintenanceWindow "
        "finalSnapshotIdentifier applyImmediately tags",
        {"logDeliveryConfigurations": "log_delivery_configuration"},
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": tf(
        "aws_elasticache_subnet_group", "name description subnetIds tags"
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": tf(
        "aws_iam_openid_connect_provider",
        "url tags",
        {"clientIdLists": "client_id_list", "thumbprintLists": "thumbprint_list"},
    ),
    "aws:iam/policy:Policy": tf("aws_iam_policy", "name description path policy tags"),
    "aws:iam/role:Role": tf(
        "aws_iam_role",
        "name description path assumeRolePolicy maxSessionDuration permissionsBoundary tags",
    ),
    "aws:iam/rolePolicy:RolePolicy": tf("aws_iam_role_policy", "name role policy"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": tf(
        "aws_iam_role_policy_attachment", "role policyArn"
    ),
    "aws:kms/alias:Alias": tf("aws_kms_alias", "name targetKeyId"),
    "aws:kms/key:Key": tf(
        "aws_kms_key",
        "description enableKeyRotation deletionWindowInDays policy keyUsage tags",
    ),
    "aws:lambda/eventSourceMapping:EventSourceMapping": tf(
        "aws_lambda_event_source_mapping",
        "eventSourceArn functionName batchSize functionResponseTypes "
        "maximumBatchingWindowInSeconds scalingConfig tags",
    ),
    "aws:lambda/function:Function": tf(
        "aws_lambda_function",
        "role runtime handler architectures memorySize timeout reservedConcurrentExecutions "
        "kmsKeyArn environment deadLetterConfig tracingConfig loggingConfig vpcConfig "
        "description tags",
        {"name": "function_name"},
        {"code": ARCHIVE},
    ),
    "aws:lambda/permission:Permission": tf(
        "aws_lambda_permission",
        "action principal sourceArn sourceAccount statementId",
        {"function": "function_name"},
    ),
    "aws:lb/listener:Listener": tf(
        "aws_lb_listener",
        "loadBalancerArn port protocol sslPolicy certificateArn tags",
        {"defaultActions": "default_action"},
    ),
    "aws:lb/listenerRule:ListenerRule": tf(
        "aws_lb_listener_rule",
        "listenerArn priority tags",
        {"actions": "action", "conditions": "condition"},
    ),
    "aws:lb/loadBalancer:LoadBalancer": tf(
        "aws_lb",
        "name loadBalancerType internal subnets securityGroups dropInvalidHeaderFields "
        "desyncMitigationMode enableDeletionProtection idleTimeout accessLogs tags",
    ),
    "aws:lb/targetGroup:TargetGroup": tf(
        "aws_lb_target_group",
        "name port protocol targetType vpcId deregistrationDelay healthCheck tags",
    ),
    "aws:rds/cluster:Cluster": tf(
        "aws_rds_cluster",
        "clusterIdentifier engine engineMode engineVersion databaseName masterUsername "
        "manageMasterUserPassword masterUserSecretKmsKeyId iamDatabaseAuthenticationEnabled "
        "storageEncrypted kmsKeyId dbSubnetGroupName vpcSecurityGroupIds "
        "dbClusterParameterGroupName serverlessv2ScalingConfiguration port "
        "backupRetentionPeriod preferredBackupWindow preferredMaintenanceWindow "
        "copyTagsToSnapshot deletionProtection skipFinalSnapshot finalSnapshotIdentifier "
        "enabledCloudwatchLogsExports allowMajorVersionUpgrade autoMinorVersionUpgrade "
        "applyImmediately tags",
    ),
    "aws:rds/clusterInstance:ClusterInstance": tf(
        "aws_rds_cluster_instance",
        "identifier clusterIdentifier instanceClass engine engineVersion availabilityZone "
        "publiclyAccessible autoMinorVersionUpgrade caCertIdentifier promotionTier "
        "performanceInsightsEnabled performanceInsightsKmsKeyId "
        "performanceInsightsRetentionPeriod monitoringInterval monitoringRoleArn "
        "applyImmediately tags",
    ),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": tf(
        "aws_rds_cluster_parameter_group",
        "name family description tags",
        {"parameters": "parameter"},
    ),
    "aws:rds/subnetGroup:SubnetGroup": tf("aws_db_subnet_group", "name description subnetIds tags"),
    "aws:route53/record:Record": tf(
        "aws_route53_record",
        "zoneId name type ttl records allowOverwrite",
        {"aliases": "alias"},
    ),
    "aws:s3/bucket:Bucket": tf("aws_s3_bucket", "bucket forceDestroy objectLockEnabled tags"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": tf(
        "aws_s3_bucket_lifecycle_configuration", "bucket", {"rules": "rule"}
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": tf(
        "aws_s3_bucket_ownership_controls", "bucket rule"
    ),
    "aws:s3/bucketPolicy:BucketPolicy": tf("aws_s3_bucket_policy", "bucket policy"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": tf(
        "aws_s3_bucket_public_access_block",
        "bucket blockPublicAcls blockPublicPolicy ignorePublicAcls restrictPublicBuckets",
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": tf(
        "aws_s3_bucket_server_side_encryption_configuration", "bucket", {"rules": "rule"}
    ),
    "aws:s3/bucketVersioning:BucketVersioning": tf(
        "aws_s3_bucket_versioning", "bucket versioningConfiguration"
    ),
    "aws:secretsmanager/secret:Secret": tf(
        "aws_secretsmanager_secret", "name description kmsKeyId recoveryWindowInDays tags"
    ),
    "aws:secretsmanager/secretRotation:SecretRotation": tf(
        "aws_secretsmanager_secret_rotation",
        "secretId rotationLambdaArn rotationRules rotateImmediately",
    ),
    "aws:secretsmanager/secretVersion:SecretVersion": tf(
        "aws_secretsmanager_secret_version", "secretId secretString"
    ),
    "aws:sns/topic:Topic": tf("aws_sns_topic", "name displayName kmsMasterKeyId tags"),
    "aws:sns/topicPolicy:TopicPolicy": tf("aws_sns_topic_policy", "arn policy"),
    "aws:sqs/queue:Queue": tf(
        "aws_sqs_queue",
        "name fifoQueue contentBasedDeduplication deduplicationScope fifoThroughputLimit "
        "delaySeconds messageRetentionSeconds receiveWaitTimeSeconds visibilityTimeoutSeconds "
        "kmsMasterKeyId kmsDataKeyReusePeriodSeconds sqsManagedSseEnabled redrivePolicy tags",
    ),
    "aws:sqs/queuePolicy:QueuePolicy": tf("aws_sqs_queue_policy", "queueUrl policy"),
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": tf(
        "aws_sqs_queue_redrive_allow_policy", "queueUrl redriveAllowPolicy"
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": tf(
        "aws_vpc_security_group_egress_rule",
        "securityGroupId ipProtocol fromPort toPort cidrIpv4 cidrIpv6 "
        "referencedSecurityGroupId prefixListId description tags",
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": tf(
        "aws_vpc_security_group_ingress_rule",
        "securityGroupId ipProtocol fromPort toPort cidrIpv4 cidrIpv6 "
        "referencedSecurityGroupId prefixListId description tags",
    ),
    "aws:wafv2/webAcl:WebAcl": tf(
        "aws_wafv2_web_acl",
        "name description scope defaultAction visibilityConfig tags",
        {
            "rules": "rule",
            "rules.statement.managedRuleGroupStatement.ruleActionOverrides": (
                "rule_action_override"
            ),
        },
    ),
    "aws:wafv2/webAclAssociation:WebAclAssociation": tf(
        "aws_wafv2_web_acl_association", "resourceArn webAclArn"
    ),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": tf(
        "aws_wafv2_web_acl_logging_configuration",
        "resourceArn logDestinationConfigs redactedFields loggingFilter",
    ),
    # ------------------------------------------------------------------ Google Cloud
    "gcp:artifactregistry/repository:Repository": tf(
        "google_artifact_registry_repository",
        "repositoryId location format description dockerConfig cleanupPolicyDryRun "
        "cleanupPolicies kmsKeyName labels project",
    ),
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": tf(
        "google_artifact_registry_repository_iam_member",
        "repository location role member project",
        known="member",
    ),
    "gcp:binaryauthorization/policy:Policy": tf(
        "google_binary_authorization_policy",
        "description globalPolicyEvaluationMode defaultAdmissionRule "
        "admissionWhitelistPatterns clusterAdmissionRules project",
    ),
    "gcp:compute/firewall:Firewall": tf(
        "google_compute_firewall",
        "name network description direction priority sourceRanges destinationRanges "
        "targetTags logConfig project",
        {"allows": "allow", "denies": "deny"},
    ),
    "gcp:compute/network:Network": tf(
        "google_compute_network", "name autoCreateSubnetworks routingMode project"
    ),
    "gcp:compute/router:Router": tf("google_compute_router", "name network region project"),
    "gcp:compute/routerNat:RouterNat": tf(
        "google_compute_router_nat",
        "name router region natIpAllocateOption sourceSubnetworkIpRangesToNat logConfig project",
    ),
    "gcp:compute/subnetwork:Subnetwork": tf(
        "google_compute_subnetwork",
        "name network region ipCidrRange privateIpGoogleAccess logConfig project",
        {"secondaryIpRanges": "secondary_ip_range"},
    ),
    "gcp:container/cluster:Cluster": tf(
        "google_container_cluster",
        "name location network subnetwork enableAutopilot networkingMode ipAllocationPolicy "
        "privateClusterConfig masterAuthorizedNetworksConfig controlPlaneEndpointsConfig "
        "workloadIdentityConfig releaseChannel datapathProvider enableShieldedNodes "
        "deletionProtection removeDefaultNodePool initialNodeCount resourceLabels "
        "enableIntranodeVisibility binaryAuthorization clusterAutoscaling masterAuth project",
    ),
    "gcp:container/nodePool:NodePool": tf(
        "google_container_node_pool",
        "name cluster location autoscaling management nodeConfig project",
    ),
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": tf(
        "google_iam_workload_identity_pool",
        "workloadIdentityPoolId displayName description project",
    ),
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": tf(
        "google_iam_workload_identity_pool_provider",
        "workloadIdentityPoolId workloadIdentityPoolProviderId displayName attributeMapping "
        "attributeCondition oidc project",
    ),
    "gcp:kms/cryptoKey:CryptoKey": tf(
        "google_kms_crypto_key",
        "name keyRing purpose rotationPeriod destroyScheduledDuration versionTemplate labels",
    ),
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": tf(
        "google_kms_crypto_key_iam_member", "cryptoKeyId role member", known="member"
    ),
    "gcp:kms/keyRing:KeyRing": tf("google_kms_key_ring", "name location project"),
    "gcp:projects/iAMCustomRole:IAMCustomRole": tf(
        "google_project_iam_custom_role", "roleId title description permissions stage project"
    ),
    "gcp:projects/iAMMember:IAMMember": tf(
        "google_project_iam_member", "project role member condition", known="member"
    ),
    "gcp:projects/service:Service": tf(
        "google_project_service", "project service disableOnDestroy disableDependentServices"
    ),
    "gcp:projects/serviceIdentity:ServiceIdentity": tf(
        "google_project_service_identity", "project service"
    ),
    "gcp:serviceaccount/account:Account": tf(
        "google_service_account", "accountId displayName description project"
    ),
    "gcp:serviceaccount/iAMMember:IAMMember": tf(
        "google_service_account_iam_member",
        "serviceAccountId role member condition",
        known="member",
    ),
}


# Providers whose resources the scan leaves out, and why.
NOT_SCANNED = {
    "github": "Checkov's GitHub Terraform rules cover github_repository, branch protection, "
    "webhooks and Actions secrets with a plaintext_value; the program manages environments, "
    "variables and rulesets, and its only secrets (thirdPartyTokens) are Pulumi secrets",
    "vercel": "Checkov has no Vercel rules",
    "random": "a generator: no cloud resource, and Checkov has no rules for it",
}


def scanned(pulumi_type: str) -> bool:
    """Whether a registration of this type goes into the plan (AWS and Google Cloud)."""
    return pulumi_type.startswith(("aws:", "gcp:"))
