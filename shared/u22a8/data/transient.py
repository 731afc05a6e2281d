"""Which AWS failures are worth retrying, so callers outside ``data/`` never inspect botocore.

The training workflow retries a step that raised ``TransientError`` (the state machine's
``Retry``); every other error goes straight to ``Record failure``. Throttling, transaction
conflicts, 5xx answers and dropped connections are transient; a refused condition, a missing
object or a validation error is not (retrying cannot change the answer).
"""

from __future__ import annotations

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from u22a8.data.items import THROTTLING_CODES, error_code
from u22a8.entities.errors import ServiceBusy

_TRANSIENT_CODES = THROTTLING_CODES | frozenset(
    {
        "TransactionConflictException",
        "InternalServerError",
        "InternalError",
        "ServiceUnavailable",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
_TRANSIENT_ERRORS = (
    ServiceBusy,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)


def is_transient(error: BaseException) -> bool:
    """Whether trying the same call again later can succeed."""
    if isinstance(error, _TRANSIENT_ERRORS):
        return True
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return error_code(error) in _TRANSIENT_CODES or status >= 500
    return False
