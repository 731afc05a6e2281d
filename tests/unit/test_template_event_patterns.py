"""Every stream mapping's ``FilterCriteria`` and every EventBridge rule's pattern in
``template.yaml``, matched as AWS matches them (``local.event_patterns``) against records shaped
exactly as Lambda and EventBridge deliver them: each must take what should start its consumer and
nothing else. A filter or rule added to the template without cases here fails the first test."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from local import event_patterns, events, streams

STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:u22a8-training"
STREAM_ARN = (
    "arn:aws:dynamodb:us-east-1:123456789012:table/u22a8-ModelsTable-1A2B3C/stream/"
    "2026-01-01T00:00:00.000"
)
HANDLE = "acme.support-tone"


def _model_image(state: str = "ready", since: int = 12, **extra: Any) -> dict[str, Any]:
    """A model item as a NEW_AND_OLD_IMAGES record carries it: numbers are JSON strings."""
    image: dict[str, Any] = {
        "pk": {"S": f"MODEL#{HANDLE}"},
        "sk": {"S": "META"},
        "gsi1pk": {"S": "NS#acme#LIVE"},
        "gsi1sk": {"S": f"2026-01-01T00:00:00.000Z#{HANDLE}"},
        "handle": {"S": HANDLE},
        "namespace": {"S": "acme"},
        "criteria": {"L": [{"S": "Clarity"}, {"S": "Flow"}]},
        "task": {"S": "scoring"},
        "objective": {"S": "balanced_cosine"},
        "zero_data_retention": {"BOOL": False},
        "state": {"S": state},
        "revision": {"N": "7"},
        "sample_count": {"N": str(60 + since)},
        "samples_since_version": {"N": str(since)},
        "active_version": {"N": "1"},
        "active_version_id": {"S": "mv_0123456789abcdef0123"},
        "tag_map": {"M": {"prod": {"N": "1"}}},
        "created_at": {"S": "2026-01-01T00:00:00.000Z"},
        "updated_at": {"S": "2026-01-02T10:00:00.000Z"},
    }
    image.update(extra)
    return image


def _sample_image() -> dict[str, Any]:
    return {
        "pk": {"S": f"MODEL#{HANDLE}"},
        "sk": {"S": "SAMPLE#smp_019a0b0c0d0e00003f1e2d3c4b5a"},
        "sample_id": {"S": "smp_019a0b0c0d0e00003f1e2d3c4b5a"},
        "text": {"S": "Clear and direct."},
        "scores": {"M": {"Clarity": {"N": "0.9"}}},
        "created_at": {"S": "2026-01-02T10:00:00.000Z"},
    }


def _record(
    event_name: str, new: dict[str, Any] | None = None, old: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A DynamoDB stream record in the shape Lambda's event source mapping filters and sends."""
    image = new or old or {}
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": 1767348000,
        "Keys": {"pk": image["pk"], "sk": image["sk"]},
        "SequenceNumber": "4421584500000000017450439091",
        "SizeBytes": 512,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        change["NewImage"] = new
    if old is not None:
        change["OldImage"] = old
    return {
        "eventID": "c4ca4238a0b923820dcc509a6f75849b",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": change,
        "eventSourceARN": STREAM_ARN,
    }


def _status_change(status: str, state_machine: str = STATE_MACHINE) -> dict[str, Any]:
    """A "Step Functions Execution Status Change" event as EventBridge delivers it."""
    execution = state_machine.replace(":stateMachine:", ":execution:") + ":run_0123456789abcdef"
    return {
        "version": "0",
        "id": "315c1398-40ff-a850-213b-158f73e60175",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": "123456789012",
        "time": "2026-01-02T10:00:00Z",
        "region": "us-east-1",
        "resources": [execution],
        "detail": {
            "executionArn": execution,
            "stateMachineArn": state_machine,
            "name": "run_0123456789abcdef",
            "status": status,
            "startDate": 1767347000000,
            "stopDate": 1767348000000 if status != "RUNNING" else None,
            "input": '{"handle": "acme.support-tone", "run_id": "run_0123456789abcdef"}',
            "output": None,
            "inputDetails": {"included": True},
            "outputDetails": None,
            "error": "States.Timeout" if status == "TIMED_OUT" else None,
            "cause": None,
        },
    }


READY_MARKED = _model_image("ready", 50, retrain_due={"BOOL": True})
# (consumer, should match, record) per case; what each says is in its id.
STREAM_CASES: dict[str, tuple[str, bool, dict[str, Any]]] = {
    "retrain: the upload that reached the threshold": (
        "RetrainFunction",
        True,
        _record("MODIFY", READY_MARKED, _model_image("ready", 49)),
    ),
    "retrain: a publish leaving enough new samples": (
        "RetrainFunction",
        True,
        _record(
            "MODIFY",
            _model_image("ready", 55, retrain_due={"BOOL": True}),
            _model_image("busy", 80, retrain_due={"BOOL": True}),
        ),
    ),
    "retrain: at the threshold without the marker (a count AWS cannot compare)": (
        "RetrainFunction",
        False,
        _record("MODIFY", _model_image("ready", 50), _model_image("ready", 49)),
    ),
    "retrain: below the threshold": (
        "RetrainFunction",
        False,
        _record("MODIFY", _model_image("ready", 20), _model_image("ready", 10)),
    ),
    "retrain: marked but busy (a run holds the model)": (
        "RetrainFunction",
        False,
        _record("MODIFY", _model_image("busy", 80, retrain_due={"BOOL": True})),
    ),
    "retrain: marked but draft (nothing to retrain)": (
        "RetrainFunction",
        False,
        _record("MODIFY", _model_image("draft", 80, retrain_due={"BOOL": True})),
    ),
    "retrain: a sample item": ("RetrainFunction", False, _record("INSERT", _sample_image())),
    "retrain: a removed model": ("RetrainFunction", False, _record("REMOVE", None, READY_MARKED)),
    "purge: zero-data-retention turned on": (
        "PurgeSamplesFunction",
        True,
        _record(
            "MODIFY",
            _model_image(
                "ready",
                0,
                zero_data_retention={"BOOL": True},
                purge_pending={"S": "2026-01-02T10:00:00.000Z"},
            ),
            _model_image("ready", 12),
        ),
    ),
    "purge: a batch done, the next one called for": (
        "PurgeSamplesFunction",
        True,
        _record(
            "MODIFY",
            _model_image(
                "ready",
                0,
                purge_pending={"S": "2026-01-02T10:00:00.000Z"},
                purge_batches={"N": "1"},
            ),
        ),
    ),
    "purge: no purge pending": (
        "PurgeSamplesFunction",
        False,
        _record("MODIFY", _model_image("ready", 12)),
    ),
    "purge: a sample item": ("PurgeSamplesFunction", False, _record("INSERT", _sample_image())),
    "purge: a removed model": (
        "PurgeSamplesFunction",
        False,
        _record("REMOVE", None, _model_image(purge_pending={"S": "2026-01-02T10:00:00.000Z"})),
    ),
}

RULE_CASES: dict[str, tuple[str, bool, dict[str, Any]]] = {
    "reconcile: failed": ("ReconcileRunFunction", True, _status_change("FAILED")),
    "reconcile: timed out": ("ReconcileRunFunction", True, _status_change("TIMED_OUT")),
    "reconcile: aborted": ("ReconcileRunFunction", True, _status_change("ABORTED")),
    "reconcile: succeeded": ("ReconcileRunFunction", False, _status_change("SUCCEEDED")),
    "reconcile: running": ("ReconcileRunFunction", False, _status_change("RUNNING")),
    "reconcile: another state machine": (
        "ReconcileRunFunction",
        False,
        _status_change("FAILED", STATE_MACHINE + "-other"),
    ),
}


def _stream_patterns() -> dict[str, tuple[Mapping[str, Any], ...]]:
    return {source.function: tuple(source.patterns) for source in streams.sources()}


def _rule_patterns() -> dict[str, dict[str, Any]]:
    rules = events.rules({"TrainingStateMachine": STATE_MACHINE})
    return {rule.function: dict(rule.pattern) for rule in rules}


def test_every_filter_and_rule_of_the_template_has_cases_both_ways() -> None:
    for patterns, cases in ((_stream_patterns(), STREAM_CASES), (_rule_patterns(), RULE_CASES)):
        covered = {(function, expected) for function, expected, _ in cases.values()}
        assert covered == {(f, e) for f in patterns for e in (True, False)}


@pytest.mark.parametrize("case", sorted(STREAM_CASES))
def test_stream_filters_take_exactly_the_records_that_start_their_consumer(case: str) -> None:
    function, expected, record = STREAM_CASES[case]
    assert event_patterns.matches_any(_stream_patterns()[function], record) is expected


@pytest.mark.parametrize("case", sorted(RULE_CASES))
def test_rule_patterns_take_exactly_the_events_that_start_their_target(case: str) -> None:
    function, expected, event = RULE_CASES[case]
    assert event_patterns.matches(_rule_patterns()[function], event) is expected
