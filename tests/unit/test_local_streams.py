"""``local.streams``: the template's DynamoDB stream sources (their filters are matched and tested
in ``test_template_event_patterns``)."""

from __future__ import annotations

import pytest

from local import streams, template


def test_the_template_declares_both_stream_sources_on_the_models_table() -> None:
    found = {(s.function, s.table) for s in streams.sources()}
    assert found == {
        ("PurgeSamplesFunction", "ModelsTable"),
        ("RetrainFunction", "ModelsTable"),
    }


def test_unsupported_filter_operators_fail_at_load() -> None:
    tpl = template.load_template()
    retrain = tpl["Resources"]["RetrainFunction"]
    event = retrain["Properties"]["Events"]["Retrain"]
    bad = {
        "Filters": [{"Pattern": '{"dynamodb": {"NewImage": {"sk": {"S": [{"contains": "M"}]}}}}'}]
    }
    changed = {
        **tpl,
        "Resources": {
            "RetrainFunction": {
                **retrain,
                "Properties": {
                    **retrain["Properties"],
                    "Events": {
                        "Retrain": {
                            **event,
                            "Properties": {**event["Properties"], "FilterCriteria": bad},
                        }
                    },
                },
            }
        },
    }
    with pytest.raises(ValueError, match="unsupported filter operator"):
        streams.sources(changed)
