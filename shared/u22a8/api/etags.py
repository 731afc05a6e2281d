"""A model's ETag and the ``If-Match`` header: HTTP's view of the model's revision (RFC 9110
8.8.3 and 13.1.1), so it lives in the api; the domain compares plain revision numbers."""

from __future__ import annotations

from u22a8.entities.errors import PreconditionFailed
from u22a8.entities.model import Model


def etag(model: Model) -> str:
    """Strong entity tag: changes with every stored change, and only then."""
    return f'"{model.revision}"'


# Revisions are DynamoDB numbers written by us, from 1; 18 digits is far beyond any reachable one.
_MAX_REVISION_DIGITS = 18


def parse_if_match(header: str | None, handle: str) -> int | None:
    """The revision an ``If-Match`` header expects; ``None`` when absent or ``*``.

    Never raises anything but ``PreconditionFailed``: a value that is not an ETag this server
    could have issued (``garbage``, ``"²"``, a weak ``W/"3"`` (If-Match compares strongly, RFC
    9110 13.1.1), a list, a 4,000-digit number) can match nothing, so it is a 412 whose detail
    says so rather than "the model has changed".
    """
    if header is None:
        return None
    value = header.strip()
    if value == "*" or not value:
        return None
    digits = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else ""
    if (
        digits.isascii()
        and digits.isdigit()
        and len(digits) <= _MAX_REVISION_DIGITS
        and (digits == "0" or not digits.startswith("0"))
    ):
        return int(digits)
    raise PreconditionFailed(
        handle,
        f"The If-Match header is not an ETag this server issued for model '{handle}' (ours look "
        'like "3", quotes included; weak ETags and lists never match). GET the model and send '
        "its ETag.",
    )
