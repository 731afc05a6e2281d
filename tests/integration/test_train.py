"""POST /v1/models/{handle}/train: every row of the contract's transition table, If-Match,
validation, Idempotency-Key, 50 concurrent calls, a start that fails, and the exact AWS calls.

Step Functions is moto without its execution engine: a started execution stays RUNNING, which is
all the API needs (the workflow has its own tests).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from tests.helpers import GatewayClient, Reply
from tests.integration.run_helpers import (
    HANDLE,
    PATH,
    PREVIOUS_OPERATION,
    TRAIN,
    create,
    execution,
    execution_input,
    executions,
    make_ready,
    problem,
    raw_item,
    run,
    run_items,
    set_state,
    started,
    stored,
)
from u22a8.api import etags
from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.entities.model import ModelState
from u22a8.entities.run import RUN_ID_PATTERN, RunStatus

CONCURRENT_CALLS = 50


@pytest.fixture
def model(api: GatewayClient) -> dict[str, Any]:
    return create(api)


def _train(api: GatewayClient, body: Any = None, **kwargs: Any) -> Reply:
    return api.post(TRAIN, body, **kwargs)


# --- draft / failed: a new run -------------------------------------------------------------------


@pytest.mark.usefixtures("model")
def test_training_a_draft_starts_a_run_and_its_execution(api: GatewayClient) -> None:
    before = stored()
    reply = _train(api, {"effort": "high"})
    run_id = started(reply)
    assert reply.json() == {"state": "busy", "run_id": run_id}
    assert re.fullmatch(RUN_ID_PATTERN, run_id)
    assert reply.header("Location") == f"/{api.gateway.stage}{PATH}/runs/{run_id}"

    model = stored()
    assert model.state is ModelState.BUSY
    assert model.revision == before.revision + 1
    assert model.current_run_id == run_id
    operation = model.last_operation
    assert operation is not None
    assert (operation.kind, operation.status, operation.run_id) == ("train", "running", run_id)
    assert operation.finished_at is None
    assert operation.progress == 0
    item = raw_item()
    assert item["state_before_run"] == {"S": "draft"}
    assert item["gsi2pk"] == {"S": "BUSY"}  # listed for the stuck-run sweeper

    stored_run = run(run_id)
    assert stored_run.status is RunStatus.RUNNING
    assert (stored_run.kind, stored_run.effort) == ("train", "high")
    assert stored_run.reoptimize_params is False
    assert stored_run.started_at == operation.started_at

    (only,) = executions()
    assert only["name"] == run_id
    assert only["status"] == "RUNNING"
    assert stored_run.execution_arn == only["executionArn"]
    assert execution_input(run_id) == {
        "handle": HANDLE,
        "run_id": run_id,
        "kind": "train",
        "effort": "high",
        "reoptimize_params": False,
    }


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("body", [None, {}, {"effort": None}, {"reoptimize_params": False}])
def test_effort_defaults_to_medium(api: GatewayClient, body: Any) -> None:
    run_id = started(_train(api, body))
    assert run(run_id).effort == "medium"
    assert execution_input(run_id)["effort"] == "medium"


@pytest.mark.usefixtures("model")
def test_training_a_failed_model_starts_a_run(api: GatewayClient) -> None:
    failed_before = {
        **PREVIOUS_OPERATION,
        "status": "failed",
        "error": {"code": "x", "message": "y"},
    }
    set_state("failed", last_operation=failed_before)
    run_id = started(_train(api, {"reoptimize_params": True}))
    assert stored().state is ModelState.BUSY
    assert raw_item()["state_before_run"] == {"S": "failed"}
    assert run(run_id).reoptimize_params is True
    assert len(executions()) == 1


# --- ready -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("body", [None, {}, {"reoptimize_params": False}, {"effort": "max"}])
def test_a_ready_model_without_reoptimize_is_200_and_queues_nothing(
    api: GatewayClient, body: Any
) -> None:
    before = make_ready()
    reply = _train(api, body)
    assert reply.status == 200, reply.body
    assert reply.json() == {"state": "ready", "run_id": None}
    assert reply.header("Location") is None
    assert stored() == before  # nothing written, not even the revision
    assert executions() == []
    assert run_items() == []


@pytest.mark.usefixtures("model")
def test_a_ready_model_with_reoptimize_starts_a_fresh_search(api: GatewayClient) -> None:
    before = make_ready()
    run_id = started(_train(api, {"reoptimize_params": True, "effort": "low"}))
    model = stored()
    assert model.state is ModelState.BUSY
    assert (model.active_version, model.active_version_id) == (1, before.active_version_id)
    assert raw_item()["state_before_run"] == {"S": "ready"}
    assert execution_input(run_id)["reoptimize_params"] is True


# --- busy ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize(
    ("first", "again"),
    [
        ({}, {}),
        ({}, {"effort": "medium"}),
        ({"effort": None}, {"effort": "medium", "reoptimize_params": False}),
        (
            {"effort": "max", "reoptimize_params": True},
            {"reoptimize_params": True, "effort": "max"},
        ),
    ],
)
def test_the_same_request_while_busy_answers_the_running_run(
    api: GatewayClient, first: dict[str, Any], again: dict[str, Any]
) -> None:
    run_id = started(_train(api, first))
    busy = stored()
    reply = _train(api, again)
    assert started(reply) == run_id
    assert reply.json() == {"state": "busy", "run_id": run_id}
    assert stored() == busy  # an idempotent hit writes nothing
    assert len(executions()) == 1
    assert len(run_items()) == 1


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize(
    "again",
    [{"effort": "low"}, {"reoptimize_params": True}, {"effort": "high", "reoptimize_params": True}],
)
def test_a_different_request_while_busy_is_409_naming_the_running_run(
    api: GatewayClient, again: dict[str, Any]
) -> None:
    run_id = started(_train(api, {"effort": "high"}))
    busy = stored()
    body = problem(_train(api, again), 409, "model-busy")
    assert body["run_id"] == run_id
    assert run_id in body["detail"]
    assert stored() == busy
    assert len(executions()) == 1


@pytest.mark.usefixtures("model")
def test_a_busy_retrain_is_a_different_request(api: GatewayClient) -> None:
    """An automatic retrain holds the model: a user's train is a conflict, not a hit."""
    run_id = started(_train(api))
    operation = raw_item()["last_operation"]
    operation["M"]["kind"] = {"S": "retrain"}
    boto3.client("dynamodb").update_item(
        TableName=get_settings().models_table,
        Key={"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": "META"}},
        UpdateExpression="SET last_operation = :op",
        ExpressionAttributeValues={":op": operation},
    )
    assert problem(_train(api), 409, "model-busy")["run_id"] == run_id


# --- archived, missing, malformed ----------------------------------------------------------------


@pytest.mark.usefixtures("model")
def test_an_archived_model_is_409(api: GatewayClient) -> None:
    assert api.delete(PATH).status == 200
    before = stored()
    problem(_train(api), 409, "model-archived")
    problem(_train(api, {"reoptimize_params": True}), 409, "model-archived")
    assert stored() == before
    assert executions() == []


def test_an_unknown_model_is_404(api: GatewayClient) -> None:
    problem(_train(api), 404, "model-not-found")
    assert executions() == []


@pytest.mark.usefixtures("model")
def test_another_tenants_model_is_404(api: GatewayClient, other_key: str) -> None:
    problem(api.with_key(other_key).post(TRAIN, {}), 404, "model-not-found")
    assert stored().state is ModelState.DRAFT


def test_a_malformed_handle_is_422(api: GatewayClient) -> None:
    problem(api.post("/v1/models/Not_A_Handle/train", {}), 422, "validation-error")


# --- If-Match ------------------------------------------------------------------------------------


def test_if_match_is_honoured(api: GatewayClient, model: dict[str, Any]) -> None:
    stale = '"99"'
    problem(_train(api, {}, headers={"If-Match": stale}), 412, "precondition-failed")
    assert stored().state is ModelState.DRAFT
    assert executions() == []
    current = api.get(PATH).header("ETag")
    assert current is not None
    run_id = started(_train(api, {}, headers={"If-Match": current}))
    # The same request again with the ETag it was sent with: already applied, so 202 again.
    assert started(_train(api, {}, headers={"If-Match": current})) == run_id
    # A different request with that stale ETag: the precondition fails first.
    problem(
        _train(api, {"effort": "low"}, headers={"If-Match": current}), 412, "precondition-failed"
    )


@pytest.mark.usefixtures("model")
def test_if_match_on_a_ready_model(api: GatewayClient) -> None:
    ready = make_ready()
    problem(_train(api, {}, headers={"If-Match": '"1"'}), 412, "precondition-failed")
    reply = _train(api, {}, headers={"If-Match": etags.etag(ready)})
    assert (reply.status, reply.json()) == (200, {"state": "ready", "run_id": None})
    started(_train(api, {"reoptimize_params": True}, headers={"If-Match": "*"}))


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"effort": "extreme"}, "effort"),
        ({"effort": 3}, "effort"),
        ({"state": "busy"}, "state"),
        ({"reoptimize_params": "true"}, "reoptimize_params"),
        ({"reoptimize_params": None}, "reoptimize_params"),
        ({"effort": "low", "priority": 1}, "priority"),
    ],
)
def test_invalid_bodies_are_422_and_change_nothing(
    api: GatewayClient, body: dict[str, Any], field: str
) -> None:
    before = stored()
    error = problem(_train(api, body), 422, "validation-error")
    assert ["body", field] in [e["loc"] for e in error["errors"]]
    assert stored() == before
    assert executions() == []


@pytest.mark.usefixtures("model")
def test_a_body_that_is_not_an_object_is_422_and_bad_json_400(api: GatewayClient) -> None:
    problem(_train(api, [1]), 422, "validation-error")
    problem(api.post(TRAIN, raw=b"{nope"), 400, "malformed-json")
    assert executions() == []


# --- Idempotency-Key -----------------------------------------------------------------------------


@pytest.mark.usefixtures("model")
def test_an_idempotency_key_replays_the_first_answer(api: GatewayClient) -> None:
    key = {"Idempotency-Key": "train-1"}
    first = _train(api, {"effort": "low"}, headers=key)
    run_id = started(first)
    assert first.header("Idempotent-Replayed") is None
    replay = _train(api, {"effort": "low"}, headers=key)
    assert replay.status == 202
    assert replay.json() == first.json()
    assert replay.header("Location") == first.header("Location")
    assert replay.header("Idempotent-Replayed") == "true"
    problem(_train(api, {"effort": "high"}, headers=key), 422, "idempotency-key-reused")
    assert [e["name"] for e in executions()] == [run_id]


@pytest.mark.usefixtures("model")
def test_an_idempotent_replay_outlives_the_run(api: GatewayClient) -> None:
    """A retry after the run ended gets the original answer, not a second run."""
    key = {"Idempotency-Key": "train-2"}
    run_id = started(_train(api, {}, headers=key))
    assert api.post(f"{PATH}/runs/{run_id}/cancel").status == 200
    assert started(_train(api, {}, headers=key)) == run_id
    assert len(executions()) == 1


@pytest.mark.usefixtures("model")
def test_a_refused_request_does_not_burn_its_key(api: GatewayClient) -> None:
    key = {"Idempotency-Key": "train-3"}
    problem(_train(api, {"effort": "extreme"}, headers=key), 422, "validation-error")
    problem(_train(api, {"effort": "extreme"}, headers=key), 422, "validation-error")


# --- concurrency ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("model")
def test_fifty_concurrent_trains_start_exactly_one_run(api: GatewayClient) -> None:
    with ThreadPoolExecutor(max_workers=CONCURRENT_CALLS) as pool:
        replies = list(pool.map(lambda _: _train(api, {"effort": "low"}), range(CONCURRENT_CALLS)))
    run_ids = {started(reply) for reply in replies}
    assert len(run_ids) == 1
    (run_id,) = run_ids
    assert [e["name"] for e in executions()] == [run_id]
    assert len(run_items()) == 1
    assert stored().current_run_id == run_id
    assert stored().revision == 2  # one claim, nothing else


# --- a start that fails --------------------------------------------------------------------------


@pytest.fixture
def failing_start(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """StartExecution refuses (throttled); the names it was called with are recorded."""
    calls: list[str] = []

    def start_execution(**kwargs: Any) -> Any:
        calls.append(kwargs["name"])
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
            "StartExecution",
        )

    monkeypatch.setattr(clients.stepfunctions(), "start_execution", start_execution)
    return calls


def _released_after_failed_start(run_id: str) -> None:
    item = raw_item()
    for attribute in ("current_run_id", "state_before_run", "operation_before_run", "gsi2pk"):
        assert attribute not in item
    failed = run(run_id)
    assert failed.status is RunStatus.FAILED
    assert failed.error is not None
    assert failed.error.code == "start-failed"
    assert failed.finished_at is not None


@pytest.mark.usefixtures("model")
def test_a_start_that_fails_is_503_and_leaves_the_draft_as_it_was(
    api: GatewayClient, failing_start: list[str]
) -> None:
    body = problem(_train(api), 503, "service-unavailable")
    assert body["detail"]
    (run_id,) = failing_start
    model = stored()
    assert model.state is ModelState.DRAFT
    assert model.last_operation is None
    assert "last_operation" not in raw_item()
    _released_after_failed_start(run_id)
    assert executions() == []
    reply = api.get(PATH)
    assert reply.json()["state"] == "draft"
    assert reply.json()["last_operation"] is None


@pytest.mark.usefixtures("model")
def test_a_start_that_fails_leaves_a_ready_model_serving_as_before(
    api: GatewayClient, failing_start: list[str]
) -> None:
    before = make_ready()
    reply = _train(api, {"reoptimize_params": True})
    assert reply.status == 503
    assert reply.header("Retry-After") == "1"
    model = stored()
    assert model.state is ModelState.READY
    assert (model.active_version, model.active_version_id) == (1, before.active_version_id)
    assert model.last_operation == before.last_operation
    assert model.revision == before.revision + 2  # claimed, then taken back
    _released_after_failed_start(failing_start[0])


@pytest.mark.usefixtures("model")
def test_an_unreachable_step_functions_is_503_too(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = clients.stepfunctions()
    real_start = client.start_execution
    reachable = False

    def start_execution(**kwargs: Any) -> Any:
        if reachable:
            return real_start(**kwargs)
        raise EndpointConnectionError(endpoint_url="https://states.us-east-1.amazonaws.com")

    monkeypatch.setattr(client, "start_execution", start_execution)
    problem(_train(api), 503, "service-unavailable")
    assert stored().state is ModelState.DRAFT
    # Once Step Functions is back, training works (the failed run is history).
    reachable = True
    run_id = started(_train(api))
    assert [e["name"] for e in executions()] == [run_id]
    assert len(run_items()) == 2


@pytest.mark.usefixtures("model")
def test_an_execution_that_already_exists_counts_as_started(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def start_execution(**kwargs: Any) -> Any:
        raise ClientError(
            {"Error": {"Code": "ExecutionAlreadyExists", "Message": "exists"}}, "StartExecution"
        )

    monkeypatch.setattr(clients.stepfunctions(), "start_execution", start_execution)
    run_id = started(_train(api))
    assert stored().current_run_id == run_id
    assert run(run_id).status is RunStatus.RUNNING


# --- the exact calls -----------------------------------------------------------------------------


class _Calls:
    def __init__(self) -> None:
        self.names: list[str] = []

    def record(self, model: Any, **_: Any) -> None:
        self.names.append(model.name)


@pytest.fixture
def calls(api: GatewayClient, model: dict[str, Any]) -> Iterator[_Calls]:
    """Every DynamoDB and Step Functions call the handlers make (after the model exists and the
    key is in the authorizer's cache)."""
    recorded = _Calls()
    for client in (clients.dynamodb(), clients.stepfunctions()):
        client.meta.events.register("before-call", recorded.record)
    yield recorded
    for client in (clients.dynamodb(), clients.stepfunctions()):
        client.meta.events.unregister("before-call", recorded.record)


def test_train_is_one_transaction_and_one_start_execution(
    api: GatewayClient, calls: _Calls
) -> None:
    started(_train(api))
    assert calls.names == ["TransactWriteItems", "StartExecution"]


def test_a_refused_claim_answers_without_another_call(api: GatewayClient, calls: _Calls) -> None:
    started(_train(api))
    calls.names.clear()
    started(_train(api))  # the same request: answered from the refused claim
    problem(_train(api, {"effort": "max"}), 409, "model-busy")
    assert calls.names == ["TransactWriteItems", "TransactWriteItems"]


def test_a_ready_no_op_is_one_refused_transaction(api: GatewayClient, calls: _Calls) -> None:
    make_ready()
    calls.names.clear()
    assert _train(api).status == 200
    assert calls.names == ["TransactWriteItems"]
    assert stored().state is ModelState.READY


def test_the_execution_is_the_runs(api: GatewayClient) -> None:
    create(api)
    run_id = started(_train(api))
    assert execution(run_id)["status"] == "RUNNING"
    assert execution(run_id)["executionArn"] == run(run_id).execution_arn
