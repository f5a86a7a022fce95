"""`WebFirewall`: an AWS WAF web ACL in front of the public load balancer, logged.

Rules, in the order WAF evaluates them (lowest priority number first):

1. `rate-limit`: a client IP sending more than `rateLimit` requests in 5 minutes
   is blocked until its rate falls (a rate-based rule aggregated by IP);
2. `AWSManagedRulesAmazonIpReputationList`: addresses Amazon threat intelligence
   lists as bots or attackers;
3. `AWSManagedRulesKnownBadInputsRuleSet`: request patterns known to be invalid or
   to exploit vulnerabilities (Log4j JNDI lookups among them);
4. `AWSManagedRulesCommonRuleSet`: the OWASP-style baseline. Its
   `SizeRestrictions_BODY` blocks request bodies over 8 KB; a service that takes
   larger bodies needs that rule overridden to count.

Everything else is allowed. Every request WAF inspects is logged to a CloudWatch
log group whose name starts with `aws-waf-logs-` (WAF refuses any other), with the
`authorization` and `cookie` headers redacted. Sources: AWS WAF Developer Guide,
"AWS Managed Rules rule groups list" and "Logging destinations" (CloudWatch Logs).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.config import LogsConfig, WafConfig

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesCommonRuleSet",
)
LOG_GROUP_PREFIX = "aws-waf-logs-"
REDACTED_HEADERS = ("authorization", "cookie")


@dataclass(frozen=True, kw_only=True)
class WebFirewallArgs:
    """What the `WebFirewall` is built from: the `security.waf` section plus its wiring.

    - `settings`: `rate_limit`, requests per client IP in 5 minutes (10-2,000,000,000).
    - `logs`: the retention (days) of the WAF log group.
    - `resource_arn`: the load balancer the web ACL protects.
    - `kms_key_arn`: the stack's key for the log group, or None.
    - `protect`: Pulumi `protect` on the log group (from config).

    Raises ValueError when the section is not enabled.
    """

    settings: WafConfig
    logs: LogsConfig
    resource_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False

    def __post_init__(self) -> None:
        if not self.settings.enabled:
            raise ValueError("WebFirewallArgs: settings must be an enabled security.waf section")


def _visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


class WebFirewall(pulumi.ComponentResource):
    web_acl_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: WebFirewallArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:edge:WebFirewall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        acl_name = naming.physical_name(name, max_length=128)

        rules = [
            aws.wafv2.WebAclRuleArgs(
                name="rate-limit",
                priority=0,
                action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                        limit=args.settings.rate_limit, aggregate_key_type="IP"
                    )
                ),
                visibility_config=_visibility(f"{acl_name}-rate-limit"),
            ),
            *(
                aws.wafv2.WebAclRuleArgs(
                    name=group,
                    priority=10 * (index + 1),
                    override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                        none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
                    ),
                    statement=aws.wafv2.WebAclRuleStatementArgs(
                        managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                            name=group, vendor_name="AWS"
                        )
                    ),
                    visibility_config=_visibility(f"{acl_name}-{group}"),
                )
                for index, group in enumerate(MANAGED_RULE_GROUPS)
            ),
        ]
        acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=acl_name,
            description=f"{acl_name}: rate limit and AWS managed rules for the load balancer",
            scope="REGIONAL",
            default_action=aws.wafv2.WebAclDefaultActionArgs(
                allow=aws.wafv2.WebAclDefaultActionAllowArgs()
            ),
            rules=rules,
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=acl_name, sampled_requests_enabled=True
            ),
            opts=child,
        )
        aws.wafv2.WebAclAssociation(
            f"{name}-association",
            resource_arn=args.resource_arn,
            web_acl_arn=acl.arn,
            opts=child,
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"{LOG_GROUP_PREFIX}{naming.physical_name(name, max_length=480)}",
            retention_in_days=args.logs.retention_days,
            kms_key_id=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logging",
            resource_arn=acl.arn,
            log_destination_configs=[log_group.arn],
            redacted_fields=[
                aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                    single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(
                        name=header
                    )
                )
                for header in REDACTED_HEADERS
            ],
            opts=child,
        )
        self.web_acl_arn = acl.arn
        self.log_group_name = log_group.name
        self.register_outputs({"webAclArn": self.web_acl_arn, "logGroupName": self.log_group_name})


def build_if_enabled(
    name: str,
    settings: WafConfig,
    *,
    logs: LogsConfig,
    resource_arn: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str] | None,
    protect: bool,
    opts: pulumi.ResourceOptions | None = None,
) -> WebFirewall | None:
    """The load balancer's firewall where `security.waf.enabled` says so."""
    if not settings.enabled:
        return None
    return WebFirewall(
        name,
        WebFirewallArgs(
            settings=settings,
            logs=logs,
            resource_arn=resource_arn,
            kms_key_arn=kms_key_arn,
            protect=protect,
        ),
        opts=opts,
    )
