"""Resource ids the service draws (runs, webhooks): one way to make them and to refuse bad ones.

An id is a prefix, 12 hex digits of epoch milliseconds and a random tail, so ids are unique and
sort by creation (DynamoDB sort keys list them in order without an index).
"""

from __future__ import annotations

import re
import secrets
import time

from u22a8.entities.errors import FieldError, InvalidInput


def time_ordered_id(prefix: str, random_bytes: int, now_ms: int | None = None) -> str:
    """``prefix`` + 12 hex of epoch milliseconds (``now_ms``, default now) + random hex."""
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    return f"{prefix}{millis:012x}{secrets.token_hex(random_bytes)}"


def require_id(
    value: str, pattern: re.Pattern[str], *, what: str, loc: tuple[str, ...], msg: str, code: str
) -> None:
    """A 422 naming the field unless ``value`` matches ``pattern``: a malformed id is the
    caller's mistake, never a lookup."""
    if pattern.fullmatch(value) is None:
        raise InvalidInput(
            f"'{value}' is not a valid {what}.", [FieldError(loc=loc, msg=msg, type=code)]
        )
