"""List query parameters: limit 1..100 (default 20), opaque cursor, state filter."""

from __future__ import annotations

import pytest

from u22a8.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page_params, state_filter
from u22a8.entities.errors import InvalidInput
from u22a8.entities.model import ModelState


def test_defaults() -> None:
    assert page_params({}) == (DEFAULT_LIMIT, None)
    assert DEFAULT_LIMIT == 20
    assert MAX_LIMIT == 100


@pytest.mark.parametrize(("raw", "limit"), [("1", 1), ("20", 20), ("100", 100), ("007", 7)])
def test_limits_in_range(raw: str, limit: int) -> None:
    assert page_params({"limit": raw}) == (limit, None)


@pytest.mark.parametrize("raw", ["0", "101", "abc", "-1", "1.5", "", " 5", "1e2", "99999999999"])
def test_limits_out_of_range_are_422(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        page_params({"limit": raw})
    (error,) = caught.value.errors
    assert error.loc == ("query", "limit")
    assert "100" in error.msg


def test_cursor_is_passed_through_and_empty_means_none() -> None:
    assert page_params({"cursor": "abc"}) == (DEFAULT_LIMIT, "abc")
    assert page_params({"cursor": ""}) == (DEFAULT_LIMIT, None)


def test_state_filter() -> None:
    assert state_filter({}) is None
    for state in ModelState:
        assert state_filter({"state": state.value}) is state


@pytest.mark.parametrize("raw", ["bogus", "", "DRAFT", "Archived"])
def test_invalid_state_is_422_listing_the_allowed_values(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        state_filter({"state": raw})
    (error,) = caught.value.errors
    assert error.loc == ("query", "state")
    assert all(s.value in error.msg for s in ModelState)
