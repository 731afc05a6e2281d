"""The model lifecycle as a Hypothesis state machine, against moto with the real training workflow
(``workflow_support``): create, patch, upload samples, train (efforts, re-optimize), cancel,
archive, in random orders.

A run can be left running across steps: its first step (``LoadSamplesFunction``) is held at a
gate until a ``finish`` rule, a cancel or an archive lets it go, and every rule that ends a run
waits for its execution's end (the bridge's watcher), so between steps nothing changes behind
the test's back.

Invariants after every step:

* ``state`` is one of the five;
* ``busy`` only with a RUNNING execution for the current run; ``failed`` only without an active
  version, with the run's error;
* ``active_version`` only moves forward, and only with a succeeded run that made that version;
* the ETag changes with every change of the model and only then (two GETs without a change in
  between answer the same ETag; progress is not a change, see the contract).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from local.synthetic import labelled_samples
from tests.helpers import GatewayClient
from tests.integration.workflow_support import WAIT_S, Engine, training_engine

STATES = {"draft", "busy", "ready", "failed", "archived"}
CRITERIA = ["Clarity", "Flow"]
EFFORTS = ["low", "medium", None]


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    with training_engine(monkeypatch) as running:
        yield running


@pytest.fixture
def aws(engine: Engine) -> dict[str, str]:
    """Overrides the plain moto fixture: ``api`` and the keys then live in the engine's moto."""
    return engine.names


class Gate:
    """Holds the first step of every run until it is opened for that run."""

    def __init__(self, engine: Engine) -> None:
        self.name = engine.function_names["LoadSamplesFunction"]
        real = engine.registry.get(self.name)
        assert real is not None
        self.real = real
        self.open: set[str] = set()
        self.entered: set[str] = set()
        self.changed = threading.Condition()
        engine.registry.register(self.name, self.held)

    def held(self, event: Any) -> Any:
        run_id = _find_run_id(event)
        with self.changed:
            if run_id is not None:
                self.entered.add(run_id)
                self.changed.notify_all()
            assert self.changed.wait_for(lambda: run_id in self.open, WAIT_S), run_id
        return self.real(event)

    def wait_entered(self, run_id: str) -> None:
        """Until the run's execution is under way (held at its first step)."""
        with self.changed:
            assert self.changed.wait_for(lambda: run_id in self.entered, WAIT_S), run_id

    def release(self, run_id: str) -> None:
        with self.changed:
            self.open.add(run_id)
            self.changed.notify_all()


def _find_run_id(event: Any) -> str | None:
    if isinstance(event, dict):
        if isinstance(event.get("run_id"), str):
            return str(event["run_id"])
        for value in event.values():
            found = _find_run_id(value)
            if found is not None:
                return found
    return None


class Lifecycle(RuleBasedStateMachine):
    api: GatewayClient
    engine: Engine
    gate: Gate
    counter = 0

    def __init__(self) -> None:
        super().__init__()
        Lifecycle.counter += 1
        self.handle = f"acme.life-{Lifecycle.counter}"
        self.path = f"/v1/models/{self.handle}"
        reply = self.api.post("/v1/models", {"handle": self.handle, "criteria": CRITERIA})
        assert reply.status == 201, reply.body
        self.model: dict[str, Any] = reply.json()
        self.etag = reply.header("ETag")
        self.running: str | None = None  # the run held at the gate
        self.running_request: dict[str, Any] | None = None
        self.samples = 0
        self.runs = 0
        self.seed = 0

    # -- helpers ---------------------------------------------------------------------------------

    def _get(self) -> tuple[dict[str, Any], str | None]:
        reply = self.api.get(self.path)
        assert reply.status == 200, reply.body
        body: dict[str, Any] = reply.json()
        return body, reply.header("ETag")

    def _end(self, run_id: str) -> str:
        """Let the run go and wait until its execution has ended; how it ended."""
        self.gate.release(run_id)
        status = self.engine.wait(run_id).status
        if self.running == run_id:
            self.running, self.running_request = None, None
        return status

    @property
    def archived(self) -> bool:
        return bool(self.model["state"] == "archived")

    # -- rules -----------------------------------------------------------------------------------

    @initialize(count=st.sampled_from([0, 40]))
    def labelled(self, count: int) -> None:
        """Most runs need enough samples to succeed; some models start without any."""
        if count:
            self.upload_samples(count)

    @rule(
        description=st.one_of(st.none(), st.text(max_size=20)),
        keep=st.one_of(st.none(), st.integers(0, 5)),
    )
    def patch(self, description: str | None, keep: int | None) -> None:
        body = {
            "description": description,
            "auto_prune": None if keep is None else {"keep_unnamed": keep},
        }
        reply = self.api.patch(self.path, body)
        assert reply.status == (409 if self.archived else 200), reply.body

    @rule(count=st.sampled_from([1, 15, 40]))
    def upload_samples(self, count: int) -> None:
        self.seed += 1
        samples = labelled_samples(count, CRITERIA, seed=self.seed)
        reply = self.api.post(f"{self.path}/samples", {"samples": samples})
        assert reply.status == (409 if self.archived else 201), reply.body
        if not self.archived:
            self.samples += count

    @rule(effort=st.sampled_from(EFFORTS), reoptimize=st.booleans(), hold=st.booleans())
    def train(self, effort: str | None, reoptimize: bool, hold: bool) -> None:
        request = {"effort": effort, "reoptimize_params": reoptimize}
        state = self.model["state"]
        reply = self.api.post(f"{self.path}/train", request)
        if state == "archived":
            assert reply.status == 409, reply.body
            return
        if state == "busy":
            same = self.running_request == request or (
                self.running_request is not None
                and {**self.running_request, "effort": self.running_request["effort"] or "medium"}
                == {**request, "effort": effort or "medium"}
            )
            assert reply.status == (202 if same else 409), reply.body
            if same:
                assert reply.json()["run_id"] == self.running
            return
        if state == "ready" and not reoptimize:
            assert reply.status == 200, reply.body
            assert reply.json() == {"state": "ready", "run_id": None}
            return
        assert reply.status == 202, reply.body
        run_id = reply.json()["run_id"]
        self.running, self.running_request = run_id, request
        self.runs += 1
        if hold:
            # moto's StopExecution fails (AttributeError in its worker) on an execution whose
            # worker has not started yet; AWS has no such window. Cancel only what runs.
            self.gate.wait_entered(run_id)
        else:
            self._end(run_id)

    @precondition(lambda self: self.running is not None)
    @rule()
    def finish(self) -> None:
        assert self.running is not None
        self._end(self.running)

    @precondition(lambda self: self.running is not None)
    @rule()
    def cancel(self) -> None:
        run_id = self.running
        assert run_id is not None
        reply = self.api.post(f"{self.path}/runs/{run_id}/cancel")
        assert reply.status == 200, reply.body
        assert reply.json()["status"] == "cancelled"
        self._end(run_id)

    @precondition(lambda self: self.runs >= 2)  # else archiving early ends most examples
    @rule()
    def archive(self) -> None:
        reply = self.api.delete(self.path)
        assert reply.status == 200, reply.body
        assert reply.json()["state"] == "archived"
        if self.running is not None:
            self._end(self.running)

    def teardown(self) -> None:
        """No run stays held after its example: it ends before moto goes away."""
        if self.running is not None:
            self._end(self.running)

    # -- invariants ------------------------------------------------------------------------------

    @invariant()
    def keeps_the_contract(self) -> None:
        before, before_etag = self.model, self.etag
        model, etag = self._get()
        again, again_etag = self._get()
        assert (again, again_etag) == (model, etag)  # nothing changed: same ETag
        assert model["state"] in STATES
        if model["state"] == "busy":
            run_id = model["last_operation"]["run_id"]
            assert run_id == self.running
            described = self.engine.sfn.describe_execution(
                executionArn=self.engine.execution_arn(run_id)
            )
            assert described["status"] == "RUNNING"
        else:
            assert self.running is None or model["state"] == "archived"
        if model["state"] == "failed":  # only a failed run fails a model, and it says why
            assert model["active_version"] is None
            assert model["last_operation"]["status"] == "failed"
            assert model["last_operation"]["error"]["message"]
        old, new = before["active_version"], model["active_version"]
        if new != old:
            assert new is not None
            assert old is None or new > old
            operation = model["last_operation"]
            assert operation["status"] == "succeeded", operation
            run = self.api.get(f"{self.path}/runs/{operation['run_id']}").json()
            assert run["status"] == "succeeded"
            assert run["version"] == new
        changed = _without_progress(model) != _without_progress(before)
        assert (etag != before_etag) == changed, (before_etag, etag, before, model)
        self.model, self.etag = model, etag


def _without_progress(model: dict[str, Any]) -> dict[str, Any]:
    operation = model.get("last_operation")
    if operation is None:
        return model
    return {**model, "last_operation": {k: v for k, v in operation.items() if k != "progress"}}


def test_the_lifecycle_keeps_its_invariants_in_any_order(
    api: GatewayClient, engine: Engine
) -> None:
    gate = Gate(engine)

    class Machine(Lifecycle):
        pass

    Machine.api, Machine.engine, Machine.gate = api, engine, gate
    try:
        run_state_machine_as_test(
            Machine,
            settings=settings(
                max_examples=10,
                stateful_step_count=10,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                database=None,
                phases=[Phase.explicit, Phase.reuse, Phase.generate],
            ),
        )
    finally:
        with gate.changed:  # nothing stays held once the test is over
            gate.open.update(_all_run_ids(engine))
            gate.changed.notify_all()


def _all_run_ids(engine: Engine) -> set[str]:
    listed = engine.sfn.list_executions(stateMachineArn=engine.state_machine_arn)
    return {execution["name"] for execution in listed["executions"]}
