"""Ending a run without a publish: POST …/runs/{run_id}/cancel, ``runs_service.finish_run`` (the
release the workflow's failure step and the reconciler use), and archiving a busy model."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local import iam_audit
from tests.helpers import GatewayClient
from tests.integration.run_helpers import (
    PATH,
    PREVIOUS_OPERATION,
    TRAIN,
    create,
    execution,
    make_ready,
    problem,
    raw_item,
    run,
    set_state,
    started,
    stored,
)
from u22a8.api import etags
from u22a8.config import get_settings
from u22a8.data import clients, executions, runs_repo
from u22a8.domain import reconcile, runs_service
from u22a8.entities.model import ModelState, OperationError
from u22a8.entities.run import RunStatus, new_run_id

HOLD_ATTRIBUTES = ("current_run_id", "state_before_run", "operation_before_run", "gsi2pk")
TOO_FEW = OperationError("too-few-samples", "Add at least 10 labelled samples, then train again.")


@pytest.fixture
def model(api: GatewayClient) -> dict[str, Any]:
    return create(api)


def _cancel(api: GatewayClient, run_id: str) -> Any:
    return api.post(f"{PATH}/runs/{run_id}/cancel")


def _assert_released() -> None:
    item = raw_item()
    for attribute in HOLD_ATTRIBUTES:
        assert attribute not in item, attribute


# --- cancel --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("model")
def test_cancel_returns_a_draft_to_draft_and_aborts_the_execution(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {"effort": "low"}))
    busy = stored()
    reply = _cancel(api, run_id)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["run_id"] == run_id
    assert body["status"] == "cancelled"
    assert body["finished_at"] is not None
    assert body["error"] is None
    assert api.get(f"{PATH}/runs/{run_id}").json() == body  # what was answered is what is stored

    model = stored()
    assert model.state is ModelState.DRAFT
    assert model.revision == busy.revision + 1
    assert model.last_operation is not None
    assert model.last_operation.status == "cancelled"
    assert model.last_operation.run_id == run_id
    assert model.last_operation.finished_at == body["finished_at"]
    _assert_released()
    assert execution(run_id)["status"] == "ABORTED"


@pytest.mark.usefixtures("model")
def test_cancel_stops_the_execution_saying_why(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = started(api.post(TRAIN, {}))
    client = clients.stepfunctions()
    real_stop = client.stop_execution
    stops: list[dict[str, Any]] = []

    def stop_execution(**kwargs: Any) -> Any:
        stops.append(kwargs)
        return real_stop(**kwargs)

    monkeypatch.setattr(client, "stop_execution", stop_execution)
    assert _cancel(api, run_id).status == 200
    assert stops == [
        {
            "executionArn": run(run_id).execution_arn,
            "error": "Cancelled",
            "cause": "cancelled by the user",
        }
    ]


@pytest.mark.usefixtures("model")
def test_cancel_leaves_a_ready_model_serving_its_active_version(api: GatewayClient) -> None:
    ready = make_ready()
    run_id = started(api.post(TRAIN, {"reoptimize_params": True}))
    assert _cancel(api, run_id).status == 200
    model = stored()
    assert model.state is ModelState.READY
    assert (model.active_version, model.active_version_id) == (1, ready.active_version_id)
    assert model.last_operation is not None
    assert model.last_operation.status == "cancelled"
    assert execution(run_id)["status"] == "ABORTED"
    # Ready again: training without reoptimize is the no-op it was before.
    assert api.post(TRAIN, {}).json() == {"state": "ready", "run_id": None}


@pytest.mark.usefixtures("model")
def test_cancel_returns_a_failed_model_to_failed(api: GatewayClient) -> None:
    set_state("failed", last_operation={**PREVIOUS_OPERATION, "status": "failed"})
    run_id = started(api.post(TRAIN, {}))
    assert _cancel(api, run_id).status == 200
    assert stored().state is ModelState.FAILED


@pytest.mark.usefixtures("model")
def test_cancelling_twice_is_200_with_the_cancelled_run_and_changes_nothing(
    api: GatewayClient,
) -> None:
    run_id = started(api.post(TRAIN, {}))
    first = _cancel(api, run_id)
    assert first.status == 200
    after = stored()
    again = _cancel(api, run_id)
    assert again.status == 200, again.body
    assert again.json() == first.json()
    assert again.json()["status"] == "cancelled"
    assert stored() == after


@pytest.mark.usefixtures("model")
def test_a_failed_run_cannot_be_cancelled_409_run_finished(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {}))
    assert runs_service.finish_run("acme.m", run_id, "failed", TOO_FEW)
    after = stored()
    body = problem(_cancel(api, run_id), 409, "run-finished")
    assert "failed" in body["detail"]
    assert _cancel(api, run_id).header("Retry-After") is None
    assert stored() == after


@pytest.mark.usefixtures("model")
def test_cancel_of_unknown_runs_and_models_is_404(api: GatewayClient, other_key: str) -> None:
    problem(_cancel(api, new_run_id()), 404, "run-not-found")
    problem(api.post(f"/v1/models/acme.ghost/runs/{new_run_id()}/cancel"), 404, "model-not-found")
    run_id = started(api.post(TRAIN, {}))
    problem(api.with_key(other_key).post(f"{PATH}/runs/{run_id}/cancel"), 404, "model-not-found")
    problem(_cancel(api, "run_nope"), 422, "validation-error")
    assert run(run_id).status is RunStatus.RUNNING


@pytest.mark.usefixtures("model")
def test_cancel_on_an_archived_model_is_409(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {}))
    assert api.delete(PATH).status == 200
    problem(_cancel(api, run_id), 409, "model-archived")


@pytest.mark.usefixtures("model")
def test_a_run_whose_execution_never_started_can_be_cancelled(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = started(api.post(TRAIN, {}))

    def stop_execution(**kwargs: Any) -> Any:
        raise ClientError(
            {"Error": {"Code": "ExecutionDoesNotExist", "Message": "no"}}, "StopExecution"
        )

    monkeypatch.setattr(clients.stepfunctions(), "stop_execution", stop_execution)
    assert _cancel(api, run_id).json()["status"] == "cancelled"
    assert stored().state is ModelState.DRAFT


@pytest.mark.usefixtures("model")
def test_a_throttled_stop_is_503_and_changes_nothing(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = started(api.post(TRAIN, {}))
    busy = stored()

    def stop_execution(**kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "Stop")

    monkeypatch.setattr(clients.stepfunctions(), "stop_execution", stop_execution)
    problem(_cancel(api, run_id), 503, "service-unavailable")
    assert stored() == busy
    assert run(run_id).status is RunStatus.RUNNING


@pytest.mark.usefixtures("model")
def test_a_cancel_the_reconciler_recorded_first_still_answers_the_cancelled_run(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ABORTED event can reach the reconciler before the cancel records its release."""
    run_id = started(api.post(TRAIN, {}))
    client = clients.stepfunctions()
    real_stop = client.stop_execution

    def stop_then_reconcile(**kwargs: Any) -> Any:
        answer = real_stop(**kwargs)
        with iam_audit.acting_as("ReconcileRunFunction"):  # its event, arriving first
            assert reconcile.reconcile(reconcile.EndedRun("acme.m", run_id, "ABORTED"))
        return answer

    monkeypatch.setattr(client, "stop_execution", stop_then_reconcile)
    reply = _cancel(api, run_id)
    assert reply.status == 200, reply.body
    assert reply.json()["status"] == "cancelled"
    assert stored().state is ModelState.DRAFT


# --- finish_run ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("model")
def test_a_run_failed_without_a_reason_gets_one_a_user_can_act_on(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {}))
    assert runs_service.finish_run("acme.m", run_id, "failed") is True
    ended = run(run_id)
    assert ended.status is RunStatus.FAILED
    assert ended.error is not None
    assert ended.error.code == "run-failed"
    assert "Train again" in ended.error.message
    assert stored().last_operation.error == ended.error  # type: ignore[union-attr]


@pytest.mark.usefixtures("model")
def test_a_cancelled_run_carries_no_error_even_when_given_one(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {}))
    assert runs_service.finish_run("acme.m", run_id, "cancelled", TOO_FEW) is True
    assert run(run_id).error is None
    assert stored().last_operation.error is None  # type: ignore[union-attr]


@pytest.mark.usefixtures("model")
def test_a_failed_run_without_a_version_fails_the_model(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {}))
    assert runs_service.finish_run("acme.m", run_id, "failed", TOO_FEW) is True
    model = stored()
    assert model.state is ModelState.FAILED
    assert model.last_operation is not None
    assert model.last_operation.status == "failed"
    assert model.last_operation.error == TOO_FEW
    assert model.last_operation.finished_at is not None
    _assert_released()
    ended = run(run_id)
    assert (ended.status, ended.error) == (RunStatus.FAILED, TOO_FEW)
    assert api.get(PATH).json()["last_operation"]["error"] == {
        "code": TOO_FEW.code,
        "message": TOO_FEW.message,
    }


@pytest.mark.usefixtures("model")
def test_a_failed_run_leaves_the_old_version_serving(api: GatewayClient) -> None:
    make_ready()
    run_id = started(api.post(TRAIN, {"reoptimize_params": True}))
    assert runs_service.finish_run("acme.m", run_id, "failed", TOO_FEW)
    model = stored()
    assert model.state is ModelState.READY
    assert model.active_version == 1
    assert model.last_operation is not None
    assert model.last_operation.error == TOO_FEW


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("outcome", ["failed", "cancelled"])
def test_finish_run_is_idempotent(api: GatewayClient, outcome: str) -> None:
    run_id = started(api.post(TRAIN, {}))
    assert runs_service.finish_run("acme.m", run_id, outcome, TOO_FEW) is True
    after = stored()
    ended = run(run_id)
    assert runs_service.finish_run("acme.m", run_id, outcome, TOO_FEW) is False
    assert runs_service.finish_run("acme.m", run_id, "cancelled") is False
    assert stored() == after
    assert run(run_id) == ended


@pytest.mark.usefixtures("model")
def test_finishing_a_stale_run_changes_nothing(api: GatewayClient) -> None:
    first = started(api.post(TRAIN, {}))
    assert _cancel(api, first).status == 200
    second = started(api.post(TRAIN, {}))
    busy = stored()
    assert runs_service.finish_run("acme.m", first, "failed", TOO_FEW) is False
    assert stored() == busy
    assert stored().current_run_id == second
    assert run(first).status is RunStatus.CANCELLED
    assert run(second).status is RunStatus.RUNNING


@pytest.mark.usefixtures("aws")
def test_finishing_a_run_of_a_missing_model_changes_nothing() -> None:
    assert runs_service.finish_run("acme.ghost", new_run_id(), "failed", TOO_FEW) is False


@pytest.mark.usefixtures("model")
def test_a_model_held_by_a_run_that_already_ended_is_released(api: GatewayClient) -> None:
    """Defensive: the model is released even when its run item says the run is over."""
    run_id = started(api.post(TRAIN, {}))
    runs_repo.put("acme.m", replace(run(run_id), status=RunStatus.FAILED))
    assert runs_service.finish_run("acme.m", run_id, "failed", TOO_FEW) is True
    assert stored().state is ModelState.FAILED
    _assert_released()


@pytest.mark.usefixtures("model")
def test_finish_run_refuses_outcomes_it_does_not_own(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {}))
    for outcome in ("succeeded", "running", "bogus"):
        with pytest.raises(ValueError, match=outcome):
            runs_service.finish_run("acme.m", run_id, outcome)
    assert stored().state is ModelState.BUSY


@pytest.mark.usefixtures("model")
def test_the_reconciler_releases_an_aborted_run_once(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {}))
    ended = reconcile.EndedRun("acme.m", run_id, "FAILED", "States.Runtime")
    assert reconcile.reconcile(ended) is True
    assert reconcile.reconcile(ended) is False
    assert stored().state is ModelState.FAILED


# --- archive of a busy model ---------------------------------------------------------------------


@pytest.mark.usefixtures("model")
def test_archiving_a_busy_model_stops_its_run_first(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {}))
    reply = api.delete(PATH)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["state"] == "archived"
    assert body["last_operation"]["status"] == "cancelled"
    assert body["last_operation"]["run_id"] == run_id
    assert reply.header("ETag") == etags.etag(stored())
    assert execution(run_id)["status"] == "ABORTED"
    assert run(run_id).status is RunStatus.CANCELLED
    _assert_released()
    # Archived: train is refused, and archiving again is the usual no-op.
    problem(api.post(TRAIN, {}), 409, "model-archived")
    assert api.delete(PATH).json() == body


@pytest.mark.usefixtures("model")
def test_archiving_a_busy_model_checks_if_match_before_stopping(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {}))
    busy = stored()
    problem(api.delete(PATH, headers={"If-Match": '"1"'}), 412, "precondition-failed")
    assert stored() == busy
    assert execution(run_id)["status"] == "RUNNING"
    reply = api.delete(PATH, headers={"If-Match": etags.etag(busy)})
    assert reply.status == 200, reply.body
    assert reply.json()["state"] == "archived"


@pytest.mark.usefixtures("model")
def test_patching_a_busy_model_still_works(api: GatewayClient) -> None:
    started(api.post(TRAIN, {}))
    reply = api.patch(PATH, {"description": "still busy"})
    assert reply.status == 200, reply.body
    assert reply.json()["state"] == "busy"


# --- cancel racing the run's own end ----------------------------------------------------------


def _ends_just_before_the_stop(
    monkeypatch: pytest.MonkeyPatch, run_id: str, status: RunStatus
) -> None:
    """The run ends by itself between the cancel's read (still running) and its stop: the
    workflow's failure step releases it, or its publish does (which marks the run succeeded in
    the same write; here the release and the mark are two writes made before the stop)."""
    real_stop = executions.stop

    def stop(execution_arn: str, error: str, cause: str) -> bool:
        assert runs_service.finish_run("acme.m", run_id, "failed", TOO_FEW)
        if status is RunStatus.SUCCEEDED:
            clients.dynamodb().update_item(
                TableName=get_settings().models_table,
                Key={"pk": {"S": "MODEL#acme.m"}, "sk": {"S": f"RUN#{run_id}"}},
                UpdateExpression="SET #status = :s REMOVE #error",
                ExpressionAttributeNames={"#status": "status", "#error": "error"},
                ExpressionAttributeValues={":s": {"S": status.value}},
            )
        return real_stop(execution_arn, error, cause)

    monkeypatch.setattr(executions, "stop", stop)


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("status", [RunStatus.SUCCEEDED, RunStatus.FAILED])
def test_cancel_racing_a_run_that_just_ended_is_409_run_finished_and_changes_nothing(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch, status: RunStatus
) -> None:
    run_id = started(api.post(TRAIN, {}))
    _ends_just_before_the_stop(monkeypatch, run_id, status)
    reply = _cancel(api, run_id)
    body = problem(reply, 409, "run-finished")
    assert status.value in body["detail"]
    assert reply.header("Retry-After") is None
    assert run(run_id).status is status  # the cancel did not overwrite how it ended
    model = stored()
    assert model.state is ModelState.FAILED
    assert model.last_operation is not None
    assert model.last_operation.status == "failed"
    _assert_released()
