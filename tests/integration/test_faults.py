"""Fault injection on the train path, each test named after its fault.

``POST …/train`` makes three calls that can fail: the claim (one DynamoDB transaction), the
``StartExecution``, and, when the start failed, the undo of the claim (one DynamoDB transaction).
Each one fails here in turn; afterwards the model is in a state the contract allows and no run
is left orphaned (running without an execution behind it) once the sweep has passed.

The other faults of the issue are tested where their subject lives (not repeated here):

* ``StartExecution`` failing alone: ``test_train.py::test_a_start_that_fails_is_503_and_leaves_
  the_draft_as_it_was`` / ``…_leaves_a_ready_model_serving_as_before``;
* a trainer step crashing mid-run: ``test_training_workflow.py::test_a_crashing_step_is_recorded_
  as_an_internal_error`` (real workflow, bridge registry double);
* the reconciler running twice: ``test_reconcile.py::test_reconciling_again_changes_nothing_and_
  never_touches_a_newer_run``;
* a purge interrupted half way: ``test_zero_data_retention.py::test_a_purge_that_crashed_half_way_
  is_resumed_by_the_sweep``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from tests.helpers import GatewayClient, Reply, event_hook
from tests.integration.run_helpers import (
    PATH,
    TRAIN,
    create,
    executions,
    make_ready,
    problem,
    raw_item,
    run,
    run_items,
    started,
    stored,
)
from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.domain import reconcile
from u22a8.entities.model import ModelState
from u22a8.entities.run import RunStatus

THROTTLED = "ProvisionedThroughputExceededException"
UNEXPECTED = "InternalServerError"
FAULT_CODES = {"TransactWriteItems": THROTTLED, "StartExecution": "ThrottlingException"}


class CallFaults:
    """Fails chosen calls, by operation name and by their position among that operation's
    calls (1-based), before they reach moto: a refused call changes nothing."""

    def __init__(self) -> None:
        self.rules: dict[tuple[str, int], str] = {}
        self.seen: dict[str, int] = {}
        self.refused: list[str] = []

    def fail(self, operation: str, nth: int, code: str) -> None:
        self.rules[(operation, nth)] = code

    def before_call(self, model: Any, **_: Any) -> Any:
        count = self.seen.get(model.name, 0) + 1
        self.seen[model.name] = count
        code = self.rules.get((model.name, count))
        if code is None:
            return None
        self.refused.append(model.name)
        status = 500 if code == UNEXPECTED else 400
        http = AWSResponse("https://aws.local/", status, HTTPHeaders(), None)
        parsed = {
            "Error": {"Code": code, "Message": "injected fault"},
            "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}},
        }
        return http, parsed


@pytest.fixture
def faults(api: GatewayClient) -> Iterator[CallFaults]:
    """Faults on the handlers' DynamoDB and Step Functions clients, armed once the model exists
    (and the key is in the authorizer's cache, so only the train path's calls are counted)."""
    create(api)
    injected = CallFaults()
    hook = event_hook(injected.before_call)
    for client in (clients.dynamodb(), clients.stepfunctions()):
        client.meta.events.register("before-call", hook)
    yield injected
    for client in (clients.dynamodb(), clients.stepfunctions()):
        client.meta.events.unregister("before-call", hook)


def _etag(api: GatewayClient) -> str | None:
    reply = api.get(PATH)
    assert reply.status == 200, reply.body
    return reply.header("ETag")


def _sweep_later() -> reconcile.SweepReport:
    """The scheduled sweep, once any start grace of a fresh claim has passed."""
    return reconcile.sweep(
        get_settings().training_state_machine_arn, now=datetime.now(UTC) + timedelta(hours=1)
    )


# What a claim adds to the model item and every release removes.
HOLD_ATTRIBUTES = ("current_run_id", "state_before_run", "operation_before_run", "gsi2pk")


def _no_orphan() -> None:
    """A run is running exactly while it holds the busy model with an execution behind it: no
    busy model without its running, started run; no running run that holds nothing; no hold left
    on an idle model (the sweep would never look at it again)."""
    started_runs = {execution["name"] for execution in executions()}
    model = stored()
    running = {
        item["run_id"]["S"]
        for item in run_items()
        if item["status"]["S"] == RunStatus.RUNNING.value
    }
    if model.state is ModelState.BUSY:
        assert model.current_run_id in started_runs
        assert running == {model.current_run_id}
    else:
        assert running == set()
        item = raw_item()
        assert [a for a in HOLD_ATTRIBUTES if a in item] == []


@pytest.mark.parametrize(("code", "status"), [(THROTTLED, 503), (UNEXPECTED, 500)])
@pytest.mark.parametrize("state", ["draft", "ready"])
def test_the_claim_transaction_failing_changes_nothing(
    api: GatewayClient, faults: CallFaults, code: str, status: int, state: str
) -> None:
    if state == "ready":
        make_ready()
    before, etag = raw_item(), _etag(api)
    faults.fail("TransactWriteItems", 1, code)
    reply = api.post(TRAIN, {"reoptimize_params": True})
    assert reply.status == status, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    assert faults.refused == ["TransactWriteItems"]
    assert "StartExecution" not in faults.seen
    assert raw_item() == before
    assert _etag(api) == etag
    assert run_items() == []
    assert executions() == []
    assert _sweep_later().reconciled == []
    # The fault passed, the same request starts the run.
    started(api.post(TRAIN, {"reoptimize_params": True}))
    _no_orphan()


def _failed_start(api: GatewayClient, faults: CallFaults, undo_code: str | None) -> Reply:
    faults.fail("StartExecution", 1, "ThrottlingException")
    if undo_code is not None:
        faults.fail("TransactWriteItems", 2, undo_code)  # 1 is the claim, 2 the undo
    return api.post(TRAIN, {"reoptimize_params": True})


@pytest.mark.parametrize("undo_code", [THROTTLED, UNEXPECTED])
@pytest.mark.parametrize("state", ["draft", "ready"])
def test_the_undo_failing_after_a_failed_start_is_taken_back_by_the_sweep(
    api: GatewayClient, faults: CallFaults, undo_code: str, state: str
) -> None:
    before = make_ready() if state == "ready" else stored()
    reply = _failed_start(api, faults, undo_code)
    problem(reply, 503, "service-unavailable")
    assert faults.refused == ["StartExecution", "TransactWriteItems"]
    assert executions() == []
    # The claim stands for now: busy, its run running, no execution (what the sweep is for).
    claimed = stored()
    assert claimed.state is ModelState.BUSY
    assert claimed.current_run_id is not None
    run_id = claimed.current_run_id
    assert run(run_id).status is RunStatus.RUNNING

    report = _sweep_later()

    assert report.errors == []
    assert report.reconciled == [run_id]
    released = stored()
    assert released.state.value == state
    assert (released.active_version, released.active_version_id) == (
        before.active_version,
        before.active_version_id,
    )
    assert released.last_operation == before.last_operation
    failed = run(run_id)
    assert failed.status is RunStatus.FAILED
    assert failed.error is not None
    assert failed.error.code == "start-failed"
    _no_orphan()
    assert _sweep_later().reconciled == []  # the sweep again finds nothing to do
    started(api.post(TRAIN, {"reoptimize_params": True}))
    _no_orphan()


@pytest.mark.parametrize("state", ["draft", "ready"])
def test_each_write_of_the_train_path_failing_in_turn_leaves_no_orphan(
    api: GatewayClient, faults: CallFaults, state: str
) -> None:
    """Claim, start, undo: whichever fails, the model ends (after the sweep) in its state before
    or busy with a started execution."""
    if state == "ready":
        make_ready()
    plans: list[list[tuple[str, int]]] = [
        [("TransactWriteItems", 1)],
        [("StartExecution", 1)],
        [("StartExecution", 1), ("TransactWriteItems", 2)],
    ]
    for plan in plans:
        before = stored()
        faults.rules.clear()
        faults.seen.clear()
        for operation, nth in plan:
            faults.fail(operation, nth, FAULT_CODES[operation])
        reply = api.post(TRAIN, {"reoptimize_params": True})
        assert reply.status == 503, (plan, reply.body)
        faults.rules.clear()
        _sweep_later()
        after = stored()
        assert after.state.value == state, plan
        assert after.current_run_id is None, plan
        assert (after.active_version, after.active_version_id, after.last_operation) == (
            before.active_version,
            before.active_version_id,
            before.last_operation,
        ), plan
        _no_orphan()
    assert {item["status"]["S"] for item in run_items()} == {RunStatus.FAILED.value}
