"""Each Pulumi AWS type the program uses, mapped to its CloudFormation type and properties.

A reviewed table, the way tflint-ruleset-aws maps Terraform attributes to API
shapes: for each Pulumi type token, the CloudFormation resource type whose schema
(as cfn-lint ships it) carries the constraints AWS publishes, and for each Pulumi
input the program sets either

- the CloudFormation property it becomes (`"Name"`: same value, nested keys in
  PascalCase) or a function turning the input into CloudFormation properties
  (`{"Name": value, ...}`, for inputs whose shape differs), or
- in `unmapped`, why it has no CloudFormation counterpart (a provider-only
  argument such as `forceDelete`, or an API parameter CloudFormation models as a
  resource policy).

A type with no CloudFormation equivalent has `cfn_type=None` and a reason.
`tests/offline/test_aws_schema.py` fails when a registered AWS resource sets an
input that is neither mapped nor listed.

Sources: the CloudFormation resource type schemas (AWS CloudFormation User Guide,
"Resource type schemas"; the copies in cfn-lint's `data/schemas`), and each
Pulumi resource's input documentation (`pulumi_aws`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Converter = Callable[[Any], dict[str, Any]]

# Keys whose children are names the user chose (not schema keys): kept as they are.
FREE_FORM = frozenset(
    {"options", "dockerLabels", "variables", "tags", "stageVariables", "requestParameters",
     "parameters", "systemControls", "Options", "DockerLabels"}
)  # fmt: skip
# camelCase -> PascalCase where CloudFormation spells the word differently.
SPELLING = {
    "sizeInGib": "SizeInGiB",
    "arn": "Arn",
    "targetGroupArn": "TargetGroupArn",
    "okActions": "OKActions",
    "multiAzEnabled": "MultiAZEnabled",
    "cloudwatchMetricsEnabled": "CloudWatchMetricsEnabled",
}


def pascal(key: str) -> str:
    return SPELLING.get(key, key[:1].upper() + key[1:])


def _number(value: Any) -> Any:
    """Pulumi sends numbers as floats; CloudFormation's integers are whole numbers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def cfn_value(value: Any, *, free_form: bool = False) -> Any:
    """A Pulumi input value in CloudFormation's shape: nested keys PascalCase, whole floats ints."""
    if isinstance(value, Mapping):
        return {
            (k if free_form else pascal(k)): cfn_value(v, free_form=k in FREE_FORM)
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list):
        return [cfn_value(v) for v in value]
    return _number(value)


def to(name: str) -> Converter:
    """The input becomes one CloudFormation property of the same shape."""
    return lambda value: {name: cfn_value(value)}


def json_doc(name: str) -> Converter:
    """A JSON-string input (policy, redrive policy) becomes the property's object."""
    return lambda value: {name: json.loads(value) if isinstance(value, str) else value}


def tag_list(value: Mapping[str, str]) -> dict[str, Any]:
    return {"Tags": [{"Key": k, "Value": v} for k, v in value.items()]}


def one_element(name: str) -> Converter:
    """A list-of-one input that CloudFormation models as a single object."""
    return lambda value: {name: cfn_value(value[0])} if value else {}


def wrapped(name: str) -> Converter:
    """A scalar CloudFormation models as a one-element list (`Queues: [url]`)."""
    return lambda value: {name: [value]}


def nested(name: str, key: str) -> Converter:
    """An input CloudFormation nests one level down (`Name: {Key: value}`)."""
    return lambda value: {name: {key: cfn_value(value)}}


def attributes(name: str, key: str, render: Callable[[Any], str] = str) -> Converter:
    """An input CloudFormation sets as a `{Key, Value}` attribute in list `name`."""
    return lambda value: {name: [{"Key": key, "Value": render(value)}]}


def _lower_bool(value: Any) -> str:
    return str(bool(value)).lower()


@dataclass(frozen=True)
class TypeMap:
    cfn_type: str | None
    props: Mapping[str, str | Converter] = field(default_factory=dict)
    unmapped: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""  # why there is no CloudFormation type (cfn_type None)

    def convert(self, key: str, value: Any) -> dict[str, Any]:
        """CloudFormation properties for one Pulumi input (empty if unmapped)."""
        target = self.props.get(key)
        if target is None:
            return {}
        if isinstance(target, str):
            if target == "Tags":
                return tag_list(value) if isinstance(value, Mapping) else {}
            return {target: cfn_value(value, free_form=key in FREE_FORM)}
        return target(value)


PROVIDER_ONLY = "provider-only argument (no API or CloudFormation property)"
DELETION = "a deletion-time choice; CloudFormation expresses it as the DeletionPolicy attribute"
APPLY = "when to apply a change (an API call parameter, not resource state)"


# ------------------------------------------------------------------ shape converters
def _alarm_metrics(queries: list[Mapping[str, Any]]) -> dict[str, Any]:
    metrics = []
    for q in queries:
        entry: dict[str, Any] = {
            pascal(k): _number(v)
            for k, v in q.items()
            if k in ("id", "expression", "label", "returnData", "period", "accountId")
        }
        metric = q.get("metric")
        if metric:
            stat: dict[str, Any] = {
                "Metric": {
                    "Namespace": metric.get("namespace"),
                    "MetricName": metric.get("metricName"),
                    "Dimensions": [
                        {"Name": k, "Value": v} for k, v in (metric.get("dimensions") or {}).items()
                    ],
                },
                "Period": _number(metric.get("period")),
                "Stat": metric.get("stat"),
            }
            if metric.get("unit"):
                stat["Unit"] = metric["unit"]
            entry["MetricStat"] = stat
        metrics.append(entry)
    return {"Metrics": metrics}


def _dimensions(value: Mapping[str, str]) -> dict[str, Any]:
    return {"Dimensions": [{"Name": k, "Value": v} for k, v in value.items()]}


_ACTION_CONFIGS = {"redirect": "RedirectConfig", "fixedResponse": "FixedResponseConfig",
                   "forward": "ForwardConfig"}  # fmt: skip


def _lb_actions(name: str) -> Converter:
    def convert(actions: list[Mapping[str, Any]]) -> dict[str, Any]:
        converted = []
        for action in actions:
            converted.append(
                {
                    _ACTION_CONFIGS.get(k, pascal(k)): cfn_value(v)
                    for k, v in action.items()
                    if v is not None
                }
            )
        return {name: converted}

    return convert


_CONDITION_FIELDS = {"pathPattern": ("path-pattern", "PathPatternConfig"),
                     "hostHeader": ("host-header", "HostHeaderConfig"),
                     "httpHeader": ("http-header", "HttpHeaderConfig"),
                     "sourceIp": ("source-ip", "SourceIpConfig")}  # fmt: skip


def _rule_conditions(conditions: list[Mapping[str, Any]]) -> dict[str, Any]:
    converted = []
    for condition in conditions:
        for key, value in condition.items():
            if key in _CONDITION_FIELDS and value is not None:
                field_name, config = _CONDITION_FIELDS[key]
                converted.append({"Field": field_name, config: cfn_value(value)})
    return {"Conditions": converted}


def _health_check(check: Mapping[str, Any]) -> dict[str, Any]:
    names = {"enabled": "HealthCheckEnabled", "interval": "HealthCheckIntervalSeconds",
             "path": "HealthCheckPath", "port": "HealthCheckPort",
             "protocol": "HealthCheckProtocol", "timeout": "HealthCheckTimeoutSeconds",
             "healthyThreshold": "HealthyThresholdCount",
             "unhealthyThreshold": "UnhealthyThresholdCount"}  # fmt: skip
    out = {names[k]: _number(v) for k, v in check.items() if k in names and v is not None}
    if check.get("matcher"):
        out["Matcher"] = {"HttpCode": check["matcher"]}
    return out


def _service_network(config: Mapping[str, Any]) -> dict[str, Any]:
    vpc = {
        "SecurityGroups": config.get("securityGroups") or [],
        "Subnets": config.get("subnets") or [],
        "AssignPublicIp": "ENABLED" if config.get("assignPublicIp") else "DISABLED",
    }
    return {"NetworkConfiguration": {"AwsvpcConfiguration": vpc}}


def _deployment(key: str) -> Converter:
    return lambda value: {"DeploymentConfiguration": {key: cfn_value(value)}}


def _container_definitions(value: Any) -> dict[str, Any]:
    definitions = json.loads(value) if isinstance(value, str) else value
    return {"ContainerDefinitions": cfn_value(definitions)}


def _cache_logs(configs: list[Mapping[str, Any]]) -> dict[str, Any]:
    converted = []
    for c in configs:
        kind = c.get("destinationType")
        details = (
            {"CloudWatchLogsDetails": {"LogGroup": c.get("destination")}}
            if kind == "cloudwatch-logs"
            else {"KinesisFirehoseDetails": {"DeliveryStream": c.get("destination")}}
        )
        converted.append(
            {
                "DestinationDetails": details,
                "DestinationType": kind,
                "LogFormat": c.get("logFormat"),
                "LogType": c.get("logType"),
            }
        )
    return {"LogDeliveryConfigurations": converted}


def _parameters(params: list[Mapping[str, Any]]) -> dict[str, Any]:
    return {"Parameters": {p["name"]: p["value"] for p in params}}


def _alias_target(aliases: list[Mapping[str, Any]]) -> dict[str, Any]:
    if not aliases:
        return {}
    a = aliases[0]
    return {
        "AliasTarget": {
            "DNSName": a.get("name"),
            "HostedZoneId": a.get("zoneId"),
            "EvaluateTargetHealth": a.get("evaluateTargetHealth"),
        }
    }


def _step_scaling(config: Mapping[str, Any]) -> dict[str, Any]:
    converted = cfn_value(config)
    for adjustment in converted.get("StepAdjustments", []):
        for bound in ("MetricIntervalLowerBound", "MetricIntervalUpperBound"):
            if isinstance(adjustment.get(bound), str):
                adjustment[bound] = _number(float(adjustment[bound]))
    return {"StepScalingPolicyConfiguration": converted}


def _load_balancer_attribute(key: str, render: Callable[[Any], str] = _lower_bool) -> Converter:
    return attributes("LoadBalancerAttributes", key, render)


def _booleans(value: Any) -> Any:
    """The provider's "true"/"false" strings (launch template fields) as CloudFormation booleans."""
    if isinstance(value, Mapping):
        return {k: _booleans(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_booleans(v) for v in value]
    return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value


def _tag_specifications(specs: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "ResourceType": spec.get("resourceType"),
            "Tags": [{"Key": k, "Value": v} for k, v in (spec.get("tags") or {}).items()],
        }
        for spec in specs
    ]


def _template_data(name: str) -> Converter:
    """An aws_launch_template input that CloudFormation holds in `LaunchTemplateData`."""
    return lambda value: {"LaunchTemplateData": {name: _booleans(cfn_value(value))}}


def _template_interfaces(interfaces: list[Mapping[str, Any]]) -> dict[str, Any]:
    converted = []
    for interface in interfaces:
        entry = _booleans(cfn_value({k: v for k, v in interface.items() if k != "securityGroups"}))
        if interface.get("securityGroups"):
            entry["Groups"] = list(interface["securityGroups"])
        converted.append(entry)
    return {"LaunchTemplateData": {"NetworkInterfaces": converted}}


def _group_template(spec: Mapping[str, Any]) -> dict[str, Any]:
    keys = {"id": "LaunchTemplateId", "name": "LaunchTemplateName", "version": "Version"}
    return {"LaunchTemplate": {keys[k]: str(v) for k, v in spec.items() if k in keys and v}}


def _count(name: str) -> Converter:
    """An Auto Scaling size: a number in Pulumi, a string of digits in CloudFormation."""
    return lambda value: {name: str(_number(value))}


def _budget(key: str) -> Converter:
    """A Budget input that CloudFormation nests in `Budget` (BudgetData)."""
    return lambda value: {"Budget": {key: cfn_value(value)}}


def _budget_limit(key: str) -> Converter:
    """`limitAmount` / `limitUnit`: BudgetData's `BudgetLimit` (Spend: Amount is a number)."""

    def convert(value: Any) -> dict[str, Any]:
        converted = float(value) if key == "Amount" else value
        return {"Budget": {"BudgetLimit": {key: converted}}}

    return convert


def _budget_metrics(value: Any) -> dict[str, Any]:
    """The provider's one metric; BudgetData's `Metrics` is a list."""
    return {"Budget": {"Metrics": [value] if isinstance(value, str) else list(value)}}


def _budget_expression(expression: Mapping[str, Any]) -> dict[str, Any]:
    """`filterExpression` (ands/ors/not_/tags/dimensions) -> BudgetData's Expression."""

    def convert(node: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if value is None:
                continue
            if key in ("ands", "ors"):
                out["And" if key == "ands" else "Or"] = [convert(v) for v in value]
            elif key in ("not", "not_"):
                out["Not"] = convert(value)
            else:
                out[pascal(key)] = cfn_value(value)
        return out

    return {"Budget": {"FilterExpression": convert(expression)}}


def _budget_notifications(notifications: list[Mapping[str, Any]]) -> dict[str, Any]:
    """`notifications` -> NotificationsWithSubscribers (each SNS topic and address a subscriber)."""
    converted = []
    for n in notifications:
        subscribers = [
            {"SubscriptionType": "SNS", "Address": arn}
            for arn in n.get("subscriberSnsTopicArns") or []
        ] + [
            {"SubscriptionType": "EMAIL", "Address": address}
            for address in n.get("subscriberEmailAddresses") or []
        ]
        notification = {
            "ComparisonOperator": n.get("comparisonOperator"),
            "NotificationType": n.get("notificationType"),
            "Threshold": _number(n.get("threshold")),
            "ThresholdType": n.get("thresholdType"),
        }
        converted.append(
            {
                "Notification": {k: v for k, v in notification.items() if v is not None},
                "Subscribers": subscribers,
            }
        )
    return {"NotificationsWithSubscribers": converted}


REGION = "the region whose endpoint manages it (pulumi-aws 7's per-resource region), not a property"


def _access_logs(config: Mapping[str, Any]) -> dict[str, Any]:
    attrs = [{"Key": "access_logs.s3.enabled", "Value": _lower_bool(config.get("enabled"))}]
    if config.get("bucket"):
        attrs.append({"Key": "access_logs.s3.bucket", "Value": str(config["bucket"])})
    if config.get("prefix"):
        attrs.append({"Key": "access_logs.s3.prefix", "Value": str(config["prefix"])})
    return {"LoadBalancerAttributes": attrs}


def _lifecycle_rules(rules: list[Mapping[str, Any]]) -> dict[str, Any]:
    converted = []
    for rule in rules:
        entry: dict[str, Any] = {"Id": rule.get("id"), "Status": rule.get("status")}
        prefix = (rule.get("filter") or {}).get("prefix")
        if prefix:
            entry["Prefix"] = prefix
        if (rule.get("expiration") or {}).get("days"):
            entry["ExpirationInDays"] = _number(rule["expiration"]["days"])
        noncurrent = rule.get("noncurrentVersionExpiration") or {}
        if noncurrent.get("noncurrentDays"):
            entry["NoncurrentVersionExpiration"] = {
                "NoncurrentDays": _number(noncurrent["noncurrentDays"])
            }
        abort = rule.get("abortIncompleteMultipartUpload") or {}
        if abort.get("daysAfterInitiation"):
            entry["AbortIncompleteMultipartUpload"] = {
                "DaysAfterInitiation": _number(abort["daysAfterInitiation"])
            }
        converted.append({k: v for k, v in entry.items() if v is not None})
    return {"LifecycleConfiguration": {"Rules": converted}}


def _encryption_rules(rules: list[Mapping[str, Any]]) -> dict[str, Any]:
    converted = []
    for rule in rules:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        entry: dict[str, Any] = {
            "ServerSideEncryptionByDefault": {
                k: v
                for k, v in (
                    ("SSEAlgorithm", default.get("sseAlgorithm")),
                    ("KMSMasterKeyID", default.get("kmsMasterKeyId")),
                )
                if v is not None
            }
        }
        if rule.get("bucketKeyEnabled") is not None:
            entry["BucketKeyEnabled"] = rule["bucketKeyEnabled"]
        converted.append(entry)
    return {"BucketEncryption": {"ServerSideEncryptionConfiguration": converted}}


def _backup_rules(rules: list[Mapping[str, Any]]) -> dict[str, Any]:
    names = {"ruleName": "RuleName", "targetVaultName": "TargetBackupVault",
             "schedule": "ScheduleExpression", "startWindow": "StartWindowMinutes",
             "completionWindow": "CompletionWindowMinutes"}  # fmt: skip
    converted = []
    for rule in rules:
        entry = {names[k]: _number(v) for k, v in rule.items() if k in names and v is not None}
        if rule.get("lifecycle"):
            entry["Lifecycle"] = {
                "DeleteAfterDays": _number(rule["lifecycle"].get("deleteAfter")),
            }
        converted.append(entry)
    return {"BackupPlan": {"BackupPlanRule": converted}}


# ---------------------------------------------------------------------------- the table
TYPES: dict[str, TypeMap] = {
    "aws:acm/certificate:Certificate": TypeMap(
        "AWS::CertificateManager::Certificate",
        {
            "domainName": "DomainName",
            "validationMethod": "ValidationMethod",
            "subjectAlternativeNames": "SubjectAlternativeNames",
            "keyAlgorithm": "KeyAlgorithm",
            "tags": "Tags",
        },
    ),
    "aws:acm/certificateValidation:CertificateValidation": TypeMap(
        None,
        reason="a wait for DNS validation of a certificate; CloudFormation validates inside "
        "AWS::CertificateManager::Certificate",
    ),
    "aws:apigatewayv2/api:Api": TypeMap(
        "AWS::ApiGatewayV2::Api",
        {
            "name": "Name",
            "description": "Description",
            "protocolType": "ProtocolType",
            "routeSelectionExpression": "RouteSelectionExpression",
            "disableExecuteApiEndpoint": "DisableExecuteApiEndpoint",
            "corsConfiguration": "CorsConfiguration",
            "tags": to("Tags"),
        },
    ),
    "aws:apigatewayv2/integration:Integration": TypeMap(
        "AWS::ApiGatewayV2::Integration",
        {
            "apiId": "ApiId",
            "integrationType": "IntegrationType",
            "integrationUri": "IntegrationUri",
            "integrationMethod": "IntegrationMethod",
            "payloadFormatVersion": "PayloadFormatVersion",
            "description": "Description",
            "timeoutMilliseconds": "TimeoutInMillis",
            "credentialsArn": "CredentialsArn",
            "connectionType": "ConnectionType",
        },
    ),
    "aws:apigatewayv2/route:Route": TypeMap(
        "AWS::ApiGatewayV2::Route",
        {
            "apiId": "ApiId",
            "authorizationType": "AuthorizationType",
            "routeKey": "RouteKey",
            "target": "Target",
            "authorizerId": "AuthorizerId",
            "authorizationScopes": "AuthorizationScopes",
            "apiKeyRequired": "ApiKeyRequired",
        },
    ),
    "aws:apigatewayv2/stage:Stage": TypeMap(
        "AWS::ApiGatewayV2::Stage",
        {
            "apiId": "ApiId",
            "name": "StageName",
            "autoDeploy": "AutoDeploy",
            "accessLogSettings": "AccessLogSettings",
            "defaultRouteSettings": "DefaultRouteSettings",
            "description": "Description",
            "tags": to("Tags"),
        },
    ),
    "aws:appautoscaling/policy:Policy": TypeMap(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "name": "PolicyName",
            "policyType": "PolicyType",
            "resourceId": "ResourceId",
            "scalableDimension": "ScalableDimension",
            "serviceNamespace": "ServiceNamespace",
            "stepScalingPolicyConfiguration": _step_scaling,
            "targetTrackingScalingPolicyConfiguration": "TargetTrackingScalingPolicyConfiguration",
        },
    ),
    "aws:appautoscaling/target:Target": TypeMap(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "maxCapacity": "MaxCapacity",
            "minCapacity": "MinCapacity",
            "resourceId": "ResourceId",
            "scalableDimension": "ScalableDimension",
            "serviceNamespace": "ServiceNamespace",
            "roleArn": "RoleARN",
            "tags": "Tags",
        },
    ),
    "aws:autoscaling/group:Group": TypeMap(
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "name": "AutoScalingGroupName",
            "minSize": _count("MinSize"),
            "maxSize": _count("MaxSize"),
            "desiredCapacity": _count("DesiredCapacity"),
            "vpcZoneIdentifiers": "VPCZoneIdentifier",
            "healthCheckType": "HealthCheckType",
            "healthCheckGracePeriod": "HealthCheckGracePeriod",
            "launchTemplate": _group_template,
            "tags": lambda tags: {"Tags": cfn_value(tags)},
        },
    ),
    "aws:budgets/budget:Budget": TypeMap(
        "AWS::Budgets::Budget",
        {
            "name": _budget("BudgetName"),
            "budgetType": _budget("BudgetType"),
            "timeUnit": _budget("TimeUnit"),
            "limitAmount": _budget_limit("Amount"),
            "limitUnit": _budget_limit("Unit"),
            "metrics": _budget_metrics,
            "filterExpression": _budget_expression,
            "notifications": _budget_notifications,
            "tags": lambda value: {
                "ResourceTags": [{"Key": k, "Value": v} for k, v in value.items()]
            },
        },
    ),
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": TypeMap(
        "AWS::Chatbot::SlackChannelConfiguration",
        {
            "configurationName": "ConfigurationName",
            "iamRoleArn": "IamRoleArn",
            "slackChannelId": "SlackChannelId",
            "slackTeamId": "SlackWorkspaceId",
            "snsTopicArns": "SnsTopicArns",
            "guardrailPolicyArns": "GuardrailPolicies",
            "loggingLevel": "LoggingLevel",
            "userAuthorizationRequired": "UserRoleRequired",
            "tags": "Tags",
        },
        {"region": REGION},
    ),
    "aws:cloudwatch/dashboard:Dashboard": TypeMap(
        "AWS::CloudWatch::Dashboard",
        {"dashboardName": "DashboardName", "dashboardBody": "DashboardBody"},
        {"region": REGION},
    ),
    "aws:backup/plan:Plan": TypeMap(
        "AWS::Backup::BackupPlan",
        {
            "name": nested("BackupPlan", "BackupPlanName"),
            "rules": _backup_rules,
            "tags": to("BackupPlanTags"),
        },
    ),
    "aws:backup/selection:Selection": TypeMap(
        "AWS::Backup::BackupSelection",
        {
            "planId": "BackupPlanId",
            "name": nested("BackupSelection", "SelectionName"),
            "iamRoleArn": nested("BackupSelection", "IamRoleArn"),
            "resources": nested("BackupSelection", "Resources"),
        },
    ),
    "aws:backup/vault:Vault": TypeMap(
        "AWS::Backup::BackupVault",
        {
            "name": "BackupVaultName",
            "kmsKeyArn": "EncryptionKeyArn",
            "tags": to("BackupVaultTags"),
        },
        {"forceDestroy": PROVIDER_ONLY + ": deletes the recovery points with the vault"},
    ),
    "aws:cloudwatch/logGroup:LogGroup": TypeMap(
        "AWS::Logs::LogGroup",
        {
            "name": "LogGroupName",
            "retentionInDays": "RetentionInDays",
            "kmsKeyId": "KmsKeyId",
            "logGroupClass": "LogGroupClass",
            "tags": "Tags",
        },
        {"skipDestroy": PROVIDER_ONLY},
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": TypeMap(
        "AWS::CloudWatch::Alarm",
        {
            "name": "AlarmName",
            "alarmDescription": "AlarmDescription",
            "alarmActions": "AlarmActions",
            "okActions": "OKActions",
            "insufficientDataActions": "InsufficientDataActions",
            "actionsEnabled": "ActionsEnabled",
            "comparisonOperator": "ComparisonOperator",
            "evaluationPeriods": "EvaluationPeriods",
            "datapointsToAlarm": "DatapointsToAlarm",
            "metricName": "MetricName",
            "namespace": "Namespace",
            "period": "Period",
            "statistic": "Statistic",
            "extendedStatistic": "ExtendedStatistic",
            "threshold": "Threshold",
            "unit": "Unit",
            "treatMissingData": "TreatMissingData",
            "dimensions": _dimensions,
            "metricQueries": _alarm_metrics,
            "tags": "Tags",
        },
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": TypeMap(
        None,
        reason="adopts the VPC's default group, which CloudFormation cannot manage "
        "(AWS::EC2::SecurityGroup always creates a new group)",
    ),
    "aws:ec2/eip:Eip": TypeMap("AWS::EC2::EIP", {"domain": "Domain", "tags": "Tags"}),
    "aws:ec2/flowLog:FlowLog": TypeMap(
        "AWS::EC2::FlowLog",
        {
            "iamRoleArn": "DeliverLogsPermissionArn",
            "logDestination": "LogDestination",
            "logDestinationType": "LogDestinationType",
            "logFormat": "LogFormat",
            "maxAggregationInterval": "MaxAggregationInterval",
            "trafficType": "TrafficType",
            "vpcId": lambda v: {"ResourceId": v, "ResourceType": "VPC"},
            "tags": "Tags",
        },
    ),
    "aws:ec2/internetGateway:InternetGateway": TypeMap(
        "AWS::EC2::InternetGateway",
        {"tags": "Tags"},
        {
            "vpcId": "the attachment is its own resource in CloudFormation "
            "(AWS::EC2::VPCGatewayAttachment), whose properties are ids"
        },
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": TypeMap(
        "AWS::EC2::LaunchTemplate",
        {
            "name": "LaunchTemplateName",
            "description": "VersionDescription",
            "imageId": _template_data("ImageId"),
            "instanceType": _template_data("InstanceType"),
            "iamInstanceProfile": _template_data("IamInstanceProfile"),
            "networkInterfaces": _template_interfaces,
            "blockDeviceMappings": _template_data("BlockDeviceMappings"),
            "metadataOptions": _template_data("MetadataOptions"),
            "creditSpecification": _template_data("CreditSpecification"),
            "userData": _template_data("UserData"),
            "tagSpecifications": lambda specs: {
                "LaunchTemplateData": {"TagSpecifications": _tag_specifications(specs)}
            },
            # The template's own tags (EC2 API Reference, CreateLaunchTemplate).
            "tags": lambda tags: {
                "TagSpecifications": _tag_specifications(
                    [{"resourceType": "launch-template", "tags": tags}]
                )
            },
        },
    ),
    "aws:ec2/natGateway:NatGateway": TypeMap(
        "AWS::EC2::NatGateway",
        {
            "allocationId": "AllocationId",
            "connectivityType": "ConnectivityType",
            "subnetId": "SubnetId",
            "privateIp": "PrivateIpAddress",
            "tags": "Tags",
        },
    ),
    "aws:ec2/networkInterface:NetworkInterface": TypeMap(
        "AWS::EC2::NetworkInterface",
        {
            "subnetId": "SubnetId",
            "description": "Description",
            "securityGroups": "GroupSet",
            "sourceDestCheck": "SourceDestCheck",
            "privateIp": "PrivateIpAddress",
            "tags": "Tags",
        },
    ),
    "aws:ec2/route:Route": TypeMap(
        "AWS::EC2::Route",
        {
            "routeTableId": "RouteTableId",
            "destinationCidrBlock": "DestinationCidrBlock",
            "gatewayId": "GatewayId",
            "natGatewayId": "NatGatewayId",
            "networkInterfaceId": "NetworkInterfaceId",
            "vpcEndpointId": "VpcEndpointId",
            "transitGatewayId": "TransitGatewayId",
        },
    ),
    "aws:ec2/routeTable:RouteTable": TypeMap(
        "AWS::EC2::RouteTable", {"vpcId": "VpcId", "tags": "Tags"}
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": TypeMap(
        "AWS::EC2::SubnetRouteTableAssociation",
        {"routeTableId": "RouteTableId", "subnetId": "SubnetId"},
    ),
    "aws:ec2/securityGroup:SecurityGroup": TypeMap(
        "AWS::EC2::SecurityGroup",
        {
            "name": "GroupName",
            "description": "GroupDescription",
            "vpcId": "VpcId",
            "tags": "Tags",
        },
        {"revokeRulesOnDelete": PROVIDER_ONLY},
    ),
    "aws:ec2/subnet:Subnet": TypeMap(
        "AWS::EC2::Subnet",
        {
            "vpcId": "VpcId",
            "cidrBlock": "CidrBlock",
            "availabilityZone": "AvailabilityZone",
            "mapPublicIpOnLaunch": "MapPublicIpOnLaunch",
            "tags": "Tags",
        },
    ),
    "aws:ec2/vpc:Vpc": TypeMap(
        "AWS::EC2::VPC",
        {
            "cidrBlock": "CidrBlock",
            "enableDnsHostnames": "EnableDnsHostnames",
            "enableDnsSupport": "EnableDnsSupport",
            "instanceTenancy": "InstanceTenancy",
            "tags": "Tags",
        },
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": TypeMap(
        "AWS::EC2::VPCEndpoint",
        {
            "vpcId": "VpcId",
            "serviceName": "ServiceName",
            "vpcEndpointType": "VpcEndpointType",
            "routeTableIds": "RouteTableIds",
            "subnetIds": "SubnetIds",
            "securityGroupIds": "SecurityGroupIds",
            "privateDnsEnabled": "PrivateDnsEnabled",
            "policy": json_doc("PolicyDocument"),
            "tags": "Tags",
        },
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": TypeMap(
        "AWS::EC2::SecurityGroupIngress",
        {
            "securityGroupId": "GroupId",
            "ipProtocol": "IpProtocol",
            "fromPort": "FromPort",
            "toPort": "ToPort",
            "cidrIpv4": "CidrIp",
            "cidrIpv6": "CidrIpv6",
            "referencedSecurityGroupId": "SourceSecurityGroupId",
            "prefixListId": "SourcePrefixListId",
            "description": "Description",
        },
        {"tags": "CloudFormation's AWS::EC2::SecurityGroupIngress has no Tags property"},
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": TypeMap(
        "AWS::EC2::SecurityGroupEgress",
        {
            "securityGroupId": "GroupId",
            "ipProtocol": "IpProtocol",
            "fromPort": "FromPort",
            "toPort": "ToPort",
            "cidrIpv4": "CidrIp",
            "cidrIpv6": "CidrIpv6",
            "referencedSecurityGroupId": "DestinationSecurityGroupId",
            "prefixListId": "DestinationPrefixListId",
            "description": "Description",
        },
        {"tags": "CloudFormation's AWS::EC2::SecurityGroupEgress has no Tags property"},
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": TypeMap(
        # CloudFormation sets the lifecycle policy on the repository itself.
        "AWS::ECR::Repository",
        {
            "repository": "RepositoryName",
            "policy": nested("LifecyclePolicy", "LifecyclePolicyText"),
        },
    ),
    "aws:ecr/repository:Repository": TypeMap(
        "AWS::ECR::Repository",
        {
            "name": "RepositoryName",
            "imageTagMutability": "ImageTagMutability",
            "imageScanningConfiguration": "ImageScanningConfiguration",
            "encryptionConfigurations": one_element("EncryptionConfiguration"),
            "tags": "Tags",
        },
        {"forceDelete": PROVIDER_ONLY + ": deletes images with the repository"},
    ),
    "aws:ecs/cluster:Cluster": TypeMap(
        "AWS::ECS::Cluster",
        {"name": "ClusterName", "settings": "ClusterSettings", "tags": "Tags"},
    ),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": TypeMap(
        "AWS::ECS::ClusterCapacityProviderAssociations",
        {
            "clusterName": "Cluster",
            "capacityProviders": "CapacityProviders",
            "defaultCapacityProviderStrategies": "DefaultCapacityProviderStrategy",
        },
    ),
    "aws:ecs/service:Service": TypeMap(
        "AWS::ECS::Service",
        {
            "name": "ServiceName",
            "cluster": "Cluster",
            "taskDefinition": "TaskDefinition",
            "desiredCount": "DesiredCount",
            "launchType": "LaunchType",
            "platformVersion": "PlatformVersion",
            "capacityProviderStrategies": "CapacityProviderStrategy",
            "availabilityZoneRebalancing": "AvailabilityZoneRebalancing",
            "deploymentCircuitBreaker": _deployment("DeploymentCircuitBreaker"),
            "deploymentMaximumPercent": _deployment("MaximumPercent"),
            "deploymentMinimumHealthyPercent": _deployment("MinimumHealthyPercent"),
            "enableExecuteCommand": "EnableExecuteCommand",
            "enableEcsManagedTags": "EnableECSManagedTags",
            "healthCheckGracePeriodSeconds": "HealthCheckGracePeriodSeconds",
            "loadBalancers": "LoadBalancers",
            "networkConfiguration": _service_network,
            "propagateTags": "PropagateTags",
            "forceNewDeployment": nested("ForceNewDeployment", "EnableForceNewDeployment"),
            "tags": "Tags",
        },
        {
            "waitForSteadyState": PROVIDER_ONLY + ": the provider waits for the deployment",
            "triggers": PROVIDER_ONLY + ": values whose change forces a new deployment",
        },
    ),
    "aws:ecs/taskDefinition:TaskDefinition": TypeMap(
        "AWS::ECS::TaskDefinition",
        {
            "family": "Family",
            "cpu": "Cpu",
            "memory": "Memory",
            "networkMode": "NetworkMode",
            "requiresCompatibilities": "RequiresCompatibilities",
            "executionRoleArn": "ExecutionRoleArn",
            "taskRoleArn": "TaskRoleArn",
            "runtimePlatform": "RuntimePlatform",
            "volumes": "Volumes",
            "ephemeralStorage": "EphemeralStorage",
            "containerDefinitions": _container_definitions,
            "tags": "Tags",
        },
        {"skipDestroy": PROVIDER_ONLY},
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": TypeMap(
        "AWS::ElastiCache::ReplicationGroup",
        {
            "replicationGroupId": "ReplicationGroupId",
            "description": "ReplicationGroupDescription",
            "engine": "Engine",
            "engineVersion": "EngineVersion",
            "nodeType": "CacheNodeType",
            "numCacheClusters": "NumCacheClusters",
            "port": "Port",
            "parameterGroupName": "CacheParameterGroupName",
            "subnetGroupName": "CacheSubnetGroupName",
            "securityGroupIds": "SecurityGroupIds",
            "preferredCacheClusterAzs": "PreferredCacheClusterAZs",
            "automaticFailoverEnabled": "AutomaticFailoverEnabled",
            "multiAzEnabled": "MultiAZEnabled",
            "atRestEncryptionEnabled": "AtRestEncryptionEnabled",
            "transitEncryptionEnabled": "TransitEncryptionEnabled",
            "transitEncryptionMode": "TransitEncryptionMode",
            "kmsKeyId": "KmsKeyId",
            "authToken": "AuthToken",
            "autoMinorVersionUpgrade": "AutoMinorVersionUpgrade",
            "maintenanceWindow": "PreferredMaintenanceWindow",
            "snapshotRetentionLimit": "SnapshotRetentionLimit",
            "snapshotWindow": "SnapshotWindow",
            "userGroupIds": "UserGroupIds",
            "logDeliveryConfigurations": _cache_logs,
            "tags": "Tags",
        },
        {
            "applyImmediately": APPLY,
            "authTokenUpdateStrategy": "how ModifyReplicationGroup rotates the AUTH token "
            "(an API call parameter)",
            "finalSnapshotIdentifier": DELETION,
        },
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": TypeMap(
        "AWS::ElastiCache::SubnetGroup",
        {
            "name": "CacheSubnetGroupName",
            "description": "Description",
            "subnetIds": "SubnetIds",
            "tags": "Tags",
        },
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": TypeMap(
        "AWS::IAM::OIDCProvider",
        {
            "url": "Url",
            "clientIdLists": "ClientIdList",
            "thumbprintLists": "ThumbprintList",
            "tags": "Tags",
        },
    ),
    "aws:iam/policy:Policy": TypeMap(
        "AWS::IAM::ManagedPolicy",
        {
            "name": "ManagedPolicyName",
            "description": "Description",
            "path": "Path",
            "policy": json_doc("PolicyDocument"),
        },
        {"tags": "CloudFormation's AWS::IAM::ManagedPolicy has no Tags property"},
    ),
    "aws:iam/instanceProfile:InstanceProfile": TypeMap(
        "AWS::IAM::InstanceProfile",
        {"name": "InstanceProfileName", "path": "Path", "role": wrapped("Roles")},
        {"tags": "CloudFormation's AWS::IAM::InstanceProfile has no Tags property"},
    ),
    "aws:iam/role:Role": TypeMap(
        "AWS::IAM::Role",
        {
            "name": "RoleName",
            "description": "Description",
            "path": "Path",
            "assumeRolePolicy": json_doc("AssumeRolePolicyDocument"),
            "maxSessionDuration": "MaxSessionDuration",
            "permissionsBoundary": "PermissionsBoundary",
            "managedPolicyArns": "ManagedPolicyArns",
            "tags": "Tags",
        },
        {"forceDetachPolicies": PROVIDER_ONLY},
    ),
    "aws:iam/rolePolicy:RolePolicy": TypeMap(
        "AWS::IAM::RolePolicy",
        {"role": "RoleName", "name": "PolicyName", "policy": json_doc("PolicyDocument")},
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": TypeMap(
        None,
        reason="CloudFormation attaches managed policies through AWS::IAM::Role "
        "ManagedPolicyArns; the attachment has no type of its own",
    ),
    "aws:kms/alias:Alias": TypeMap(
        "AWS::KMS::Alias", {"name": "AliasName", "targetKeyId": "TargetKeyId"}
    ),
    "aws:kms/key:Key": TypeMap(
        "AWS::KMS::Key",
        {
            "description": "Description",
            "enableKeyRotation": "EnableKeyRotation",
            "deletionWindowInDays": "PendingWindowInDays",
            "policy": json_doc("KeyPolicy"),
            "keyUsage": "KeyUsage",
            "customerMasterKeySpec": "KeySpec",
            "isEnabled": "Enabled",
            "multiRegion": "MultiRegion",
            "rotationPeriodInDays": "RotationPeriodInDays",
            "bypassPolicyLockoutSafetyCheck": "BypassPolicyLockoutSafetyCheck",
            "tags": "Tags",
        },
    ),
    "aws:lambda/eventSourceMapping:EventSourceMapping": TypeMap(
        "AWS::Lambda::EventSourceMapping",
        {
            "eventSourceArn": "EventSourceArn",
            "functionName": "FunctionName",
            "batchSize": "BatchSize",
            "enabled": "Enabled",
            "maximumBatchingWindowInSeconds": "MaximumBatchingWindowInSeconds",
            "functionResponseTypes": "FunctionResponseTypes",
            "scalingConfig": "ScalingConfig",
            "startingPosition": "StartingPosition",
            "filterCriteria": "FilterCriteria",
            "tags": "Tags",
        },
    ),
    "aws:lambda/function:Function": TypeMap(
        "AWS::Lambda::Function",
        {
            "name": "FunctionName",
            "description": "Description",
            "role": "Role",
            "runtime": "Runtime",
            "handler": "Handler",
            "architectures": "Architectures",
            "memorySize": "MemorySize",
            "timeout": "Timeout",
            "reservedConcurrentExecutions": "ReservedConcurrentExecutions",
            "kmsKeyArn": "KmsKeyArn",
            "environment": "Environment",
            "deadLetterConfig": "DeadLetterConfig",
            "tracingConfig": "TracingConfig",
            "loggingConfig": "LoggingConfig",
            "vpcConfig": "VpcConfig",
            "layers": "Layers",
            "ephemeralStorage": "EphemeralStorage",
            "packageType": "PackageType",
            "tags": "Tags",
        },
        {
            "code": "a local archive the provider uploads; CloudFormation's Code names an S3 "
            "object or inline source",
            "sourceCodeHash": PROVIDER_ONLY + ": detects code changes",
            "publish": PROVIDER_ONLY + ": publishes a version (AWS::Lambda::Version)",
        },
    ),
    "aws:lambda/permission:Permission": TypeMap(
        "AWS::Lambda::Permission",
        {
            "action": "Action",
            "function": "FunctionName",
            "principal": "Principal",
            "sourceArn": "SourceArn",
            "sourceAccount": "SourceAccount",
        },
        {"statementId": "CloudFormation generates the statement id"},
    ),
    "aws:lb/listener:Listener": TypeMap(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "loadBalancerArn": "LoadBalancerArn",
            "port": "Port",
            "protocol": "Protocol",
            "sslPolicy": "SslPolicy",
            "certificateArn": lambda v: {"Certificates": [{"CertificateArn": v}]},
            "defaultActions": _lb_actions("DefaultActions"),
            "tags": "Tags",
        },
    ),
    "aws:lb/listenerRule:ListenerRule": TypeMap(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {
            "listenerArn": "ListenerArn",
            "priority": "Priority",
            "actions": _lb_actions("Actions"),
            "conditions": _rule_conditions,
            "tags": "Tags",
        },
    ),
    "aws:lb/loadBalancer:LoadBalancer": TypeMap(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "name": "Name",
            "loadBalancerType": "Type",
            "internal": lambda v: {"Scheme": "internal" if v else "internet-facing"},
            "securityGroups": "SecurityGroups",
            "subnets": "Subnets",
            "ipAddressType": "IpAddressType",
            "enableDeletionProtection": _load_balancer_attribute("deletion_protection.enabled"),
            "idleTimeout": _load_balancer_attribute(
                "idle_timeout.timeout_seconds", lambda v: str(_number(v))
            ),
            "dropInvalidHeaderFields": _load_balancer_attribute(
                "routing.http.drop_invalid_header_fields.enabled"
            ),
            "desyncMitigationMode": _load_balancer_attribute(
                "routing.http.desync_mitigation_mode", str
            ),
            "accessLogs": _access_logs,
            "tags": "Tags",
        },
    ),
    "aws:lb/targetGroup:TargetGroup": TypeMap(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "name": "Name",
            "port": "Port",
            "protocol": "Protocol",
            "protocolVersion": "ProtocolVersion",
            "targetType": "TargetType",
            "vpcId": "VpcId",
            "healthCheck": _health_check,
            "deregistrationDelay": attributes(
                "TargetGroupAttributes",
                "deregistration_delay.timeout_seconds",
                lambda v: str(_number(v)),
            ),
            "tags": "Tags",
        },
    ),
    "aws:rds/cluster:Cluster": TypeMap(
        "AWS::RDS::DBCluster",
        {
            "clusterIdentifier": "DBClusterIdentifier",
            "engine": "Engine",
            "engineMode": "EngineMode",
            "engineVersion": "EngineVersion",
            "databaseName": "DatabaseName",
            "masterUsername": "MasterUsername",
            "manageMasterUserPassword": "ManageMasterUserPassword",
            "masterUserSecretKmsKeyId": nested("MasterUserSecret", "KmsKeyId"),
            "iamDatabaseAuthenticationEnabled": "EnableIAMDatabaseAuthentication",
            "storageEncrypted": "StorageEncrypted",
            "kmsKeyId": "KmsKeyId",
            "dbSubnetGroupName": "DBSubnetGroupName",
            "vpcSecurityGroupIds": "VpcSecurityGroupIds",
            "dbClusterParameterGroupName": "DBClusterParameterGroupName",
            "serverlessv2ScalingConfiguration": "ServerlessV2ScalingConfiguration",
            "port": "Port",
            "backupRetentionPeriod": "BackupRetentionPeriod",
            "preferredBackupWindow": "PreferredBackupWindow",
            "preferredMaintenanceWindow": "PreferredMaintenanceWindow",
            "copyTagsToSnapshot": "CopyTagsToSnapshot",
            "deletionProtection": "DeletionProtection",
            "enabledCloudwatchLogsExports": "EnableCloudwatchLogsExports",
            "autoMinorVersionUpgrade": "AutoMinorVersionUpgrade",
            "availabilityZones": "AvailabilityZones",
            "tags": "Tags",
        },
        {
            "allowMajorVersionUpgrade": "ModifyDBCluster's consent to a major upgrade "
            "(an API call parameter)",
            "applyImmediately": APPLY,
            "skipFinalSnapshot": DELETION,
            "finalSnapshotIdentifier": DELETION,
        },
    ),
    "aws:rds/clusterInstance:ClusterInstance": TypeMap(
        "AWS::RDS::DBInstance",
        {
            "identifier": "DBInstanceIdentifier",
            "clusterIdentifier": "DBClusterIdentifier",
            "instanceClass": "DBInstanceClass",
            "engine": "Engine",
            "engineVersion": "EngineVersion",
            "availabilityZone": "AvailabilityZone",
            "publiclyAccessible": "PubliclyAccessible",
            "autoMinorVersionUpgrade": "AutoMinorVersionUpgrade",
            "caCertIdentifier": "CACertificateIdentifier",
            "promotionTier": "PromotionTier",
            "performanceInsightsEnabled": "EnablePerformanceInsights",
            "performanceInsightsKmsKeyId": "PerformanceInsightsKMSKeyId",
            "performanceInsightsRetentionPeriod": "PerformanceInsightsRetentionPeriod",
            "monitoringInterval": "MonitoringInterval",
            "monitoringRoleArn": "MonitoringRoleArn",
            "dbParameterGroupName": "DBParameterGroupName",
            "applyImmediately": "ApplyImmediately",
            "preferredMaintenanceWindow": "PreferredMaintenanceWindow",
            "tags": "Tags",
        },
    ),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": TypeMap(
        "AWS::RDS::DBClusterParameterGroup",
        {
            "name": "DBClusterParameterGroupName",
            "family": "Family",
            "description": "Description",
            "parameters": _parameters,
            "tags": "Tags",
        },
    ),
    "aws:rds/subnetGroup:SubnetGroup": TypeMap(
        "AWS::RDS::DBSubnetGroup",
        {
            "name": "DBSubnetGroupName",
            "description": "DBSubnetGroupDescription",
            "subnetIds": "SubnetIds",
            "tags": "Tags",
        },
    ),
    "aws:route53/record:Record": TypeMap(
        "AWS::Route53::RecordSet",
        {
            "zoneId": "HostedZoneId",
            "name": "Name",
            "type": "Type",
            "ttl": lambda v: {"TTL": str(_number(v))},
            "records": "ResourceRecords",
            "aliases": _alias_target,
            "setIdentifier": "SetIdentifier",
            "healthCheckId": "HealthCheckId",
        },
        {"allowOverwrite": PROVIDER_ONLY + ": UPSERT instead of CREATE"},
    ),
    "aws:s3/bucket:Bucket": TypeMap(
        "AWS::S3::Bucket",
        {"bucket": "BucketName", "objectLockEnabled": "ObjectLockEnabled", "tags": "Tags"},
        {"forceDestroy": PROVIDER_ONLY + ": empties the bucket before deleting it"},
    ),
    # CloudFormation sets these on the bucket itself (AWS::S3::Bucket properties).
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": TypeMap(
        "AWS::S3::Bucket", {"bucket": "BucketName", "rules": _lifecycle_rules}
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": TypeMap(
        "AWS::S3::Bucket",
        {
            "bucket": "BucketName",
            "rule": lambda v: {"OwnershipControls": {"Rules": [cfn_value(v)]}},
        },
    ),
    "aws:s3/bucketPolicy:BucketPolicy": TypeMap(
        "AWS::S3::BucketPolicy", {"bucket": "Bucket", "policy": json_doc("PolicyDocument")}
    ),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": TypeMap(
        "AWS::S3::Bucket",
        {
            "bucket": "BucketName",
            **{
                key: nested("PublicAccessBlockConfiguration", key[:1].upper() + key[1:])
                for key in (
                    "blockPublicAcls",
                    "blockPublicPolicy",
                    "ignorePublicAcls",
                    "restrictPublicBuckets",
                )
            },
        },
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        TypeMap("AWS::S3::Bucket", {"bucket": "BucketName", "rules": _encryption_rules})
    ),
    "aws:s3/bucketVersioning:BucketVersioning": TypeMap(
        "AWS::S3::Bucket",
        {"bucket": "BucketName", "versioningConfiguration": "VersioningConfiguration"},
    ),
    "aws:secretsmanager/secret:Secret": TypeMap(
        "AWS::SecretsManager::Secret",
        {"name": "Name", "description": "Description", "kmsKeyId": "KmsKeyId", "tags": "Tags"},
        {
            "recoveryWindowInDays": "DeleteSecret's recovery window (an API call parameter)",
            "forceOverwriteReplicaSecret": PROVIDER_ONLY,
        },
    ),
    "aws:secretsmanager/secretRotation:SecretRotation": TypeMap(
        "AWS::SecretsManager::RotationSchedule",
        {
            "secretId": "SecretId",
            "rotationLambdaArn": "RotationLambdaARN",
            "rotationRules": "RotationRules",
        },
        {"rotateImmediately": "RotateSecret's RotateImmediately (an API call parameter)"},
    ),
    "aws:secretsmanager/secretVersion:SecretVersion": TypeMap(
        None,
        reason="CloudFormation sets a secret's value on AWS::SecretsManager::Secret "
        "(SecretString); a version has no type of its own",
    ),
    "aws:sns/topic:Topic": TypeMap(
        "AWS::SNS::Topic",
        {
            "name": "TopicName",
            "displayName": "DisplayName",
            "kmsMasterKeyId": "KmsMasterKeyId",
            "fifoTopic": "FifoTopic",
            "contentBasedDeduplication": "ContentBasedDeduplication",
            "tags": "Tags",
        },
    ),
    "aws:sns/topicSubscription:TopicSubscription": TypeMap(
        "AWS::SNS::Subscription",
        {
            "topic": "TopicArn",
            "protocol": "Protocol",
            "endpoint": "Endpoint",
            "rawMessageDelivery": "RawMessageDelivery",
            "filterPolicy": json_doc("FilterPolicy"),
            "filterPolicyScope": "FilterPolicyScope",
            "deliveryPolicy": json_doc("DeliveryPolicy"),
            "redrivePolicy": json_doc("RedrivePolicy"),
            "subscriptionRoleArn": "SubscriptionRoleArn",
        },
        {
            "endpointAutoConfirms": PROVIDER_ONLY + ": the endpoint confirms itself, so the "
            "provider waits for the confirmation",
            "confirmationTimeoutInMinutes": PROVIDER_ONLY,
        },
    ),
    "aws:sns/topicPolicy:TopicPolicy": TypeMap(
        "AWS::SNS::TopicPolicy", {"arn": wrapped("Topics"), "policy": json_doc("PolicyDocument")}
    ),
    "aws:sqs/queue:Queue": TypeMap(
        "AWS::SQS::Queue",
        {
            "name": "QueueName",
            "fifoQueue": "FifoQueue",
            "contentBasedDeduplication": "ContentBasedDeduplication",
            "deduplicationScope": "DeduplicationScope",
            "fifoThroughputLimit": "FifoThroughputLimit",
            "delaySeconds": "DelaySeconds",
            "maxMessageSize": "MaximumMessageSize",
            "messageRetentionSeconds": "MessageRetentionPeriod",
            "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
            "visibilityTimeoutSeconds": "VisibilityTimeout",
            "kmsMasterKeyId": "KmsMasterKeyId",
            "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
            "sqsManagedSseEnabled": "SqsManagedSseEnabled",
            "redrivePolicy": json_doc("RedrivePolicy"),
            "redriveAllowPolicy": json_doc("RedriveAllowPolicy"),
            "tags": "Tags",
        },
    ),
    "aws:sqs/queuePolicy:QueuePolicy": TypeMap(
        "AWS::SQS::QueuePolicy",
        {"queueUrl": wrapped("Queues"), "policy": json_doc("PolicyDocument")},
    ),
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": TypeMap(
        # CloudFormation sets the redrive-allow policy on the queue itself.
        "AWS::SQS::Queue",
        {"redriveAllowPolicy": json_doc("RedriveAllowPolicy")},
        {"queueUrl": "names the queue the policy is set on (its QueueUrl attribute)"},
    ),
    "aws:wafv2/webAcl:WebAcl": TypeMap(
        "AWS::WAFv2::WebACL",
        {
            "name": "Name",
            "description": "Description",
            "scope": "Scope",
            "defaultAction": "DefaultAction",
            "rules": "Rules",
            "visibilityConfig": "VisibilityConfig",
            "tags": "Tags",
        },
    ),
    "aws:wafv2/webAclAssociation:WebAclAssociation": TypeMap(
        "AWS::WAFv2::WebACLAssociation",
        {"resourceArn": "ResourceArn", "webAclArn": "WebACLArn"},
    ),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": TypeMap(
        "AWS::WAFv2::LoggingConfiguration",
        {
            "resourceArn": "ResourceArn",
            "logDestinationConfigs": "LogDestinationConfigs",
            "redactedFields": "RedactedFields",
            "loggingFilter": "LoggingFilter",
        },
    ),
}


def type_map(pulumi_type: str) -> TypeMap | None:
    return TYPES.get(pulumi_type)


def logical_id(name: str) -> str:
    """A CloudFormation logical id (alphanumeric) for a Pulumi logical name."""
    return re.sub(r"[^A-Za-z0-9]", "", name.title()) or "Resource"
