"""``local.streams``: the template's DynamoDB stream sources and Lambda's filter rules."""

from __future__ import annotations

from typing import Any

import pytest

from local import streams


def _record(**image: Any) -> dict[str, Any]:
    return {"eventName": "MODIFY", "dynamodb": {"NewImage": image}}


def _source(function: str) -> streams.StreamSource:
    (found,) = [s for s in streams.sources() if s.function == function]
    return found


def test_the_template_declares_both_stream_sources_on_the_models_table() -> None:
    found = {(s.function, s.table) for s in streams.sources()}
    assert found == {
        ("PurgeSamplesFunction", "ModelsTable"),
        ("RetrainFunction", "ModelsTable"),
    }


def test_the_retrain_filter_takes_ready_models_at_the_default_threshold() -> None:
    (pattern,) = _source("RetrainFunction").patterns
    meta = {"sk": {"S": "META"}, "state": {"S": "ready"}}
    assert streams.matches(pattern, _record(**meta, samples_since_version={"N": "50"}))
    assert streams.matches(pattern, _record(**meta, samples_since_version={"N": "51"}))
    assert not streams.matches(pattern, _record(**meta, samples_since_version={"N": "49"}))
    busy = {**meta, "state": {"S": "busy"}, "samples_since_version": {"N": "80"}}
    assert not streams.matches(pattern, _record(**busy))
    assert not streams.matches(pattern, {"eventName": "REMOVE", "dynamodb": {}})


def test_the_purge_filter_takes_model_items_with_a_pending_purge() -> None:
    (pattern,) = _source("PurgeSamplesFunction").patterns
    meta = {"sk": {"S": "META"}}
    assert streams.matches(pattern, _record(**meta, purge_pending={"S": "2026-01-01T00:00Z"}))
    assert not streams.matches(pattern, _record(**meta))
    sample = {"sk": {"S": "SAMPLE#smp_1"}, "purge_pending": {"S": "x"}}
    assert not streams.matches(pattern, _record(**sample))


def test_unsupported_filter_operators_fail_at_load() -> None:
    with pytest.raises(ValueError, match="unsupported filter operator"):
        streams._check({"a": [{"prefix": "x"}]}, "here")
