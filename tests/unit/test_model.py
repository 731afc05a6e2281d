"""The model aggregate: ETags, If-Match parsing, pruning defaults, merge-patch markers."""

from __future__ import annotations

import pytest

from u22a8.entities.errors import PreconditionFailed
from u22a8.entities.model import (
    DEFAULT_KEEP_FIRST_OF_MONTH,
    DEFAULT_KEEP_UNNAMED,
    UNSET,
    AutoPrune,
    AutoPruneChanges,
    Model,
    ModelChanges,
    ModelState,
    Unset,
    parse_if_match,
    precondition_failed,
)


def _model(**overrides: object) -> Model:
    values: dict[str, object] = {
        "handle": "acme.m",
        "criteria": ("Clarity",),
        "state": ModelState.DRAFT,
        "created_at": "2026-05-01T09:00:00.000Z",
        "updated_at": "2026-05-01T09:00:00.000Z",
        "revision": 7,
    }
    values.update(overrides)
    return Model(**values)  # type: ignore[arg-type]


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


def test_a_revision_ahead_of_the_model_was_never_issued_and_says_so() -> None:
    assert "never issued" in precondition_failed("acme.m", 9, 7).detail
    assert "has changed since" in precondition_failed("acme.m", 6, 7).detail


def test_etag_is_the_quoted_revision_and_a_round_trip_through_if_match() -> None:
    model = _model(revision=42)
    assert model.etag == '"42"'
    assert parse_if_match(model.etag, model.handle) == model.revision


def test_namespace() -> None:
    assert _model(handle="globex.thing").namespace == "globex"


def test_auto_prune_defaults_apply_per_key() -> None:
    assert AutoPrune().effective_keep_unnamed == DEFAULT_KEEP_UNNAMED == 100
    assert AutoPrune().effective_keep_first_of_month is DEFAULT_KEEP_FIRST_OF_MONTH is True
    override = AutoPrune(keep_unnamed=0, keep_first_of_month=False)
    assert override.effective_keep_unnamed == 0  # 0 is a value, not "unset"
    assert override.effective_keep_first_of_month is False


def test_unset_is_a_singleton_distinct_from_none() -> None:
    assert Unset() is UNSET
    assert UNSET is not None
    assert repr(UNSET) == "UNSET"


def test_model_changes_is_empty_only_when_nothing_is_set() -> None:
    assert ModelChanges().is_empty
    assert not ModelChanges(description=None).is_empty
    assert not ModelChanges(zero_data_retention=False).is_empty
    assert not ModelChanges(auto_prune=None).is_empty
    assert not ModelChanges(auto_prune=AutoPruneChanges()).is_empty


def test_model_state_values() -> None:
    assert [s.value for s in ModelState] == ["draft", "busy", "ready", "failed", "archived"]
