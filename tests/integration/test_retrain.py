"""Automatic retraining and runs in flight when zero-data-retention turns on, through the real
workflow (moto's Step Functions engine, ``workflow_support``). The ModelsTable stream reaches
``RetrainFunction`` / ``PurgeSamplesFunction`` through ``local.streams`` (the template's filters,
the functions invoked through moto's Lambda). Every wait ends on an event: an execution's end,
or a stream that has nothing left to deliver."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from local.streams import StreamPoller
from local.synthetic import labelled_samples
from tests.helpers import GatewayClient
from tests.integration.workflow_support import WAIT_S, Engine
from u22a8.domain import runs_service

pytestmark = pytest.mark.workflow

CRITERIA = ["Clarity", "Flow"]
HANDLE = "acme.retrained"
MODEL = f"/v1/models/{HANDLE}"
THRESHOLD = 50  # the template's RetrainThreshold default (its filter and RETRAIN_THRESHOLD)


@dataclass
class Blocker:
    """A step that holds its task open until released, then runs the real one."""

    real: Callable[[Any], Any]
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __call__(self, event: dict[str, Any]) -> Any:
        self.entered.set()
        # A test that never releases the step would otherwise go on as if it had.
        assert self.release.wait(WAIT_S), "the test did not release the held step in time"
        return self.real(event)


def _block(engine: Engine, logical_id: str) -> Blocker:
    name = engine.function_names[logical_id]
    real = engine.registry.get(name)
    assert real is not None
    blocker = Blocker(real)
    engine.registry.register(name, blocker)
    return blocker


def _add(api: GatewayClient, count: int, seed: int) -> None:
    reply = api.post(f"{MODEL}/samples", {"samples": labelled_samples(count, CRITERIA, seed=seed)})
    assert reply.status == 201, reply.body


def _model(api: GatewayClient) -> dict[str, Any]:
    reply = api.get(MODEL)
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.json()
    return body


def _versions(api: GatewayClient) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = api.get(f"{MODEL}/versions").json()["data"]
    return data


def _version_params(aws: dict[str, str], number: int) -> Any:
    item = boto3.client("dynamodb").get_item(
        TableName=aws["ModelsTable"],
        Key={"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": f"VERSION#{number:06d}"}},
    )["Item"]
    return item["params"]


def _trained_v1(api: GatewayClient, engine: Engine, poller: StreamPoller) -> None:
    assert api.post("/v1/models", {"handle": HANDLE, "criteria": CRITERIA}).status == 201
    _add(api, 60, seed=3)
    reply = api.post(f"{MODEL}/train", {"effort": "low"})
    assert reply.status == 202, reply.body
    assert engine.wait(reply.json()["run_id"]).status == "SUCCEEDED"
    poller.drain()
    assert _model(api)["active_version"] == 1


def _running_retrain(api: GatewayClient) -> str:
    operation = _model(api)["last_operation"]
    assert operation["kind"] == "retrain", operation
    assert operation["status"] == "running", operation
    return str(operation["run_id"])


def test_a_retrain_starts_at_the_threshold_and_publishes_the_next_version_with_the_same_params(
    api: GatewayClient, engine: Engine, poller: StreamPoller, aws: dict[str, str]
) -> None:
    _trained_v1(api, engine, poller)
    _add(api, THRESHOLD - 1, seed=7)
    poller.drain()
    assert _model(api)["state"] == "ready"  # one short: nothing starts

    blocked = _block(engine, "LoadSamplesFunction")
    _add(api, 1, seed=8)
    poller.drain()
    assert _model(api)["state"] == "busy"
    run_id = _running_retrain(api)
    # At most one at a time: more samples, a repeated record, a direct start: nothing new.
    _add(api, THRESHOLD, seed=9)
    poller.drain()
    assert runs_service.start_retrain(HANDLE) is None
    assert _running_retrain(api) == run_id
    assert next(r["run_id"] for r in api.get(f"{MODEL}/runs").json()["data"]) == run_id

    blocked.release.set()
    assert engine.wait(run_id).status == "SUCCEEDED"
    model = _model(api)
    assert model["active_version"] == 2
    assert model["last_operation"]["kind"] == "retrain"
    assert model["last_operation"]["status"] == "succeeded"
    assert _version_params(aws, 2) == _version_params(aws, 1)
    # Only the active params were evaluated: one candidate, no search.
    run = api.get(f"{MODEL}/runs/{run_id}").json()
    assert run["kind"] == "retrain"
    assert run["status"] == "succeeded"
    item = boto3.client("dynamodb").get_item(
        TableName=aws["ModelsTable"],
        Key={"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": f"RUN#{run_id}"}},
    )["Item"]
    assert item["candidates_total"] == {"N": "1"}
    # The samples added while it waited were in its snapshot: the publish took all of them back,
    # so nothing starts again.
    poller.drain()
    assert _model(api)["state"] == "ready"
    assert len(api.get(f"{MODEL}/runs").json()["data"]) == 2


def test_the_stream_is_still_read_after_a_refused_transaction(
    api: GatewayClient, engine: Engine, poller: StreamPoller
) -> None:
    """moto rolls a refused transaction back by swapping in a copy of the table and its stream;
    the poller must keep reading the live stream (a fresh iterator from its last position)."""
    _trained_v1(api, engine, poller)
    assert runs_service.start_retrain(HANDLE) is None  # refused: too few new samples
    _add(api, THRESHOLD, seed=7)
    poller.drain()
    assert _model(api)["state"] == "busy"
    assert engine.wait(_running_retrain(api)).status == "SUCCEEDED"


def test_a_failed_retrain_leaves_the_old_version_serving(
    api: GatewayClient, engine: Engine, poller: StreamPoller
) -> None:
    _trained_v1(api, engine, poller)

    def crash(event: Any) -> Any:
        raise RuntimeError("the plan crashed")

    plan = engine.function_names["PlanCandidatesFunction"]
    real = engine.registry.get(plan)
    assert real is not None
    engine.registry.register(plan, crash)
    _add(api, THRESHOLD, seed=7)
    poller.drain()
    run_id = _running_retrain(api)
    assert engine.wait(run_id).status == "FAILED"
    model = _model(api)
    assert model["state"] == "ready"
    assert model["active_version"] == 1
    operation = model["last_operation"]
    assert operation["kind"] == "retrain"
    assert operation["status"] == "failed"
    assert operation["error"]["code"] == "internal-error"
    assert len(_versions(api)) == 1
    # Its release leaves the count at the threshold, but starts nothing: only new samples do.
    poller.drain()
    assert _model(api)["state"] == "ready"
    engine.registry.register(plan, real)
    _add(api, 1, seed=11)
    poller.drain()
    engine.wait(_running_retrain(api))
    assert _model(api)["active_version"] == 2


def test_a_run_in_flight_when_retention_turns_on_publishes_nothing_and_loses_its_snapshot(
    api: GatewayClient, engine: Engine, poller: StreamPoller, aws: dict[str, str]
) -> None:
    _trained_v1(api, engine, poller)
    blocked = _block(engine, "PlanCandidatesFunction")  # after the snapshot was written
    reply = api.post(f"{MODEL}/train", {"effort": "low", "reoptimize_params": True})
    assert reply.status == 202, reply.body
    run_id = reply.json()["run_id"]
    assert blocked.entered.wait(WAIT_S)
    snapshots = f"datasets/{HANDLE}/"
    s3 = boto3.client("s3")
    assert s3.list_objects_v2(Bucket=aws["ArtifactsBucket"], Prefix=snapshots)["KeyCount"] == 1

    assert api.patch(MODEL, {"zero_data_retention": True}).status == 200
    poller.drain()  # the purge: samples and the run's snapshot
    assert s3.list_objects_v2(Bucket=aws["ArtifactsBucket"], Prefix=snapshots)["KeyCount"] == 0

    blocked.release.set()
    engine.wait(run_id)
    model = _model(api)
    assert model["state"] == "ready"
    assert model["active_version"] == 1
    operation = model["last_operation"]
    assert operation["status"] == "failed"
    assert operation["error"]["code"] == "zero-data-retention"
    assert len(_versions(api)) == 1
    assert api.get(f"{MODEL}/samples").json()["data"] == []
