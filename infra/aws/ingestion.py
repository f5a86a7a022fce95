"""`IngestionApi`: API Gateway HTTP API -> ingestion Lambda -> `inbound-gateway`.

- The route requires authorization (IAM SigV4 or a JWT authorizer, from config);
  the stage has JSON access logs and throttling.
- The Lambda (code in `infra/functions/ingest/`) has X-Ray tracing, its own
  dead-letter queue, reserved concurrency, and permissions for exactly: writing
  its log group, sending to `inbound-gateway` and its DLQ, and consuming
  `fetch-request`.
- The self-healing loop: `fetch-request` feeds the Lambda through an event source
  mapping with partial batch responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.aws.alarms import AlarmTopics, dead_letter_alarm, function_errors_alarm
from infra.aws.limits import SQS_MAX_RETENTION_SECONDS
from infra.aws.policy_documents import service_trust
from infra.blueprint import INGEST
from infra.config import ApiAuthorization, IngestionConfig, LogsConfig

CODE_DIR = Path(__file__).resolve().parent.parent / "functions" / "ingest"
RUNTIME = aws.lambda_.Runtime.PYTHON3D13
ROUTE = "POST /ingest"
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "integrationError": "$context.integrationErrorMessage",
    "principal": "$context.identity.userArn",
}


@dataclass(frozen=True, kw_only=True)
class IngestionApiArgs:
    """What the `IngestionApi` is built from: the `ingestion` section plus its wiring.

    - `settings`: `authorization` (iam: SigV4; jwt: `jwt.issuer`, an https URL, and
      `jwt.audience`), `throttle_burst` (1-5000 requests) and `throttle_rate`
      (requests per second, up to 10,000), `reserved_concurrency` (2-1000
      concurrent executions; 2 is the least an SQS event source scales to,
      https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html) and
      `fetch_batch_size` (1-10 messages per invocation).
    - `logs`: the retention (days) of the function and access log groups.
    - `inbound_queue_url`, `inbound_queue_arn`: the queue the function sends to;
      `fetch_queue_arn`: the queue that invokes it (`infra.blueprint.INGEST`).
    - `alarm_topics` (function errors notify; a failed event in its DLQ pages);
      `kms_key_arn`: the key of logs, environment and queues,
      or None.
    - `protect`: Pulumi `protect` on the log groups and the function's DLQ (from
      config).
    """

    settings: IngestionConfig
    logs: LogsConfig
    inbound_queue_url: pulumi.Input[str]
    inbound_queue_arn: pulumi.Input[str]
    fetch_queue_arn: pulumi.Input[str]
    alarm_topics: AlarmTopics
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False


class IngestionApi(pulumi.ComponentResource):
    endpoint: pulumi.Output[str]
    route_arn: pulumi.Output[str]
    api_id: pulumi.Output[str]
    function_name: pulumi.Output[str]
    dlq_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: IngestionApiArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:ingestion:IngestionApi", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        function_name = naming.physical_name(f"{name}-fn", max_length=64)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-fn-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=args.logs.retention_days,
            kms_key_id=args.kms_key_arn,
            opts=stateful,
        )
        dlq = aws.sqs.Queue(
            f"{name}-fn-dlq",
            name=naming.physical_name(f"{name}-fn-dlq", max_length=80),
            message_retention_seconds=SQS_MAX_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True if args.kms_key_arn is None else None,
            kms_master_key_id=args.kms_key_arn,
            opts=stateful,
        )

        role = aws.iam.Role(
            f"{name}-fn-role",
            name=naming.physical_name(f"{name}-fn", max_length=64),
            assume_role_policy=service_trust("lambda.amazonaws.com", account),
            opts=child,
        )
        statements: list[dict[str, Any]] = [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [pulumi.Output.concat(log_group.arn, ":*")],
            },
            {
                "Sid": "EnqueueInbound",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": [args.inbound_queue_arn, dlq.arn],
            },
            {
                "Sid": "ConsumeFetchRequests",
                "Effect": "Allow",
                "Action": [
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueAttributes",
                ],
                "Resource": [args.fetch_queue_arn],
            },
            # X-Ray's write actions have no resource-level permissions: "*" is the only form.
            {
                "Sid": "Tracing",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            },
        ]
        if args.kms_key_arn is not None:
            statements.append(
                {
                    "Sid": "UseQueueKey",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": [args.kms_key_arn],
                }
            )
        role_policy = aws.iam.RolePolicy(
            f"{name}-fn-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
            opts=child,
        )

        function = aws.lambda_.Function(
            f"{name}-fn",
            name=function_name,
            runtime=RUNTIME,
            handler="handler.handler",
            code=pulumi.FileArchive(str(CODE_DIR)),
            role=role.arn,
            timeout=INGEST.timeout_seconds,
            memory_size=256,
            architectures=["arm64"],
            reserved_concurrent_executions=settings.reserved_concurrency,
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(target_arn=dlq.arn),
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={"INBOUND_QUEUE_URL": args.inbound_queue_url}
            ),
            kms_key_arn=args.kms_key_arn,
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=log_group.name
            ),
            # Lambda checks at creation that the role may send to the DLQ.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
        )

        # The self-healing loop: fetch-request -> this function, reporting per-record failures.
        aws.lambda_.EventSourceMapping(
            f"{name}-fetch-requests",
            event_source_arn=args.fetch_queue_arn,
            function_name=function.arn,
            batch_size=settings.fetch_batch_size,
            maximum_batching_window_in_seconds=5,
            function_response_types=["ReportBatchItemFailures"],
            scaling_config=aws.lambda_.EventSourceMappingScalingConfigArgs(
                maximum_concurrency=min(settings.reserved_concurrency, 1000)
            ),
            opts=child,
        )

        api = aws.apigatewayv2.Api(
            f"{name}-api",
            name=naming.physical_name(name, max_length=128),
            protocol_type="HTTP",
            description="ΛΞVON ingestion API",
            opts=child,
        )
        integration = aws.apigatewayv2.Integration(
            f"{name}-integration",
            api_id=api.id,
            integration_type="AWS_PROXY",
            integration_uri=function.invoke_arn,
            payload_format_version="2.0",
            timeout_milliseconds=INGEST.timeout_seconds * 1000,
            opts=child,
        )
        authorizer_id: pulumi.Input[str] | None = None
        if settings.jwt is not None:
            authorizer_id = aws.apigatewayv2.Authorizer(
                f"{name}-jwt",
                api_id=api.id,
                name=naming.physical_name(f"{name}-jwt", max_length=128),
                authorizer_type="JWT",
                identity_sources=["$request.header.Authorization"],
                jwt_configuration=aws.apigatewayv2.AuthorizerJwtConfigurationArgs(
                    issuer=settings.jwt.issuer, audiences=settings.jwt.audience
                ),
                opts=child,
            ).id
        aws.apigatewayv2.Route(
            f"{name}-route",
            api_id=api.id,
            route_key=ROUTE,
            target=pulumi.Output.concat("integrations/", integration.id),
            authorization_type=(
                "AWS_IAM" if settings.authorization is ApiAuthorization.IAM else "JWT"
            ),
            authorizer_id=authorizer_id,
            opts=child,
        )
        access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=f"/{naming.prefix()}/apigateway/{name}",
            retention_in_days=args.logs.retention_days,
            kms_key_id=args.kms_key_arn,
            opts=stateful,
        )
        stage = aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=api.id,
            name="$default",
            auto_deploy=True,
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=access_logs.arn,
                format=pulumi.Output.json_dumps(ACCESS_LOG_FORMAT),
            ),
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_burst_limit=settings.throttle_burst,
                throttling_rate_limit=settings.throttle_rate,
                detailed_metrics_enabled=True,
            ),
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(api.execution_arn, "/*/*"),
            opts=child,
        )

        function_errors_alarm(
            f"{name}-fn-errors",
            parent=self,
            description="ingestion Lambda errors",
            topics=args.alarm_topics,
            function_name=function.name,
            errors=5,
            minutes=5,
        )
        dead_letter_alarm(
            f"{name}-fn-dlq-not-empty",
            parent=self,
            description="an ingestion event failed every retry and reached the function's DLQ",
            topics=args.alarm_topics,
            queue_name=dlq.name,
        )

        self.endpoint = stage.invoke_url
        # What a caller's IAM policy names to invoke the route (any stage).
        method, path = ROUTE.split(" ", 1)
        self.route_arn = pulumi.Output.concat(api.execution_arn, "/*/", method, path)
        self.api_id = api.id
        self.function_name = function.name
        self.dlq_name = dlq.name
        self.role_arn = role.arn
        self.register_outputs({"endpoint": self.endpoint, "functionName": self.function_name})
