"""Scoring texts with a model's active version, a numbered version or a tag."""

from __future__ import annotations

from collections.abc import Sequence

from u22a8.client.session import Session, path
from u22a8.client.types import ScoreResult


def score(
    session: Session,
    handle: str,
    texts: Sequence[str],
    *,
    version: int | None = None,
    tag: str | None = None,
) -> ScoreResult:
    """Scores of 1 to 100 texts, one dict of criterion to 0..1 per text, in order. Scoring
    changes nothing, so it is retried like a GET."""
    result: ScoreResult = session.request(
        "POST",
        path("/v1/models/{}/score", handle),
        body={"texts": list(texts)},
        params={"version": version, "tag": tag},
        idempotent=True,
    ).json()
    return result
