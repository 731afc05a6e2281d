"""A request body's ``Content-Type``: the media types a route reads, and ``415`` for the rest.

Reading any body as JSON whatever its type (or with none) let a form post or a UTF-16 document be
taken for JSON; a route now names the types it reads, and a non-empty body of another type is
refused before it is parsed.
"""

from __future__ import annotations

from collections.abc import Sequence

from u22a8.entities.errors import UnsupportedMediaType

JSON = "application/json"
MERGE_PATCH_JSON = "application/merge-patch+json"


def require_accepted(content_type: str | None, accepted: Sequence[str]) -> None:
    """Pass when ``content_type`` is one of ``accepted`` (any case, with at most a
    ``charset=utf-8`` parameter); ``UnsupportedMediaType`` naming the accepted types otherwise."""
    if content_type is not None:
        media_type, _, parameters = content_type.partition(";")
        if media_type.strip().lower() in accepted and _charset_ok(parameters):
            return
        sent = f"Content-Type {content_type.strip()[:100]!r}"
    else:
        sent = "no Content-Type"
    raise UnsupportedMediaType(sent, tuple(accepted))


def _charset_ok(parameters: str) -> bool:
    """Only ``charset=utf-8`` (JSON is UTF-8, RFC 8259 8.1); no other parameter means anything."""
    for parameter in parameters.split(";"):
        if not parameter.strip():
            continue
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset" or value.strip().strip('"').lower() != "utf-8":
            return False
    return True
