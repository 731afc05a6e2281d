"""ETags for optimistic concurrency: a model answer keeps its ``ETag`` beside its body, and any
``if_match`` argument takes either that pair or the ETag string."""

from __future__ import annotations

from dataclasses import dataclass

from u22a8.client.transport import Response


@dataclass(frozen=True)
class Etagged[T]:
    """A resource and the ETag it had when read; pass it as ``if_match`` to change only that
    revision (a newer one answers ``412 PreconditionFailed``)."""

    value: T
    etag: str | None


type IfMatch = str | Etagged[object] | None


def if_match_header(if_match: IfMatch) -> dict[str, str]:
    """The ``If-Match`` header for ``if_match`` (none for ``None``)."""
    if if_match is None:
        return {}
    etag = if_match.etag if isinstance(if_match, Etagged) else if_match
    if etag is None:
        raise ValueError("the resource was read without an ETag; cannot send If-Match")
    return {"If-Match": etag}


def etagged[T](response: Response, value: T) -> Etagged[T]:
    return Etagged(value, response.header("ETag"))
