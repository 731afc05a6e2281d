"""Never stuck busy: runs whose execution ends outside the workflow's own error handling.

The real workflow runs in moto's engine (``workflow_support.training_engine``). moto emits no
EventBridge events, so ``local.events.EventBus`` stands in: when an execution ends it builds the
"Step Functions Execution Status Change" event AWS would send, matches it against the rule in
``template.yaml`` and invokes ``ReconcileRunFunction`` through moto's Lambda. Steps are held open
or made to crash by registering doubles for their functions with the bridge; every wait ends when
moto (or the bus) reports the awaited event.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from local import events, iam_audit, lambda_bridge
from local.events import Delivery, EventBus
from local.synthetic import labelled_samples
from tests.helpers import GatewayClient
from tests.integration.workflow_support import (
    STATE_MACHINE,
    WAIT_S,
    Engine,
    state_machine_definition,
)
from u22a8.config import get_settings
from u22a8.data import runs_repo
from u22a8.entities.model import ModelState
from u22a8.entities.run import TRAIN, Run, RunStatus, TrainRequest, new_run_id

pytestmark = pytest.mark.workflow

CRITERIA = ["Clarity", "Flow"]
HANDLE = "acme.reconciled"


def _function_arns(engine: Engine) -> dict[str, str]:
    return {logical_id: engine.names[f"{logical_id}.Arn"] for logical_id in engine.function_names}


@pytest.fixture
def bus(engine: Engine) -> Iterator[EventBus]:
    """The template's event rules, fed by every execution that ends."""
    running = EventBus(events.rules(engine.names), _function_arns(engine))
    with lambda_bridge.watch_executions(on_end=running.on_execution_end):
        yield running


@dataclass
class Blocker:
    """A step that holds its task open until the test releases it, then runs the real one."""

    real: Callable[[Any], Any]
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __call__(self, event: dict[str, Any]) -> Any:
        self.entered.set()
        # A test that never releases the step would otherwise go on as if it had.
        assert self.release.wait(WAIT_S), "the test did not release the held step in time"
        return self.real(event)


def _crash(event: dict[str, Any]) -> Any:
    raise RuntimeError("crashed")


@pytest.fixture
def blocked_load(engine: Engine) -> Iterator[Blocker]:
    """``Load samples`` holds every run at its first step until released."""
    name = engine.function_names["LoadSamplesFunction"]
    real = engine.registry.get(name)
    assert real is not None
    blocker = Blocker(real)
    engine.registry.register(name, blocker)
    try:
        yield blocker
    finally:
        blocker.release.set()


def _create_model_with_samples(api: GatewayClient, handle: str = HANDLE) -> None:
    reply = api.post("/v1/models", {"handle": handle, "criteria": CRITERIA})
    assert reply.status == 201, reply.body
    reply = api.post(
        f"/v1/models/{handle}/samples", {"samples": labelled_samples(40, CRITERIA, seed=8)}
    )
    assert reply.status == 201, reply.body


def _train(api: GatewayClient, body: dict[str, Any] | None = None, handle: str = HANDLE) -> str:
    reply = api.post(f"/v1/models/{handle}/train", body or {"effort": "low"})
    assert reply.status == 202, reply.body
    return str(reply.json()["run_id"])


def _model(api: GatewayClient, handle: str = HANDLE) -> dict[str, Any]:
    reply = api.get(f"/v1/models/{handle}")
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.json()
    body["etag"] = reply.header("ETag")
    return body


def _run(api: GatewayClient, run_id: str, handle: str = HANDLE) -> dict[str, Any]:
    reply = api.get(f"/v1/models/{handle}/runs/{run_id}")
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.json()
    return body


def _reconciled(bus: EventBus, engine: Engine, run_id: str) -> Delivery:
    """The one delivery of the run's status-change event, which must have reconciled it."""
    (delivery,) = bus.wait(engine.execution_arn(run_id), timeout=WAIT_S)
    assert delivery.function == "ReconcileRunFunction"
    assert delivery.error is None, delivery.error
    assert delivery.attempts == 1
    return delivery


def _stop(engine: Engine, run_id: str) -> None:
    """StopExecution from outside the API (an operator, the console): no cancel ran."""
    engine.sfn.stop_execution(
        executionArn=engine.execution_arn(run_id), error="Operator", cause="stopped by hand"
    )


def _s3_keys(prefix: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(
        Bucket=get_settings().artifacts_bucket, Prefix=prefix
    )
    return sorted(o["Key"] for o in listed.get("Contents", []))


def _busy_index_count() -> int:
    response = boto3.client("dynamodb").query(
        TableName=get_settings().models_table,
        IndexName="gsi2",
        KeyConditionExpression="gsi2pk = :busy",
        ExpressionAttributeValues={":busy": {"S": "BUSY"}},
        Select="COUNT",
    )
    return int(response["Count"])


# -- the status-change event ---------------------------------------------------------------------


def test_an_execution_aborted_outside_cancel_returns_the_model_to_its_state_before(
    api: GatewayClient, engine: Engine, bus: EventBus, blocked_load: Blocker
) -> None:
    _create_model_with_samples(api)
    run_id = _train(api)
    assert blocked_load.entered.wait(WAIT_S)
    assert _model(api)["state"] == "busy"
    assert _busy_index_count() == 1

    _stop(engine, run_id)
    blocked_load.release.set()  # moto ends the execution once its running task returns

    delivery = _reconciled(bus, engine, run_id)
    assert delivery.result == {"reconciled": True}
    assert delivery.event["detail"]["status"] == "ABORTED"
    assert json.loads(delivery.event["detail"]["input"])["run_id"] == run_id
    after = _model(api)
    assert after["state"] == "draft"  # as before the run: it had never trained
    assert after["active_version"] is None
    assert after["last_operation"]["run_id"] == run_id
    assert after["last_operation"]["status"] == "cancelled"
    assert after["last_operation"].get("error") is None
    run = _run(api, run_id)
    assert run["status"] == "cancelled"
    assert run["error"] is None
    assert run["finished_at"] is not None
    assert _busy_index_count() == 0
    # The step that ran on after the stop wrote the snapshot; the reconciler deleted it.
    assert _s3_keys("datasets/") == []


def test_a_failed_execution_whose_record_failure_crashed_is_reconciled(
    api: GatewayClient, engine: Engine, bus: EventBus
) -> None:
    _create_model_with_samples(api)
    engine.registry.register(engine.function_names["LoadSamplesFunction"], _crash)
    record_failure = engine.function_names["RecordFailureFunction"]
    engine.registry.register(record_failure, _crash)

    run_id = _train(api)

    assert engine.wait(run_id).status == "FAILED"
    assert engine.registry.invocations(record_failure) == 1  # it ran, and crashed
    delivery = _reconciled(bus, engine, run_id)
    assert delivery.result == {"reconciled": True}
    after = _model(api)
    assert after["state"] == "failed"  # no active version to fall back on
    operation = after["last_operation"]
    assert operation["status"] == "failed"
    assert operation["error"]["code"] == "run-failed"
    assert run_id in operation["error"]["message"]  # what to quote to support
    assert "crashed" not in operation["error"]["message"]  # never the exception's own words
    assert "RuntimeError" not in operation["error"]["message"]
    run = _run(api, run_id)
    assert run["status"] == "failed"
    assert run["error"] == operation["error"]
    assert _busy_index_count() == 0


def test_a_crash_of_record_failure_on_a_ready_model_keeps_its_version_serving(
    api: GatewayClient, engine: Engine, bus: EventBus
) -> None:
    _create_model_with_samples(api)
    first = _train(api)
    assert engine.wait(first).status == "SUCCEEDED"
    assert bus.wait(engine.execution_arn(first)) == []  # the rule ignores SUCCEEDED
    v1 = _model(api)["active_version_id"]
    engine.registry.register(engine.function_names["PlanCandidatesFunction"], _crash)
    engine.registry.register(engine.function_names["RecordFailureFunction"], _crash)

    second = _train(api, {"effort": "low", "reoptimize_params": True})

    assert engine.wait(second).status == "FAILED"
    _reconciled(bus, engine, second)
    after = _model(api)
    assert after["state"] == "ready"
    assert after["active_version"] == 1
    assert after["active_version_id"] == v1
    assert after["last_operation"]["run_id"] == second
    assert after["last_operation"]["error"]["code"] == "run-failed"
    assert _run(api, first)["status"] == "succeeded"
    assert _run(api, second)["status"] == "failed"
    assert _s3_keys("datasets/") == []  # the second run's snapshot went with it
    assert _s3_keys("artifacts/") == [f"artifacts/{HANDLE}/{v1}.npz"]  # v1 keeps serving


def test_a_timed_out_execution_fails_the_run_with_a_timeout_message(
    api: GatewayClient,
    engine: Engine,
    blocked_load: Blocker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real definition with a 1 s execution timeout (3,600 s as deployed), started by the
    API: moto times the execution out while its first step is still running."""
    definition = json.loads(state_machine_definition(engine.names))
    definition["TimeoutSeconds"] = 1
    name = "test-training-short"
    role_arn = lambda_bridge.ensure_execution_role(boto3.client("iam"))
    arn = engine.sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=role_arn
    )["stateMachineArn"]
    monkeypatch.setenv("TRAINING_STATE_MACHINE_ARN", arn)
    get_settings.cache_clear()
    short = {**engine.names, STATE_MACHINE: arn}
    bus = EventBus(events.rules(short), _function_arns(engine))
    _create_model_with_samples(api)

    with (
        lambda_bridge.watch_executions(on_end=bus.on_execution_end) as watcher,
        iam_audit.substituting(name, engine.names[f"{STATE_MACHINE}.Name"]),  # the stack's one
    ):
        run_id = _train(api)
        execution_arn = arn.replace(":stateMachine:", ":execution:") + f":{run_id}"
        assert watcher.wait(execution_arn, WAIT_S).status == "TIMED_OUT"
        (delivery,) = bus.wait(execution_arn, WAIT_S)

    assert delivery.error is None, delivery.error
    assert delivery.event["detail"]["status"] == "TIMED_OUT"
    after = _model(api)
    assert after["state"] == "failed"
    error = after["last_operation"]["error"]
    assert error["code"] == "run-timed-out"
    assert "time limit" in error["message"]
    run = _run(api, run_id)
    assert run["status"] == "failed"
    assert run["error"] == error


# -- idempotence ---------------------------------------------------------------------------------


def test_reconciling_again_changes_nothing_and_never_touches_a_newer_run(
    api: GatewayClient, engine: Engine, bus: EventBus, blocked_load: Blocker
) -> None:
    _create_model_with_samples(api)
    first = _train(api)
    assert blocked_load.entered.wait(WAIT_S)
    _stop(engine, first)
    blocked_load.release.set()
    delivery = _reconciled(bus, engine, first)
    settled = _model(api)
    settled_run = _run(api, first)

    (again,) = bus.put(delivery.event)  # EventBridge delivers at least once

    assert again.error is None
    assert again.result == {"reconciled": False}
    assert _model(api) == settled  # the ETag included: not even a revision bump
    assert _run(api, first) == settled_run

    # A late copy of the old event must not release the model from the run that holds it now.
    blocked_load.release.clear()
    blocked_load.entered.clear()
    second = _train(api)
    assert blocked_load.entered.wait(WAIT_S)
    (late,) = bus.put(delivery.event)
    assert late.result == {"reconciled": False}
    busy = _model(api)
    assert busy["state"] == "busy"
    assert busy["last_operation"]["run_id"] == second
    assert _run(api, second)["status"] == "running"

    # And the workflow's own failure handling followed by the event: one release, not two.
    assert api.post(f"/v1/models/{HANDLE}/runs/{second}/cancel").status == 200
    blocked_load.release.set()
    (after_cancel,) = bus.wait(engine.execution_arn(second), WAIT_S)
    assert after_cancel.result == {"reconciled": False}  # the cancel had released it already
    assert _run(api, second)["status"] == "cancelled"


def test_an_ordinary_failure_is_released_by_the_workflow_and_the_event_finds_nothing_to_do(
    api: GatewayClient, engine: Engine, bus: EventBus
) -> None:
    _create_model_with_samples(api)
    engine.registry.register(engine.function_names["LoadSamplesFunction"], _crash)
    run_id = _train(api)  # Record failure releases the model itself

    assert engine.wait(run_id).status == "FAILED"
    delivery = _reconciled(bus, engine, run_id)
    assert delivery.result == {"reconciled": False}
    assert delivery.event["detail"]["error"] == "internal-error"
    after = _model(api)
    assert after["state"] == "failed"
    assert after["last_operation"]["error"]["code"] == "internal-error"


def test_a_user_caused_failure_ends_the_execution_without_failing_it(
    api: GatewayClient, engine: Engine, bus: EventBus
) -> None:
    """Too few samples is the user's to fix: recorded on the run, and the execution succeeds, so
    neither the training-failed alarm nor the reconciler's rule sees it."""
    reply = api.post("/v1/models", {"handle": HANDLE, "criteria": CRITERIA})
    assert reply.status == 201, reply.body
    run_id = _train(api)  # no samples at all

    assert engine.wait(run_id).status == "SUCCEEDED"
    assert bus.wait(engine.execution_arn(run_id)) == []
    after = _model(api)
    assert after["state"] == "failed"
    assert after["last_operation"]["error"]["code"] == "not-enough-samples"
    assert _run(api, run_id)["status"] == "failed"


# -- the sweep -----------------------------------------------------------------------------------


def _sweep(bus: EventBus) -> Delivery:
    event = events.scheduled_event("arn:aws:events:us-east-1:123456789012:rule/test-sweep")
    delivery = bus.invoke("SweepStuckRunsFunction", event)
    assert delivery.attempts == 1
    return delivery


def test_the_sweeper_releases_a_model_whose_status_change_event_was_lost(
    api: GatewayClient,
    engine: Engine,
    bus: EventBus,
    blocked_load: Blocker,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _create_model_with_samples(api)
    _create_model_with_samples(api, "acme.other")
    lost = _train(api)
    other = _train(api, handle="acme.other")
    assert blocked_load.entered.wait(WAIT_S)

    # Both executions are running: the sweep leaves them alone.
    assert _sweep(bus).result == {"busy": 2, "reconciled": []}

    with bus.losing_status_changes():
        _stop(engine, lost)
        blocked_load.release.set()
        assert engine.wait(lost).status == "ABORTED"
        assert engine.wait(other).status == "SUCCEEDED"  # released by its own workflow
        assert bus.wait(engine.execution_arn(lost)) == []  # the event never arrived
    assert _model(api)["state"] == "busy"  # stuck, until the sweep
    assert _model(api, "acme.other")["state"] == "ready"

    capsys.readouterr()
    swept = _sweep(bus)

    assert swept.error is None, swept.error
    assert swept.result == {"busy": 1, "reconciled": [lost]}
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    (metrics,) = [m for m in emitted if "StuckRunsReconciled" in m]
    assert metrics["StuckRunsReconciled"] == [1.0] or metrics["StuckRunsReconciled"] == 1.0
    assert metrics["BusyModels"] in (1.0, [1.0])
    after = _model(api)
    assert after["state"] == "draft"
    assert after["last_operation"]["status"] == "cancelled"
    assert _run(api, lost)["status"] == "cancelled"
    assert _busy_index_count() == 0
    assert _sweep(bus).result == {"busy": 0, "reconciled": []}


def _claim(handle: str, started_at: datetime) -> str:
    """What ``POST …/train`` does before it starts the execution: the claim alone."""
    run = Run(
        run_id=new_run_id(),
        kind=TRAIN,
        status=RunStatus.RUNNING,
        started_at=started_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        effort="low",
        progress=0.0,
    )
    runs_repo.claim(handle, run, TrainRequest("low"), [ModelState.DRAFT], None)
    return run.run_id


def test_the_sweeper_takes_back_a_claim_whose_execution_never_started(
    api: GatewayClient, engine: Engine, bus: EventBus
) -> None:
    """The API claims, then starts; a crash between the two with no undo leaves a busy model
    and no execution. Once the start grace has passed, the sweep undoes the claim."""
    for handle in ("acme.orphan", "acme.just-claimed"):
        reply = api.post("/v1/models", {"handle": handle, "criteria": CRITERIA})
        assert reply.status == 201, reply.body
    now = datetime.now(UTC)
    orphan = _claim("acme.orphan", now - timedelta(minutes=10))
    _claim("acme.just-claimed", now)

    swept = _sweep(bus)

    assert swept.error is None, swept.error
    assert swept.result == {"busy": 2, "reconciled": [orphan]}
    model = _model(api, "acme.orphan")
    assert model["state"] == "draft"  # as if the run had never been asked for
    assert model["last_operation"] is None
    run = _run(api, orphan, "acme.orphan")
    assert run["status"] == "failed"
    assert run["error"]["code"] == "start-failed"
    assert _model(api, "acme.just-claimed")["state"] == "busy"  # its start may be under way
