"""The pruning policy, as a pure function: which versions a publish may delete.

Contract (API.md): the active version and tagged versions are always kept; of the other versions
the newest ``keep_unnamed`` are kept, and with ``keep_first_of_month`` also the first version of
each calendar month (UTC); the rest are deleted.

Decisions:

- "Newest" is by version number: numbers are assigned in publish order and never reused.
- "First version of a month" is the one with the earliest ``created_at`` in that UTC month among
  *all* existing versions, tagged and active ones included. A month whose first version is tagged
  therefore keeps no second one: the month is already represented, and which version is a
  month's first cannot change when tags move (untagging it does not make it prunable while
  ``keep_first_of_month`` is on). Equal timestamps go to the lower version number.
- Month firsts are kept in addition to the newest ``keep_unnamed``, not counted within them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class VersionSummary:
    """What the policy needs of a version: its number and when it was published."""

    version: int
    created_at: str  # RFC 3339, e.g. 2026-05-31T23:59:59.999Z


def _utc(timestamp: str) -> datetime:
    parsed = datetime.fromisoformat(timestamp)
    if parsed.tzinfo is None:  # stored timestamps are always UTC; be explicit rather than local
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def first_of_each_month(versions: Iterable[VersionSummary]) -> set[int]:
    """The earliest version (lowest number on equal timestamps) of each UTC calendar month."""
    firsts: dict[tuple[int, int], tuple[datetime, int]] = {}
    for summary in versions:
        at = _utc(summary.created_at)
        month = (at.year, at.month)
        candidate = (at, summary.version)
        if month not in firsts or candidate < firsts[month]:
            firsts[month] = candidate
    return {version for _, version in firsts.values()}


def versions_to_prune(
    versions: Sequence[VersionSummary],
    active_version: int | None,
    tagged: set[int],
    keep_unnamed: int,
    keep_first_of_month: bool,
) -> list[int]:
    """The version numbers to delete, ascending."""
    if keep_unnamed < 0:
        raise ValueError("keep_unnamed must be >= 0")
    protected = set(tagged)
    if active_version is not None:
        protected.add(active_version)
    unnamed = sorted((v.version for v in versions if v.version not in protected), reverse=True)
    keep = set(unnamed[:keep_unnamed])
    if keep_first_of_month:
        keep |= first_of_each_month(versions)
    return sorted(number for number in unnamed if number not in keep)
