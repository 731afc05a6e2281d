"""``Idempotency-Key`` support on POST endpoints, built on Powertools idempotency.

The key is scoped to the caller's namespace and the operation, the request body is the payload that
must match on a retry (else 422), and a replay is marked with ``Idempotent-Replayed: true``.
Failed requests (any raised error) are not stored, so a client may retry them with the same key.

Powertools' idempotency utility is imported only when a request carries the header, so requests
without one (and cold starts) do not pay for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, TypedDict

from u22a8.config import get_settings
from u22a8.domain import idempotency as idempotency_store
from u22a8.entities.errors import (
    FieldError,
    IdempotencyKeyReused,
    InvalidInput,
    RequestInProgress,
    ServiceBusy,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class StoredResponse(TypedDict):
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


class _Record(TypedDict):
    """A response as the idempotency table keeps it: Powertools saves records with sorted keys, so
    the body is kept as its JSON text, and a replay answers the first response's bytes."""

    status: int
    body: str
    headers: dict[str, str]


Operation = Callable[[], StoredResponse]


def _mark_replayed(response: Any, idempotent_data: DataRecord) -> Any:
    response["headers"] = {**response.get("headers", {}), "Idempotent-Replayed": "true"}
    return response


@cache
def _config() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="[scope, key]",
        payload_validation_jmespath="body",
        expires_after_seconds=get_settings().idempotency_ttl_s,
        response_hook=_mark_replayed,
    )


@cache
def _runner() -> Callable[..., _Record]:
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    @idempotent_function(
        data_keyword_argument="request",
        persistence_store=idempotency_store.persistence_layer(),
        config=_config(),
    )
    def run(request: dict[str, Any], operation: Operation) -> _Record:
        response = operation()
        return {**response, "body": json.dumps(response["body"], separators=(",", ":"))}

    return run  # type: ignore[no-any-return]


def reset() -> None:
    """Drop the cached persistence layer (tests use a fresh emulator per case)."""
    _runner.cache_clear()
    _config.cache_clear()


def run_once(
    key: str | None,
    scope: str,
    body: Any,
    operation: Operation,
    context: LambdaContext | None,
) -> StoredResponse:
    """Run ``operation`` once per (scope, key); without a key it simply runs."""
    if key is None:
        return operation()
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    if context is not None:
        _config().register_lambda_context(context)
    try:
        record = _runner()(request={"scope": scope, "key": key, "body": body}, operation=operation)
    except IdempotencyValidationError as exc:
        raise IdempotencyKeyReused() from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise RequestInProgress() from exc
    except IdempotencyPersistenceLayerError as exc:
        # The idempotency store failed (e.g. throttled) before the operation ran: retryable.
        raise ServiceBusy(retry_after_s=1) from exc
    # The first answer and every replay alike: the body parsed from the text the table keeps (a
    # record saved before the body was kept as text holds the object itself).
    body = record["body"]
    return {**record, "body": json.loads(body) if isinstance(body, str) else body}


def validated_key(raw: str | None) -> str | None:
    """An ``Idempotency-Key`` must be 1-255 visible ASCII characters."""
    if raw is None:
        return None
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in raw):
        raise InvalidInput(
            "The Idempotency-Key header is invalid.",
            [
                FieldError(
                    loc=("header", IDEMPOTENCY_HEADER),
                    msg=f"must be 1-{MAX_KEY_LENGTH} visible ASCII characters",
                    type="idempotency_key",
                )
            ],
        )
    return raw
