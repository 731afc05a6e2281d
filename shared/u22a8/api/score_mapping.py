"""Explicit mapping between the score request's query and answer and the domain's objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from u22a8.domain.scoring_service import Scores, VersionChoice
from u22a8.entities.errors import ValidationCollector
from u22a8.entities.version import parse_version_number, require_valid_tag


def _single(
    query: Mapping[str, Sequence[str]], name: str, collector: ValidationCollector
) -> str | None:
    values = query.get(name) or []
    if len(values) > 1:
        collector.add(("query", name), "must be given at most once", "multiple_values")
    return values[-1] if values else None


def version_choice(query: Mapping[str, Sequence[str]] | None) -> VersionChoice:
    """``?version=n`` or ``?tag=`` (each at most once, not both), or neither: the active one.

    ``query`` is the multi-value form, so a repeated parameter is refused, not silently
    narrowed to one of its values.
    """
    query = query or {}
    collector = ValidationCollector()
    raw_version = _single(query, "version", collector)
    raw_tag = _single(query, "tag", collector)
    collector.raise_if_any("Invalid query parameters: give version or tag at most once.")
    if raw_version is not None and raw_tag is not None:
        collector.add(
            ("query", "tag"), "give either version or tag, not both", "mutually_exclusive"
        )
        collector.raise_if_any("Pick the version by number (version) or by tag, not both.")
    version = (
        None if raw_version is None else parse_version_number(raw_version, ("query", "version"))
    )
    tag = None if raw_tag is None else require_valid_tag(raw_tag, ("query", "tag"))
    return VersionChoice(version=version, tag=tag)


def score_resource(scores: Scores) -> dict[str, Any]:
    """``ScoreOut`` in the OpenAPI document: one ``{criterion: score}`` per text, in order."""
    return {
        "version": scores.version,
        "version_id": scores.version_id,
        "results": scores.results,
    }
