"""Configuration: environment variables parsed once into a typed, immutable model."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Everything a function reads from its environment, validated at first use."""

    model_config = ConfigDict(frozen=True)

    models_table: str = Field(default="u22a8-models")
    keys_table: str = Field(default="u22a8-api-keys")
    idempotency_table: str = Field(default="u22a8-idempotency")
    artifacts_bucket: str = Field(default="u22a8-artifacts")
    training_state_machine_arn: str = Field(default="")
    api_base_path: str = Field(default="/v1")
    # Short timeouts on the request path: a slow dependency should fail fast and be retried by
    # the standard retry mode rather than hold an API Gateway connection for 29 s.
    aws_connect_timeout_s: float = Field(default=1.0, gt=0)
    aws_read_timeout_s: float = Field(default=3.0, gt=0)
    aws_max_attempts: int = Field(default=3, ge=1, le=10)
    idempotency_ttl_s: int = Field(default=24 * 3600, ge=60)
    retrain_threshold: int = Field(default=50, ge=1)


_ENV_NAMES: dict[str, str] = {
    "models_table": "MODELS_TABLE",
    "keys_table": "KEYS_TABLE",
    "idempotency_table": "IDEMPOTENCY_TABLE",
    "artifacts_bucket": "ARTIFACTS_BUCKET",
    "training_state_machine_arn": "TRAINING_STATE_MACHINE_ARN",
    "api_base_path": "API_BASE_PATH",
    "aws_connect_timeout_s": "AWS_CONNECT_TIMEOUT_S",
    "aws_read_timeout_s": "AWS_READ_TIMEOUT_S",
    "aws_max_attempts": "AWS_MAX_ATTEMPTS",
    "idempotency_ttl_s": "IDEMPOTENCY_TTL_S",
    "retrain_threshold": "RETRAIN_THRESHOLD",
}


@cache
def get_settings() -> Settings:
    """Read the environment once per process (i.e. once per Lambda container)."""
    values = {field: os.environ[env] for field, env in _ENV_NAMES.items() if env in os.environ}
    return Settings.model_validate(values)
