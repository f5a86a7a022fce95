"""What every config section shares: the model base and the validators used by several."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from infra.aws.limits import LOG_RETENTION_DAYS

PROJECT_NAMESPACE = "aevon"
# Keys that live outside the project namespace, mapped to StackConfig fields.
FOREIGN_KEYS = {"aws:region": "awsRegion", "aws:allowedAccountIds": "awsAllowedAccountIds"}


class _Model(BaseModel):
    """Base for config sections: camelCase keys, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        use_enum_values=False,
    )


def _retention(days: int) -> int:
    if days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in LOG_RETENTION_DAYS)
        raise ValueError(f"must be one of the CloudWatch Logs retention periods: {allowed}")
    return days


# Days, one of the periods CloudWatch Logs accepts (`infra.aws.limits.LOG_RETENTION_DAYS`).
RetentionDays = Annotated[int, AfterValidator(_retention)]
