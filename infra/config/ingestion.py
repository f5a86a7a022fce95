"""`ingestion`: the ingestion API's authorization, throttling and Lambda concurrency."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from infra.config._base import _Model


class ApiAuthorization(StrEnum):
    IAM = "iam"
    JWT = "jwt"


class JwtConfig(_Model):
    """`ingestion.jwt`: `issuer` (an https URL) and `audience` (one or more)."""

    issuer: str = Field(pattern=r"^https://")
    audience: list[str] = Field(min_length=1)


class IngestionConfig(_Model):
    """`ingestion`: `authorization` iam or jwt (then `jwt`); `throttleBurst` 1-5000
    requests and `throttleRate` up to 10,000 requests per second; `reservedConcurrency`
    2-1000 executions; `fetchBatchSize` 1-10 messages."""

    authorization: ApiAuthorization
    jwt: JwtConfig | None = None
    throttle_burst: int = Field(ge=1, le=5000)
    throttle_rate: float = Field(gt=0, le=10000)
    reserved_concurrency: int = Field(ge=2, le=1000)
    fetch_batch_size: int = Field(ge=1, le=10)

    @model_validator(mode="after")
    def _jwt(self) -> IngestionConfig:
        if (self.authorization is ApiAuthorization.JWT) != (self.jwt is not None):
            raise ValueError(
                "jwt {issuer, audience} is required exactly when authorization is 'jwt'"
            )
        return self
