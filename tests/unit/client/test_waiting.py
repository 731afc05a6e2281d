"""``wait_for_run``: progress from the model's last operation, the run's final record, failures
and the timeout; the scripted server plays a run going 0 -> 1."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.client.conftest import Sleeps
from tests.unit.client.scripted_server import Received, Reply, ScriptedServer
from u22a8.client import Client, Progress, RetryPolicy, RunFailed, WaitTimeout


def _model(run_id: str, status: str, progress: float | None, **error: str) -> Reply:
    operation: dict[str, Any] = {
        "kind": "train",
        "status": status,
        "run_id": run_id,
        "started_at": "2026-05-19T12:00:00Z",
        "progress": progress,
    }
    if error:
        operation["error"] = error
    state = "busy" if status == "running" else "ready"
    return Reply(200, {"handle": "acme.tone", "state": state, "last_operation": operation})


def _run(run_id: str, status: str, **fields: Any) -> Reply:
    return Reply(200, {"run_id": run_id, "status": status, "progress": 1.0, **fields})


def test_progress_is_reported_on_each_change_and_the_final_run_returned(
    client: Client, server: ScriptedServer, sleeps: Sleeps
) -> None:
    server.script(
        _model("run_1", "running", 0.0),
        _model("run_1", "running", 0.0),
        _model("run_1", "running", 0.4),
        _model("run_1", "running", 0.8),
        _model("run_1", "succeeded", 1.0),
        _run("run_1", "succeeded", version=3),
    )
    seen: list[Progress] = []
    run = client.wait_for_run("acme.tone", "run_1", on_progress=seen.append, poll_interval=0.25)
    assert run["version"] == 3
    assert [(p.status, p.fraction) for p in seen] == [
        ("running", 0.0),
        ("running", 0.4),
        ("running", 0.8),
        ("succeeded", 1.0),
    ]
    assert sleeps == [0.25] * 4
    assert [r.path for r in server.received][-2:] == [
        "/v1/models/acme.tone",
        "/v1/models/acme.tone/runs/run_1",
    ]


def test_a_failed_run_raises_with_its_error(client: Client, server: ScriptedServer) -> None:
    error = {"code": "not-enough-samples", "message": "Add at least 10 samples per class."}
    server.script(
        _model("run_1", "failed", 0.2, **error),
        _run("run_1", "failed", error=error),
    )
    with pytest.raises(RunFailed) as raised:
        client.wait_for_run("acme.tone", "run_1")
    assert raised.value.code == "not-enough-samples"
    assert raised.value.error_message == "Add at least 10 samples per class."
    assert raised.value.run["status"] == "failed"


def test_a_failed_run_can_be_returned_instead(client: Client, server: ScriptedServer) -> None:
    server.script(_model("run_1", "failed", 0.2), _run("run_1", "failed"))
    run = client.wait_for_run("acme.tone", "run_1", raise_on_failure=False)
    assert run["status"] == "failed"


def test_a_cancelled_run_is_returned(client: Client, server: ScriptedServer) -> None:
    server.script(_model("run_1", "cancelled", 0.5), _run("run_1", "cancelled"))
    assert client.wait_for_run("acme.tone", "run_1")["status"] == "cancelled"


def test_when_the_model_has_moved_on_the_run_itself_is_polled(
    client: Client, server: ScriptedServer, sleeps: Sleeps
) -> None:
    server.script(
        _model("run_2", "running", 0.1),  # an automatic retrain started after run_1
        _run("run_1", "running", progress=0.9),
        _model("run_2", "running", 0.3),
        _run("run_1", "succeeded", version=1),
    )
    seen: list[Progress] = []
    run = client.wait_for_run("acme.tone", "run_1", on_progress=seen.append)
    assert run["status"] == "succeeded"
    assert [(p.run_id, p.status, p.fraction) for p in seen] == [
        ("run_1", "running", 0.9),
        ("run_1", "succeeded", 1.0),
    ]
    assert len(server.received) == 4
    assert len(sleeps) == 1


def test_a_run_record_that_lags_the_model_is_polled_until_it_ends(
    client: Client, server: ScriptedServer
) -> None:
    server.script(
        _model("run_1", "succeeded", 1.0),
        _run("run_1", "running", progress=0.9),
        _model("run_1", "succeeded", 1.0),
        _run("run_1", "succeeded", version=2),
    )
    assert client.wait_for_run("acme.tone", "run_1")["version"] == 2


def test_the_wait_is_bounded(server: ScriptedServer, sleeps: Sleeps) -> None:
    now = [0.0]

    def clock() -> float:
        return now[0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    def route(request: Received) -> Reply:
        return _model("run_1", "running", min(1.0, now[0] / 100))

    server.router = route
    client = Client(server.url, "k", retry=RetryPolicy(), sleep=sleep, clock=clock)
    with pytest.raises(WaitTimeout) as raised:
        client.wait_for_run("acme.tone", "run_1", timeout=10, poll_interval=2)
    assert raised.value.last == Progress("run_1", "running", 0.1)
    assert sum(sleeps) <= 10
    assert len(sleeps) == 5
