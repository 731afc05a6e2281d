"""A strict JSON reader: one JSON value as RFC 8259 and I-JSON (RFC 7493) define it, or
``MalformedJson`` saying what is wrong.

Python's ``json.loads`` is lenient where it matters to a server: it keeps the last of duplicate
keys (``{"handle": "a", "handle": "b"}`` would silently create ``b``), accepts ``NaN`` and
``Infinity``, parses a 5,000-digit integer until ``int()`` refuses it with a ``ValueError``, and
recurses until a ``RecursionError``. Each of those became a wrong answer or a 500; here each is a
``400 malformed-json`` whose detail names it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from u22a8.entities.errors import MalformedJson

MAX_DEPTH = 32
# Longer than any number a body of this API holds (a float's repr is at most 24 characters), far
# below Python's 4,300-digit int-parsing limit.
MAX_NUMBER_CHARS = 100

# A JSON string (its escapes included) or a bracket: strings are skipped when counting depth.
_DEPTH_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
# A \uD800-\uDFFF escape: an unpaired one would decode to a lone surrogate, not a character.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


class _Refused(Exception):
    """Raised inside ``json.loads`` hooks; becomes ``MalformedJson`` with its message."""


def loads(data: bytes) -> Any:
    """The one JSON value ``data`` holds (UTF-8), or ``MalformedJson`` naming what is wrong."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedJson(
            f"The request body is not valid UTF-8 (byte {exc.start} is not part of a UTF-8 "
            "character); send JSON encoded as UTF-8."
        ) from None
    _check_depth(data)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
        )
    except _Refused as exc:
        raise MalformedJson(f"The request body is not accepted JSON: {exc}.") from None
    except json.JSONDecodeError as exc:
        raise MalformedJson(
            f"The request body is not valid JSON: {exc.msg} (line {exc.lineno}, column "
            f"{exc.colno})."
        ) from None
    if _SURROGATE_ESCAPE.search(data):
        _check_strings(value)
    return value


def _check_depth(data: bytes) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` before parsing (the parser would recurse)."""
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        return  # cannot nest deeper than the brackets it has
    depth = 0
    for match in _DEPTH_TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise MalformedJson(
                    f"The request body nests arrays and objects deeper than {MAX_DEPTH} levels."
                )
        elif token in (b"]", b"}"):
            depth -= 1


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"the key {json.dumps(key)[:80]} appears twice in one object")
        result[key] = value
    return result


def _int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number has {len(literal)} characters; at most {MAX_NUMBER_CHARS}")
    return int(literal)


def _float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number has {len(literal)} characters; at most {MAX_NUMBER_CHARS}")
    value = float(literal)
    if not math.isfinite(value):
        raise _Refused(f"the number {literal} is out of range")
    return value


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _check_strings(value: Any) -> None:
    """Refuse a lone surrogate escape (``"\\ud800"``) in any string or key: it is no character,
    and could be neither stored nor answered as UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _require_encodable(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _require_encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedJson(
            "The request body is not accepted JSON: a string holds an unpaired surrogate escape "
            "(\\ud800-\\udfff), which is not a character."
        ) from None
