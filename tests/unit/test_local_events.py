"""The local EventBridge stand-in: pattern matching, the template's rules, the events' shape."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from local import events, template

STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:u22a8-local-Training"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:u22a8-local-Training:run_1"


def _event(status: str = "FAILED", state_machine: str = STATE_MACHINE) -> dict[str, Any]:
    return {
        "source": "aws.states",
        "detail-type": events.STATUS_CHANGE,
        "detail": {"status": status, "stateMachineArn": state_machine, "tags": ["a", "b"]},
    }


PATTERN = {
    "source": ["aws.states"],
    "detail-type": [events.STATUS_CHANGE],
    "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"], "stateMachineArn": [STATE_MACHINE]},
}


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
def test_pattern_matches_each_listed_value(status: str) -> None:
    assert events.matches(PATTERN, _event(status))


@pytest.mark.parametrize(
    "event",
    [
        _event("SUCCEEDED"),
        _event("RUNNING"),
        _event(state_machine=STATE_MACHINE + "-other"),
        {**_event(), "source": "aws.events"},
        {k: v for k, v in _event().items() if k != "detail"},
        {**_event(), "detail": "FAILED"},  # not an object where the pattern has one
        {**_event(), "detail": {"status": "FAILED"}},  # a pattern field is missing
    ],
)
def test_pattern_refuses_what_eventbridge_refuses(event: dict[str, Any]) -> None:
    assert not events.matches(PATTERN, event)


def test_array_values_match_when_any_element_does() -> None:
    assert events.matches({"detail": {"tags": ["b"]}}, _event())
    assert not events.matches({"detail": {"tags": ["c"]}}, _event())


def test_booleans_and_numbers_are_not_confused() -> None:
    assert events.matches({"x": [True]}, {"x": True})
    assert not events.matches({"x": [True]}, {"x": 1})
    assert not events.matches({"x": [1]}, {"x": True})
    assert events.matches({"x": [None]}, {"x": None})
    assert not events.matches({"x": [None]}, {})


def test_template_rule_is_resolved_against_local_names() -> None:
    (rule,) = events.rules({"TrainingStateMachine": STATE_MACHINE})
    assert rule.function == "ReconcileRunFunction"
    assert rule.pattern == PATTERN
    assert events.matches(rule.pattern, _event("ABORTED"))


def test_template_schedules_are_the_sweepers() -> None:
    by_function = {schedule.function: schedule.interval_s for schedule in events.schedules()}
    assert by_function == {"SweepStuckRunsFunction": 300, "PurgeSamplesFunction": 900}


def test_content_filters_load_and_malformed_patterns_fail_at_load() -> None:
    tpl = template.load_template()
    reconcile = tpl["Resources"]["ReconcileRunFunction"]
    changed = {
        **tpl,
        "Resources": {
            "ReconcileRunFunction": {
                **reconcile,
                "Properties": {
                    **reconcile["Properties"],
                    "Events": {
                        "Prefixed": {
                            "Type": "EventBridgeRule",
                            "Properties": {"Pattern": {"source": [{"prefix": "aws."}]}},
                        }
                    },
                },
            }
        },
    }
    assert events.rules({}, changed)[0].pattern == {"source": [{"prefix": "aws."}]}
    changed["Resources"]["ReconcileRunFunction"]["Properties"]["Events"]["Prefixed"]["Properties"][
        "Pattern"
    ] = {"source": "aws.states"}
    with pytest.raises(ValueError, match="non-empty list"):
        events.rules({}, changed)


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
    ],
)
def test_rate_expressions(expression: str, seconds: float) -> None:
    assert events.rate_seconds(expression) == seconds


def test_cron_is_not_run_locally() -> None:
    with pytest.raises(NotImplementedError):
        events.rate_seconds("cron(0 12 * * ? *)")


def test_status_change_event_has_aws_shape() -> None:
    started = datetime(2026, 5, 19, 12, 0, 0, 123000, tzinfo=UTC)
    stopped = datetime(2026, 5, 19, 12, 3, 10, 500000, tzinfo=UTC)
    event = events.status_change_event(
        {
            "executionArn": EXECUTION,
            "stateMachineArn": STATE_MACHINE,
            "name": "run_1",
            "status": "TIMED_OUT",
            "startDate": started,
            "stopDate": stopped,
            "input": '{"handle": "acme.m", "run_id": "run_1"}',
        }
    )
    assert event["detail-type"] == "Step Functions Execution Status Change"
    assert event["source"] == "aws.states"
    assert event["account"] == "123456789012"
    assert event["region"] == "us-east-1"
    assert event["time"] == "2026-05-19T12:03:10Z"
    assert event["resources"] == [EXECUTION]
    assert event["detail"] == {
        "executionArn": EXECUTION,
        "stateMachineArn": STATE_MACHINE,
        "name": "run_1",
        "status": "TIMED_OUT",
        "startDate": 1779192000123,
        "stopDate": 1779192190500,
        "input": '{"handle": "acme.m", "run_id": "run_1"}',
        "output": None,
        "inputDetails": {"included": True},
        "outputDetails": None,
        "error": None,
        "cause": None,
    }
    assert events.matches(PATTERN, event)


def test_scheduled_event_shape() -> None:
    rule = "arn:aws:events:us-east-1:123456789012:rule/sweep"
    event = events.scheduled_event(rule, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"] == [rule]
    assert event["time"] == "2026-01-02T03:04:05Z"
    assert event["detail"] == {}


def test_scheduler_fires_each_schedule_until_stopped() -> None:
    fired = threading.Event()
    calls: list[tuple[str, dict[str, Any]]] = []

    class Bus:
        def invoke(self, function: str, event: dict[str, Any]) -> None:
            calls.append((function, event))
            if len(calls) == 2:
                fired.set()

    schedule = events.Schedule("SweepStuckRunsFunction", "Sweep", "rate(5 minutes)", 300)
    scheduler = events.Scheduler(
        Bus(),  # type: ignore[arg-type]
        [schedule],
        lambda s: f"arn:aws:events:us-east-1:123456789012:rule/{s.name}",
        interval_override_s=0.01,
    )
    scheduler.start()
    try:
        assert fired.wait(10)
    finally:
        scheduler.stop()
    function, event = calls[0]
    assert function == "SweepStuckRunsFunction"
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/Sweep"]
