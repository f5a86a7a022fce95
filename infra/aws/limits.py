"""Limits AWS itself enforces, each with the page that states it.

Facts, not choices: the config checks against them so a value AWS would refuse
fails before the first resource is registered, and the components use them where
they set the same values. Pure data (no Pulumi, no AWS calls).
"""

from __future__ import annotations

# CloudWatch Logs accepts only these retention periods (days).
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)  # fmt: skip

# Fargate task sizes: CPU units (1024 = 1 vCPU) -> the memory sizes (MiB) Fargate offers
# with them (Linux, up to 4 vCPU).
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
}

# Aurora Serverless v2 capacity: ACUs in half steps, at most 256 per instance.
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html
AURORA_MAX_ACU = 256
AURORA_ACU_STEP = 0.5
# Idle time before an instance at 0 ACU pauses (seconds).
AURORA_AUTO_PAUSE_SECONDS = (300, 86_400)
# Aurora PostgreSQL major version -> the first minor that scales to 0 ACU (auto-pause).
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
AURORA_PG_MIN_VERSION_FOR_ZERO: dict[int, int] = {13: 15, 14: 12, 15: 7, 16: 3, 17: 1}

# RDS enhanced monitoring intervals (seconds; 0 turns it off).
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
RDS_MONITORING_INTERVALS: tuple[int, ...] = (0, 1, 5, 10, 15, 30, 60)

# ElastiCache engine versions that support encryption in transit with AUTH tokens,
# by engine (the versions this program accepts).
# https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html
ELASTICACHE_TLS_AUTH_VERSIONS: dict[str, tuple[str, ...]] = {
    "redis": ("7.0", "7.1"),
    "valkey": ("7.2", "8.0", "8.1"),
}

# The longest SQS keeps a message (seconds; 14 days).
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
SQS_MAX_RETENTION_SECONDS = 14 * 24 * 3600

# AWS Chatbot (Amazon Q Developer in chat applications) is a global service whose API
# answers in us-east-2, not in every region: `aws chatbot ...` against us-east-1 finds no
# endpoint (aws/aws-cli#8658), and CloudFormation stacks in us-east-1 call
# chatbot:CreateSlackChannelConfiguration in us-east-2 (aws/aws-cdk#24675; AWS Chatbot
# Administrator Guide, "Troubleshooting", as cited by trussworks/terraform-aws-ou-scp#50).
CHATBOT_API_REGION = "us-east-2"
# A Slack channel id as AWS::Chatbot::SlackChannelConfiguration takes it (its CloudFormation
# schema: SlackChannelId ^[A-Za-z0-9]+$, 1-256 characters).
SLACK_CHANNEL_ID = r"^[A-Za-z0-9]{1,256}$"

# AWS Budgets notification thresholds (percent of the limit): 0.1 to 1,000,000,000
# (AWS::Budgets::Budget schema, Notification.Threshold).
BUDGET_THRESHOLD_PERCENT = (0.1, 1_000_000_000)
# A budget takes at most 5 notifications (AWS Billing User Guide, "Quotas and
# restrictions": notifications per budget).
BUDGET_MAX_NOTIFICATIONS = 5
# AWS WAF rate-based rule: requests per aggregation key (here a client IP) in the
# evaluation window (5 minutes by default) before the rule acts.
# https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html
WAF_RATE_LIMIT = (10, 2_000_000_000)

# AWS Backup rule lifecycle: DeleteAfterDays is at least 1 (no upper limit in the API;
# this program takes at most 100 years).
# https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html
BACKUP_RETENTION_DAYS = (1, 36_500)

# Secrets Manager rotation schedule: AutomaticallyAfterDays 1-1000.
# https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotationRulesType.html
SECRET_ROTATION_DAYS = (1, 1000)
