"""`StackBudget`: an AWS Budgets cost budget over the stack's own resources.

A monthly cost budget filtered by the two tags every resource of the stack carries
through the provider's default tags (`Project` AND `Environment`, `infra.naming`), with
notifications on actual and forecast cost at percentages of the limit; each notifies the
stack's notify alarm topic, so a budget alert reaches the same people as its other
notify alarms.

Tags filter cost only once they are activated as cost allocation tags in the billing
console (or `aws ce update-cost-allocation-tags-status`), which a person does once per
account (`aevon plan <stack> --first-deploy` lists it); until then the budget sees no
cost. AWS Budgets: https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import naming
from infra.config import BudgetConfig

# The default tags that together name one stack (infra.naming.default_tags).
STACK_TAG_KEYS = ("Project", "Environment")


@dataclass(frozen=True, kw_only=True)
class StackBudgetArgs:
    """`settings`: the `budget` section (`monthly_limit_usd`, US dollars; actual and forecast
    alert percentages, 0.1 up, at most 5 together); `topic_arn`: the SNS topic the
    notifications go to (the notify alarm topic, whose policy admits AWS Budgets)."""

    settings: BudgetConfig
    topic_arn: pulumi.Input[str]


class StackBudget(pulumi.ComponentResource):
    budget_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: StackBudgetArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("aevon:operations:StackBudget", name, None, opts)
        settings = args.settings
        tag_values = {"Project": pulumi.get_project(), "Environment": pulumi.get_stack()}
        notifications = [
            aws.budgets.BudgetNotificationArgs(
                notification_type=kind,
                comparison_operator="GREATER_THAN",
                threshold=percent,
                threshold_type="PERCENTAGE",
                subscriber_sns_topic_arns=[args.topic_arn],
            )
            for kind, percents in (
                ("ACTUAL", settings.actual_alert_percent),
                ("FORECASTED", settings.forecast_alert_percent),
            )
            for percent in percents
        ]
        budget = aws.budgets.Budget(
            f"{name}-monthly",
            name=naming.physical_name(name, max_length=100),
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{settings.monthly_limit_usd:.2f}",
            limit_unit="USD",
            metrics="UnblendedCost",  # one metric, a string (the SDK's AND-filter example)
            filter_expression=aws.budgets.BudgetFilterExpressionArgs(
                ands=[
                    aws.budgets.BudgetFilterExpressionAndArgs(
                        tags=aws.budgets.BudgetFilterExpressionAndTagsArgs(
                            key=key, values=[tag_values[key]]
                        )
                    )
                    for key in STACK_TAG_KEYS
                ]
            ),
            notifications=notifications,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.budget_name = budget.name
        self.register_outputs({"budgetName": self.budget_name})
