"""Training over real HTTP on the local stack: samples in, a run through the Step Functions
workflow (moto's engine running the real step handlers), a published version out."""

from __future__ import annotations

import time
from typing import Any

import pytest

from local.synthetic import labelled_samples
from tests.e2e.conftest import Api, LocalStack

pytestmark = pytest.mark.e2e

RUN_DEADLINE_S = 120.0  # a low-effort run on 48 samples takes seconds; this only bounds a hang
POLL_INTERVAL_S = 0.05  # no push signal exists for a client: polling GET is the contract


def _poll_until_settled(api: Api, handle: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """GET the model until it is no longer busy; every distinct state seen on the way."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + RUN_DEADLINE_S
    while True:
        response = api.get(f"/v1/models/{handle}")
        assert response.status_code == 200, response.text
        model: dict[str, Any] = response.json()
        if not seen or model != seen[-1]:
            seen.append(model)
        if model["state"] != "busy":
            return model, seen
        assert time.monotonic() < deadline, f"still busy after {RUN_DEADLINE_S} s: {model}"
        time.sleep(POLL_INTERVAL_S)


def test_train_publishes_v1_and_the_model_becomes_ready(api: Api, stack: LocalStack) -> None:
    criteria = ["Clarity", "Flow"]
    handle = api.create_model(stack.namespace, criteria=criteria)["handle"]
    samples = labelled_samples(48, criteria, seed=11)
    added = api.post(f"/v1/models/{handle}/samples", {"samples": samples})
    assert added.status_code == 201, added.text
    assert len(added.json()["sample_ids"]) == 48

    started = api.post(f"/v1/models/{handle}/train", {"effort": "low"})
    assert started.status_code == 202, started.text
    body = started.json()
    assert body["state"] == "busy"
    run_id = body["run_id"]
    assert run_id.startswith("run_")
    assert started.headers["Location"] == f"/v1/models/{handle}/runs/{run_id}"

    model, seen = _poll_until_settled(api, handle)

    assert model["state"] == "ready", model
    assert model["active_version"] == 1
    assert model["active_version_id"].startswith("mv_")
    operation = model["last_operation"]
    assert operation["kind"] == "train"
    assert operation["status"] == "succeeded"
    assert operation["run_id"] == run_id
    assert operation["progress"] == 1.0
    assert operation["finished_at"] >= operation["started_at"]
    assert operation.get("error") is None
    busy = [m for m in seen if m["state"] == "busy"]
    progress = [m["last_operation"].get("progress") for m in busy]
    print(f"states seen while polling: {[m['state'] for m in seen]}, progress: {progress}")
    for m in busy:
        assert m["last_operation"]["status"] == "running"
        assert m["last_operation"]["run_id"] == run_id
    numeric = [p for p in progress if p is not None]
    assert numeric == sorted(numeric), "progress went backwards"
    assert all(0 <= p <= 1 for p in numeric)

    versions = api.get(f"/v1/models/{handle}/versions")
    assert versions.status_code == 200, versions.text
    (version,) = versions.json()["data"]
    assert version["version"] == 1
    assert version["version_id"] == model["active_version_id"]
    assert version["run_id"] == run_id
    assert version["params"]
    for criterion in criteria:
        metrics = version["metrics"][criterion]
        assert -1 <= metrics["spearman"] <= 1
        assert 0 <= metrics["auc"] <= 1
        assert metrics["n"] > 0
    # The cues are learnable: the chosen candidate must beat chance on held-out folds.
    assert all(version["metrics"][c]["spearman"] > 0.3 for c in criteria), version["metrics"]

    run = api.get(f"/v1/models/{handle}/runs/{run_id}")
    assert run.status_code == 200, run.text
    run_body = run.json()
    assert run_body["run_id"] == run_id
    assert run_body["status"] == "succeeded"
    assert run_body["kind"] == "train"
    assert run_body["effort"] == "low"
    assert run_body["version"] == 1
    assert run_body["progress"] == 1.0
    assert run_body["error"] is None
    assert run_body["finished_at"] >= run_body["started_at"]
