"""Samples without AWS: ids, request schema, cursors, mapping."""

from __future__ import annotations

import re

import pytest
from pydantic_core import ValidationError

from u22a8.api.sample_mapping import new_samples, sample_page, sample_resource
from u22a8.api.sample_schemas import ADD_SAMPLES_BODY
from u22a8.data import cursors, models_repo, samples_repo
from u22a8.entities.errors import InvalidCursor
from u22a8.entities.sample import Sample, SamplePage, is_valid_sample_id, new_sample_id


def test_sample_ids_sort_by_time_then_by_position_in_the_upload() -> None:
    ids = [new_sample_id(1_700_000_000_000, i) for i in range(500)]
    later = new_sample_id(1_700_000_000_001, 0)
    assert ids == sorted(ids)
    assert later > ids[-1]
    assert len(set(ids)) == 500
    assert all(is_valid_sample_id(i) and len(i) == 32 for i in [*ids, later])
    assert ids[3][4:20] == f"{1_700_000_000_000:012x}0003"


def test_sample_ids_of_concurrent_uploads_differ() -> None:
    assert new_sample_id(5, 0) != new_sample_id(5, 0)


@pytest.mark.parametrize(
    "value", ["", "smp_", "smp_" + "0" * 27, "smp_" + "0" * 29, "smp_" + "G" * 28, "x" * 32]
)
def test_malformed_sample_ids_are_invalid(value: str) -> None:
    assert not is_valid_sample_id(value)


def test_schema_accepts_integers_and_partial_scores() -> None:
    request = ADD_SAMPLES_BODY.validate({"samples": [{"text": "a", "scores": {"A": 0, "B": 1}}]})
    assert new_samples(request)[0].scores == {"A": 0.0, "B": 1.0}


@pytest.mark.parametrize("score", [True, "0.5", None, float("inf"), float("nan"), 1.0000001, -1e-9])
def test_schema_rejects_non_scores(score: object) -> None:
    with pytest.raises(ValidationError) as info:
        ADD_SAMPLES_BODY.validate({"samples": [{"text": "a", "scores": {"A": score}}]})
    assert info.value.errors()[0]["loc"] == ("samples", 0, "scores", "A")


def test_schema_caps_scores_at_the_number_of_criteria_a_model_can_have() -> None:
    scores = {f"c{i}": 0.5 for i in range(21)}
    with pytest.raises(ValidationError) as info:
        ADD_SAMPLES_BODY.validate({"samples": [{"text": "a", "scores": scores}]})
    assert info.value.errors()[0]["type"] == "too_long"


def test_sample_resource_shape() -> None:
    sample = Sample("smp_" + "0" * 28, "t", {"A": 0.5}, "2026-01-01T00:00:00.000Z")
    assert sample_resource(sample) == {
        "sample_id": sample.sample_id,
        "text": "t",
        "scores": {"A": 0.5},
        "created_at": "2026-01-01T00:00:00.000Z",
    }
    assert sample_page(SamplePage([sample], "c")) == {
        "data": [sample_resource(sample)],
        "next_cursor": "c",
    }


# --- cursors -------------------------------------------------------------------------------------

SAMPLE_ID = "smp_" + "0" * 28
SHAPE: cursors.Shape = {"pk": "MODEL#acme.a", "sk": re.compile(r"SAMPLE#smp_[0-9a-f]{28}")}


def test_a_cursor_round_trips() -> None:
    key = {"pk": {"S": "MODEL#acme.a"}, "sk": {"S": f"SAMPLE#{SAMPLE_ID}"}}
    cursor = cursors.encode(key)
    assert "=" not in cursor
    assert cursors.decode(cursor, SHAPE) == key


@pytest.mark.parametrize(
    "key",
    [
        {"pk": {"S": "MODEL#acme.b"}, "sk": {"S": f"SAMPLE#{SAMPLE_ID}"}},  # another model
        {"pk": {"S": "MODEL#acme.a"}, "sk": {"S": "META"}},  # not a sample key
        {"pk": {"S": "MODEL#acme.a"}, "sk": {"S": "SAMPLE#smp_1"}},  # no sample id of ours
        {"pk": {"S": "MODEL#acme.a"}, "sk": {"S": f"SAMPLE#{SAMPLE_ID}x"}},  # a suffix
        {"pk": {"S": "MODEL#acme.a"}},  # missing attribute
        {"pk": {"S": "MODEL#acme.a"}, "sk": {"S": "SAMPLE#"}, "gsi1pk": {"S": "x"}},  # extra one
    ],
)
def test_a_cursor_of_another_listing_is_refused(key: dict[str, dict[str, str]]) -> None:
    with pytest.raises(InvalidCursor) as info:
        cursors.decode(cursors.encode(key), SHAPE)
    assert info.value.errors[0].loc == ("query", "cursor")


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "WzFd", "eyJwayI6IDF9", "", "a" * 1025])
def test_garbage_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        cursors.decode(cursor, SHAPE)


def test_a_consistency_check_across_attributes_is_applied() -> None:
    cursor = cursors.encode({"pk": {"S": "MODEL#acme.a"}, "sk": {"S": f"SAMPLE#{SAMPLE_ID}"}})
    assert cursors.decode(cursor, SHAPE, lambda key: key["pk"] == "MODEL#acme.a")
    with pytest.raises(InvalidCursor):
        cursors.decode(cursor, SHAPE, lambda key: False)


def test_sample_cursors_are_checked_against_their_model() -> None:
    cursor = samples_repo.cursor_after("acme.a", SAMPLE_ID)
    assert cursors.decode(cursor, SHAPE)
    with pytest.raises(InvalidCursor):
        cursors.decode(cursor, {**SHAPE, "pk": "MODEL#acme.b"})


def test_models_listing_cursors_still_work_through_the_shared_module() -> None:
    key = {
        "pk": {"S": "MODEL#acme.a"},
        "sk": {"S": "META"},
        "gsi1pk": {"S": "NS#acme#LIVE"},
        "gsi1sk": {"S": "2026-01-01T00:00:00.000Z#acme.a"},
    }
    cursor = models_repo.encode_cursor(key)
    assert models_repo.decode_cursor(cursor, "acme", archived=False) == key
    with pytest.raises(InvalidCursor):
        models_repo.decode_cursor(cursor, "globex", archived=False)
    with pytest.raises(InvalidCursor):
        models_repo.decode_cursor(
            samples_repo.cursor_after("acme.a", SAMPLE_ID), "acme", archived=False
        )
