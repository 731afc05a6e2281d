"""Opaque pagination cursors: a query's last key, encoded for the client and checked on return.

Tamper evidence by a strict shape check, not a signature (docs/data-model.md, "Cursors"): a cursor
is accepted only when every attribute of the key it encodes is exactly what the issuing listing
can produce for this caller (the partition is the caller's own listing or model, fixed by the
request, never read from the cursor; each sort-key value must fully match the pattern of the ids
the listing stores). Anything else is ``422 invalid-cursor``, so the key that reaches DynamoDB is
always one of this listing's own key shapes, in the caller's partition.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from u22a8.entities.errors import InvalidCursor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

# The longest cursor any listing issues is a model listing's (two handles and a timestamp in
# base64, well under 400 characters); anything much longer is not ours, and is not decoded.
MAX_CURSOR_CHARS = 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")

#: What each key attribute must be: exactly this string, or a value fully matching this pattern.
type Shape = Mapping[str, str | re.Pattern[str]]


def encode(last_key: Mapping[str, Any]) -> str:
    """Encode a key of string attributes (``{"pk": {"S": ...}, ...}``)."""
    plain = {k: v["S"] for k, v in last_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, sort_keys=True).encode()).decode().rstrip("=")


def decode(
    cursor: str,
    shape: Shape,
    consistent: Callable[[Mapping[str, str]], bool] | None = None,
) -> dict[str, AttributeValueTypeDef]:
    """The key a cursor encodes; ``InvalidCursor`` unless it has exactly the attributes of
    ``shape``, each a string equal to (or fully matching) its entry, and ``consistent`` (a check
    across attributes, e.g. a model listing's sort key naming the same model as its key) holds."""
    plain = _plain(cursor)
    if not isinstance(plain, dict) or set(plain) != set(shape):
        raise InvalidCursor()
    for name, expected in shape.items():
        value = plain[name]
        if not isinstance(value, str):
            raise InvalidCursor()
        matches = value == expected if isinstance(expected, str) else expected.fullmatch(value)
        if not matches:
            raise InvalidCursor()
    if consistent is not None and not consistent(plain):
        raise InvalidCursor()
    return {k: {"S": v} for k, v in plain.items()}


def _plain(cursor: str) -> Any:
    if len(cursor) > MAX_CURSOR_CHARS or not _BASE64URL.fullmatch(cursor):
        raise InvalidCursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
