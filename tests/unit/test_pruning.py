"""The pruning policy: active and tagged kept, newest N kept, first of each UTC month kept."""

from __future__ import annotations

import pytest

from u22a8.domain.pruning import VersionSummary, first_of_each_month, versions_to_prune


def _daily(count: int, month: str = "2026-05") -> list[VersionSummary]:
    """Versions 1..count, one a day from the 1st of ``month`` (count <= 28)."""
    return [VersionSummary(n, f"{month}-{n:02d}T12:00:00.000Z") for n in range(1, count + 1)]


def _prune(
    versions: list[VersionSummary],
    active: int | None = None,
    tagged: set[int] | None = None,
    keep_unnamed: int = 100,
    keep_first_of_month: bool = False,
) -> list[int]:
    return versions_to_prune(versions, active, tagged or set(), keep_unnamed, keep_first_of_month)


def test_nothing_to_prune_within_the_limit() -> None:
    assert _prune(_daily(5), active=5, keep_unnamed=4) == []
    assert _prune([], active=None, keep_unnamed=0) == []


def test_the_newest_unnamed_versions_are_kept_and_the_rest_pruned() -> None:
    assert _prune(_daily(10), keep_unnamed=3) == [1, 2, 3, 4, 5, 6, 7]


def test_active_and_tagged_versions_are_never_pruned_nor_counted() -> None:
    # 10 versions; active 2 and tagged 4, 9 are protected; of the other 7 the newest 3 stay.
    pruned = _prune(_daily(10), active=2, tagged={4, 9}, keep_unnamed=3)
    assert pruned == [1, 3, 5, 6]


def test_keep_unnamed_zero_keeps_only_active_and_tagged() -> None:
    assert _prune(_daily(6), active=6, tagged={1}, keep_unnamed=0) == [2, 3, 4, 5]


def test_no_active_version() -> None:
    assert _prune(_daily(3), active=None, keep_unnamed=1) == [1, 2]


def test_a_tag_on_the_active_version_protects_nothing_else() -> None:
    assert _prune(_daily(4), active=4, tagged={4}, keep_unnamed=1) == [1, 2]


def test_tags_naming_versions_that_do_not_exist_are_ignored() -> None:
    assert _prune(_daily(3), active=3, tagged={42}, keep_unnamed=0) == [1, 2]


def test_first_of_month_is_kept_on_top_of_the_newest() -> None:
    versions = [
        VersionSummary(1, "2026-03-05T00:00:00.000Z"),  # first of March
        VersionSummary(2, "2026-03-20T00:00:00.000Z"),
        VersionSummary(3, "2026-04-02T00:00:00.000Z"),  # first of April
        VersionSummary(4, "2026-04-03T00:00:00.000Z"),
        VersionSummary(5, "2026-05-01T00:00:00.000Z"),  # first of May
        VersionSummary(6, "2026-05-09T00:00:00.000Z"),
    ]
    assert _prune(versions, active=6, keep_unnamed=1, keep_first_of_month=True) == [2, 4]
    assert _prune(versions, active=6, keep_unnamed=1, keep_first_of_month=False) == [1, 2, 3, 4]


def test_month_boundary_is_utc_to_the_millisecond() -> None:
    last_of_may = VersionSummary(1, "2026-05-31T23:59:59.999Z")
    first_of_june = VersionSummary(2, "2026-06-01T00:00:00.000Z")
    second_of_june = VersionSummary(3, "2026-06-01T00:00:00.001Z")
    versions = [last_of_may, first_of_june, second_of_june]
    assert first_of_each_month(versions) == {1, 2}
    assert _prune(versions, keep_unnamed=0, keep_first_of_month=True) == [3]


def test_offsets_are_converted_to_utc_before_taking_the_month() -> None:
    # 2026-06-01T01:30+02:00 is 2026-05-31T23:30Z: May, not June.
    versions = [
        VersionSummary(1, "2026-05-10T00:00:00.000Z"),
        VersionSummary(2, "2026-06-01T01:30:00.000+02:00"),
        VersionSummary(3, "2026-06-02T00:00:00.000Z"),
    ]
    assert first_of_each_month(versions) == {1, 3}


def test_year_boundary() -> None:
    versions = [
        VersionSummary(1, "2025-12-31T23:59:59.999Z"),
        VersionSummary(2, "2026-01-01T00:00:00.000Z"),
        VersionSummary(3, "2026-01-15T00:00:00.000Z"),
    ]
    assert _prune(versions, keep_unnamed=0, keep_first_of_month=True) == [3]


def test_equal_timestamps_go_to_the_lower_version_number() -> None:
    versions = [
        VersionSummary(7, "2026-05-01T00:00:00.000Z"),
        VersionSummary(6, "2026-05-01T00:00:00.000Z"),
        VersionSummary(8, "2026-05-02T00:00:00.000Z"),
    ]
    assert first_of_each_month(versions) == {6}
    assert _prune(versions, keep_unnamed=0, keep_first_of_month=True) == [7, 8]


def test_first_of_month_is_by_time_not_by_number() -> None:
    versions = [
        VersionSummary(1, "2026-05-10T00:00:00.000Z"),
        VersionSummary(2, "2026-05-03T00:00:00.000Z"),  # clock skew: earlier although newer
    ]
    assert first_of_each_month(versions) == {2}


def test_a_tagged_first_of_month_does_not_promote_the_second() -> None:
    """The first of a month is taken among all versions: when it is tagged, the month is already
    represented and its second version is prunable like any other."""
    versions = _daily(4)  # all in May; 1 is the first of the month
    assert _prune(versions, tagged={1}, keep_unnamed=0, keep_first_of_month=True) == [2, 3, 4]
    # Untagged again, it stays the first of May and is still kept.
    assert _prune(versions, keep_unnamed=0, keep_first_of_month=True) == [2, 3, 4]


def test_an_active_first_of_month_is_kept_once() -> None:
    versions = _daily(3)
    assert _prune(versions, active=1, keep_unnamed=1, keep_first_of_month=True) == [2]


def test_result_is_ascending_whatever_the_input_order() -> None:
    versions = list(reversed(_daily(6)))
    assert _prune(versions, keep_unnamed=2) == [1, 2, 3, 4]


def test_negative_keep_unnamed_is_a_bug() -> None:
    with pytest.raises(ValueError, match="keep_unnamed"):
        _prune(_daily(2), keep_unnamed=-1)
