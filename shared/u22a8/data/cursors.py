"""Opaque pagination cursors: a query's last key, encoded for the client and checked on return.

A cursor is accepted only by the listing that issued it (same key attributes, same partition), so
editing one cannot page into another tenant's or another model's items.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from u22a8.domain.errors import FieldError, InvalidInput

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef


def invalid_cursor() -> InvalidInput:
    return InvalidInput(
        "The cursor is not valid for this listing; start again without it.",
        [FieldError(loc=("query", "cursor"), msg="invalid cursor", type="cursor")],
    )


def encode(last_key: Mapping[str, Any]) -> str:
    """Encode a key of string attributes (``{"pk": {"S": ...}, ...}``)."""
    plain = {k: v["S"] for k, v in last_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, sort_keys=True).encode()).decode().rstrip("=")


def decode(
    cursor: str,
    keys: frozenset[str],
    expected: Mapping[str, str],
    prefixes: Mapping[str, str] | None = None,
) -> dict[str, AttributeValueTypeDef]:
    """The key a cursor encodes; 422 unless it has exactly ``keys``, the ``expected`` values and
    the ``prefixes`` its listing can produce."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        plain = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise invalid_cursor() from exc
    if (
        not isinstance(plain, dict)
        or set(plain) != keys
        or not all(isinstance(v, str) for v in plain.values())
        or any(plain[k] != v for k, v in expected.items())
        or any(not plain[k].startswith(p) for k, p in (prefixes or {}).items())
    ):
        raise invalid_cursor()
    return {k: {"S": v} for k, v in plain.items()}
