"""Reconciling ended runs: reading the status-change event, choosing the outcome, sweeping.

The writes themselves (``runs_service.finish_run``, ``runs_repo.undo_claim``) are replaced by
recorders here; tests/integration/test_reconcile.py runs them for real through the workflow.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.helpers import lambda_context
from u22a8.data import artifacts, busy_index, execution_status, runs_repo
from u22a8.domain import reconcile, runs_service
from u22a8.domain.reconcile import EndedRun
from u22a8.entities.model import OperationError

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:stack-training"
NOW = datetime(2026, 5, 19, 12, 0, tzinfo=UTC)


def _execution(run_id: str) -> str:
    return execution_status.execution_arn(MACHINE, run_id)


@pytest.fixture
def finished(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Every release the domain asks for; each one "changes" the model."""
    calls: list[tuple[str, ...]] = []

    def finish_run(handle: str, run_id: str, outcome: str, error: OperationError | None) -> bool:
        calls.append((handle, run_id, outcome, error.code if error else ""))
        return True

    def undo_claim(handle: str, run_id: str, error: OperationError, now: str) -> bool:
        calls.append((handle, run_id, "undo", error.code))
        return True

    # The modules reconcile calls into (it uses them as ``runs_service.finish_run`` etc.).
    monkeypatch.setattr(runs_service, "finish_run", finish_run)
    monkeypatch.setattr(runs_repo, "undo_claim", undo_claim)
    monkeypatch.setattr(artifacts, "delete_artifacts", lambda keys: [])
    return calls


def test_execution_arn_follows_from_the_state_machine() -> None:
    assert _execution("run_1") == (
        "arn:aws:states:us-east-1:123456789012:execution:stack-training:run_1"
    )
    with pytest.raises(ValueError, match="not a state machine ARN"):
        execution_status.execution_arn("arn:aws:lambda:us-east-1:1:function:f", "run_1")


@pytest.mark.parametrize(
    ("status", "outcome", "code"),
    [
        ("ABORTED", "cancelled", None),
        ("TIMED_OUT", "failed", "run-timed-out"),
        ("FAILED", "failed", "run-failed"),
        ("SUCCEEDED", "failed", "run-failed"),
        (reconcile.NEVER_STARTED, "failed", "start-failed"),
    ],
)
def test_each_ending_has_an_outcome_and_an_actionable_error(
    status: str, outcome: str, code: str | None
) -> None:
    got_outcome, error = reconcile.ending(EndedRun("acme.m", "run_1", status, "States.Runtime"))
    assert got_outcome == outcome
    assert (error.code if error else None) == code
    if error is not None:
        assert "Train again" in error.message
        assert "Traceback" not in error.message


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("SUCCEEDED", "ended without publishing a version"),
        ("FAILED", "stopped on an internal error"),
        ("TIMED_OUT", "did not finish within its time limit"),
    ],
)
def test_each_ending_says_how_the_run_ended(status: str, says: str) -> None:
    _, error = reconcile.ending(EndedRun("acme.m", "run_1", status))
    assert error is not None
    assert says in error.message


def test_an_event_without_status_or_arn_reads_as_empty_not_as_none() -> None:
    ended = reconcile.from_status_change({"input": {"handle": "acme.m", "run_id": "run_1"}})
    assert (ended.status, ended.error) == ("", None)


def test_an_event_without_input_or_arn_describes_nothing() -> None:
    described: list[str] = []

    def describe(arn: str) -> execution_status.ExecutionStatus | None:
        described.append(arn)
        return None

    with pytest.raises(reconcile.UnknownExecution, match=r"execution \? carries no handle"):
        reconcile.from_status_change({"status": "FAILED"}, describe)
    assert described == []


@pytest.mark.parametrize(
    "payload",
    [
        {"run_id": "run_1"},  # no handle
        {"handle": "", "run_id": "run_1"},
        {"handle": 7, "run_id": "run_1"},
        {"handle": "acme.m", "run_id": 7},
        {"handle": "acme.m", "run_id": ""},
    ],
)
def test_an_event_naming_no_handle_and_run_is_unknown_and_says_which_execution(
    payload: dict[str, Any],
) -> None:
    detail = {
        "status": "FAILED",
        "executionArn": _execution("x"),
        "name": "",  # no run id from the execution's name either
        "input": json.dumps(payload),
    }
    with pytest.raises(reconcile.UnknownExecution, match=re.escape(_execution("x"))):
        reconcile.from_status_change(detail, lambda arn: None)


def test_the_run_id_comes_from_the_input_and_else_from_the_execution_name() -> None:
    detail: dict[str, Any] = {"status": "FAILED", "name": "run_named"}
    with_id = {**detail, "input": {"handle": "acme.m", "run_id": "run_input"}}
    assert reconcile.from_status_change(with_id).run_id == "run_input"
    without = {**detail, "input": {"handle": "acme.m"}}
    assert reconcile.from_status_change(without).run_id == "run_named"


@pytest.mark.parametrize("raw", [7, ["a"], "", "not json", "[1]"])
def test_an_input_that_is_not_a_json_object_is_read_from_the_execution(raw: object) -> None:
    described = execution_status.ExecutionStatus(
        _execution("run_1"), "run_1", "FAILED", {"handle": "acme.m", "run_id": "run_1"}, None, None
    )
    detail = {"status": "FAILED", "executionArn": _execution("run_1"), "input": raw}
    assert reconcile.from_status_change(detail, lambda arn: described).handle == "acme.m"


def test_event_input_names_the_run() -> None:
    detail = {
        "executionArn": _execution("run_1"),
        "name": "run_1",
        "status": "FAILED",
        "error": "RuntimeError",
        "input": json.dumps({"handle": "acme.m", "run_id": "run_1", "effort": "low"}),
        "inputDetails": {"included": True},
    }

    def never(arn: str) -> execution_status.ExecutionStatus | None:
        raise AssertionError("no DescribeExecution when the input is in the event")

    assert reconcile.from_status_change(detail, never) == EndedRun(
        "acme.m", "run_1", "FAILED", "RuntimeError"
    )


def test_an_input_left_out_of_the_event_is_described() -> None:
    detail = {
        "executionArn": _execution("run_2"),
        "name": "run_2",
        "status": "TIMED_OUT",
        "input": None,
        "inputDetails": {"included": False},
    }
    described = execution_status.ExecutionStatus(
        _execution("run_2"), "run_2", "TIMED_OUT", {"handle": "acme.m"}, None, None
    )
    assert reconcile.from_status_change(detail, lambda arn: described) == EndedRun(
        "acme.m", "run_2", "TIMED_OUT"
    )


@pytest.mark.parametrize(
    "detail",
    [
        {"status": "FAILED", "executionArn": _execution("x"), "name": "x", "input": "{}"},
        {"status": "FAILED", "executionArn": _execution("x"), "name": "x", "input": "not json"},
        {"status": "FAILED", "executionArn": _execution("x"), "name": "x", "input": "[1]"},
    ],
)
def test_an_execution_that_names_no_model_is_left_alone(
    detail: dict[str, Any], finished: list[tuple[str, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execution_status, "describe", lambda arn: None)
    assert reconcile.reconcile_status_change(detail) is False
    assert finished == []


@pytest.mark.parametrize("status", ["SUCCEEDED", "RUNNING", None])
def test_statuses_outside_the_rule_are_ignored(
    status: str | None, finished: list[tuple[str, ...]]
) -> None:
    detail = {"status": status, "input": json.dumps({"handle": "acme.m", "run_id": "run_1"})}
    assert reconcile.reconcile_status_change(detail) is False
    assert finished == []


def test_an_aborted_execution_cancels_its_run(finished: list[tuple[str, ...]]) -> None:
    detail = {
        "status": "ABORTED",
        "name": "run_1",
        "input": json.dumps({"handle": "acme.m", "run_id": "run_1"}),
    }
    assert reconcile.reconcile_status_change(detail) is True
    assert finished == [("acme.m", "run_1", "cancelled", "")]


# -- the sweep ----------------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_the_sweep_reconciles_only_runs_whose_execution_is_over(
    monkeypatch: pytest.MonkeyPatch, finished: list[tuple[str, ...]]
) -> None:
    busy = [
        busy_index.BusyModel("acme.running", "run_running", _stamp(NOW)),
        busy_index.BusyModel("acme.aborted", "run_aborted", _stamp(NOW)),
        busy_index.BusyModel("acme.timed-out", "run_timed_out", _stamp(NOW)),
        busy_index.BusyModel("acme.redriving", "run_redriving", _stamp(NOW)),
        busy_index.BusyModel("acme.orphan", "run_orphan", _stamp(NOW - timedelta(minutes=6))),
        busy_index.BusyModel("acme.starting", "run_starting", _stamp(NOW - timedelta(minutes=1))),
        busy_index.BusyModel("acme.no-run", None, None),
        busy_index.BusyModel("acme.broken", "run_broken", _stamp(NOW)),
    ]
    statuses = {
        "run_running": "RUNNING",
        "run_aborted": "ABORTED",
        "run_timed_out": "TIMED_OUT",
        "run_redriving": "PENDING_REDRIVE",
    }

    def describe(arn: str) -> execution_status.ExecutionStatus | None:
        run_id = arn.rsplit(":", 1)[1]
        if run_id == "run_broken":
            raise RuntimeError("throttled")
        if run_id not in statuses:
            return None
        return execution_status.ExecutionStatus(arn, run_id, statuses[run_id], None, None, None)

    monkeypatch.setattr(busy_index, "busy_models", lambda: iter(busy))
    monkeypatch.setattr(execution_status, "describe", describe)

    report = reconcile.sweep(MACHINE, now=NOW)

    assert report.busy == len(busy)
    assert report.reconciled == ["run_aborted", "run_timed_out", "run_orphan"]
    assert report.errors == ["acme.broken"]  # reported, and the sweep went on
    assert finished == [
        ("acme.aborted", "run_aborted", "cancelled", ""),
        ("acme.timed-out", "run_timed_out", "failed", "run-timed-out"),
        ("acme.orphan", "run_orphan", "undo", "start-failed"),
    ]


def test_the_sweep_needs_the_state_machine() -> None:
    with pytest.raises(ValueError, match="TRAINING_STATE_MACHINE_ARN"):
        reconcile.sweep("")


def test_a_sweep_that_could_not_check_every_model_fails_visibly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from functions.sweep_stuck_runs import app

    report = reconcile.SweepReport(busy=3, reconciled=["run_1"], errors=["acme.broken"])
    monkeypatch.setattr(reconcile, "sweep", lambda arn: report)  # app calls reconcile.sweep
    with pytest.raises(reconcile.SweepIncomplete, match="1 busy models could not be checked"):
        app.handler({}, lambda_context("SweepStuckRunsFunction"))


@pytest.mark.parametrize("started_at", [None, "", "not a time"])
def test_a_busy_model_whose_run_has_no_start_time_and_no_execution_is_released(
    monkeypatch: pytest.MonkeyPatch, finished: list[tuple[str, ...]], started_at: str | None
) -> None:
    """Without a start time there is no grace to wait for: the claim is taken back, and the
    sweep does not stumble on it (comparing no time with the grace would raise)."""
    busy = [busy_index.BusyModel("acme.timeless", "run_timeless", started_at)]
    monkeypatch.setattr(busy_index, "busy_models", lambda: iter(busy))
    monkeypatch.setattr(execution_status, "describe", lambda arn: None)

    report = reconcile.sweep(MACHINE, now=NOW)

    assert report.errors == []
    assert report.reconciled == ["run_timeless"]
    assert finished == [("acme.timeless", "run_timeless", "undo", "start-failed")]
