"""Configuration: environment variables parsed once into a typed, immutable object.

A plain dataclass rather than a Pydantic model: every function reads its settings at cold start,
and handlers that validate no request body should not pay for importing Pydantic.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import cache


@dataclass(frozen=True)
class Settings:
    """Everything a function reads from its environment, validated at first use."""

    models_table: str = "u22a8-models"
    keys_table: str = "u22a8-api-keys"
    idempotency_table: str = "u22a8-idempotency"
    artifacts_bucket: str = "u22a8-artifacts"
    training_state_machine_arn: str = ""
    # The bus model and run events go to; empty: events are not published (tools, tests).
    event_bus_name: str = ""
    api_base_path: str = "/v1"
    # Short timeouts on the request path: a slow dependency should fail fast and be retried by
    # the standard retry mode rather than hold an API Gateway connection for 29 s. Sized so one
    # call's worst case (every attempt timing out, the longest backoffs) ends well inside a
    # function's timeout (data/clients.py; tests/unit/test_client_config.py computes it).
    aws_connect_timeout_s: float = 0.5
    aws_read_timeout_s: float = 1.0
    # Attempts in all, the first included (what AWS_MAX_ATTEMPTS means to every AWS SDK).
    aws_max_attempts: int = 2
    idempotency_ttl_s: int = 24 * 3600
    retrain_threshold: int = 50
    # Webhooks: endpoints and delivery attempts, the KMS key that encrypts their secrets (only
    # the delivery function may decrypt), and the queues deliveries and exhausted ones go to.
    webhooks_table: str = "u22a8-webhooks"
    webhook_secrets_key: str = ""
    webhook_deliveries_queue_url: str = ""
    webhook_dead_letter_queue_url: str = ""
    # 1 on the local stack only (never in template.yaml): http://127.0.0.1:<port> receivers too.
    webhook_allow_local_http: int = 0

    def __post_init__(self) -> None:
        problems = []
        if not self.aws_connect_timeout_s > 0:  # written so that NaN is refused too
            problems.append("AWS_CONNECT_TIMEOUT_S must be > 0")
        if not self.aws_read_timeout_s > 0:
            problems.append("AWS_READ_TIMEOUT_S must be > 0")
        if not 1 <= self.aws_max_attempts <= 10:
            problems.append("AWS_MAX_ATTEMPTS must be from 1 to 10")
        if self.idempotency_ttl_s < 60:
            problems.append("IDEMPOTENCY_TTL_S must be >= 60")
        if self.retrain_threshold < 1:
            problems.append("RETRAIN_THRESHOLD must be >= 1")
        if self.webhook_allow_local_http not in (0, 1):
            problems.append("WEBHOOK_ALLOW_LOCAL_HTTP must be 0 or 1")
        if problems:
            raise ValueError("invalid configuration: " + "; ".join(problems))


_PARSERS = {"str": str, "float": float, "int": int}


@cache
def get_settings() -> Settings:
    """Read the environment once per process (i.e. once per Lambda container)."""
    values: dict[str, object] = {}
    for field in fields(Settings):
        raw = os.environ.get(field.name.upper())
        if raw is None:
            continue
        try:
            values[field.name] = _PARSERS[str(field.type)](raw)
        except ValueError as exc:
            raise ValueError(f"invalid configuration: {field.name.upper()}={raw!r}") from exc
    return Settings(**values)  # type: ignore[arg-type]
