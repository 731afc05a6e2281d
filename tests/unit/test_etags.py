"""A model's ETag and If-Match parsing (the api's view of the revision)."""

from __future__ import annotations

import pytest

from tests.unit.factories import a_model
from u22a8.api.etags import etag, parse_if_match
from u22a8.entities.errors import PreconditionFailed


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("*", None),
        (" * ", None),
        ("", None),
        ('"3"', 3),
        (' "3" ', 3),
        ('"0"', 0),
        ('"123456789012345678"', 123456789012345678),
    ],
)
def test_parse_if_match(header: str | None, expected: int | None) -> None:
    assert parse_if_match(header, "acme.m") == expected


@pytest.mark.parametrize(
    "header",
    [
        "3",  # unquoted: not what we issue
        'W/"3"',  # If-Match compares strongly: a weak tag never matches
        "garbage",
        '"abc"',
        '"-1"',
        '"3.0"',
        '"03"',
        '"3", "4"',
        'W/"x"',
        '"\u00b2"',
        '"\u00b2"'.encode().decode("unicode_escape"),  # "²": str.isdigit() says yes
        '"\uff11"'.encode().decode("unicode_escape"),  # full-width 1
        '"' + "9" * 4301 + '"',  # past Python's int-parsing limit
        '"' + "9" * 19 + '"',  # more digits than any revision
        '"',
        '""',
    ],
)
def test_an_if_match_we_never_issued_is_an_honest_412(header: str) -> None:
    with pytest.raises(PreconditionFailed) as caught:
        parse_if_match(header, "acme.m")
    assert "not an ETag this server issued" in caught.value.detail
    assert "has changed" not in caught.value.detail


def test_etag_is_the_quoted_revision_and_a_round_trip_through_if_match() -> None:
    model = a_model(revision=42)
    assert etag(model) == '"42"'
    assert parse_if_match(etag(model), model.handle) == model.revision
