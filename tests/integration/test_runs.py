"""GET /v1/models/{handle}/runs and GET …/runs/{run_id}: the run resource, 404s, pagination."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.helpers import GatewayClient
from tests.integration.run_helpers import HANDLE, PATH, TRAIN, create, problem, run, started
from u22a8.data import runs_repo
from u22a8.entities.model import OperationError
from u22a8.entities.run import Run, RunStatus, new_run_id

RUNS = f"{PATH}/runs"


@pytest.fixture
def model(api: GatewayClient) -> dict[str, Any]:
    return create(api)


def _seed(count: int, handle: str = HANDLE) -> list[str]:
    """``count`` finished runs, oldest first (run ids sort by their start)."""
    run_ids = []
    for index in range(count):
        run_id = new_run_id(now_ms=1_700_000_000_000 + index)
        runs_repo.put(
            handle,
            Run(
                run_id=run_id,
                kind="train" if index % 2 else "retrain",
                status=RunStatus.FAILED,
                started_at=f"2026-05-01T09:00:{index:02d}.000Z",
                effort="low" if index % 2 else None,
                finished_at=f"2026-05-01T09:01:{index:02d}.000Z",
                progress=0.5,
                error=OperationError("too-few-samples", "Add at least 10 samples."),
                execution_arn="arn:aws:states:us-east-1:123456789012:execution:x:" + run_id,
            ),
        )
        run_ids.append(run_id)
    return run_ids


@pytest.mark.usefixtures("model")
def test_a_run_as_the_api_shows_it(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {"effort": "high", "reoptimize_params": True}))
    reply = api.get(f"{RUNS}/{run_id}")
    assert reply.status == 200, reply.body
    assert reply.json() == {
        "run_id": run_id,
        "kind": "train",
        "status": "running",
        "effort": "high",
        "reoptimize_params": True,
        "started_at": run(run_id).started_at,
        "finished_at": None,
        "progress": 0.0,
        "error": None,
        "version": None,
    }
    assert api.get(RUNS).json() == {"data": [reply.json()], "next_cursor": None}


@pytest.mark.usefixtures("model")
def test_a_failed_run_shows_its_error_and_never_its_execution(api: GatewayClient) -> None:
    (run_id,) = _seed(1)
    body = api.get(f"{RUNS}/{run_id}").json()
    assert body["status"] == "failed"
    assert body["error"] == {"code": "too-few-samples", "message": "Add at least 10 samples."}
    assert body["effort"] is None  # a retrain searches nothing
    assert "execution_arn" not in body


@pytest.mark.usefixtures("model")
def test_unknown_runs_and_models_are_404(api: GatewayClient, other_key: str) -> None:
    missing = new_run_id()
    body = problem(api.get(f"{RUNS}/{missing}"), 404, "run-not-found")
    assert missing in body["detail"]
    problem(api.get(f"/v1/models/acme.ghost/runs/{missing}"), 404, "model-not-found")
    problem(api.get("/v1/models/acme.ghost/runs"), 404, "model-not-found")
    (run_id,) = _seed(1)
    problem(api.with_key(other_key).get(f"{RUNS}/{run_id}"), 404, "model-not-found")
    problem(api.with_key(other_key).get(RUNS), 404, "model-not-found")


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize(
    "run_id", ["run_1", "RUN_0123456789abcdef0123", "smp_x", "run_" + "g" * 20]
)
def test_a_malformed_run_id_is_422(api: GatewayClient, run_id: str) -> None:
    body = problem(api.get(f"{RUNS}/{run_id}"), 422, "validation-error")
    assert body["errors"][0]["loc"] == ["path", "run_id"]


@pytest.mark.usefixtures("model")
def test_a_model_without_runs_lists_none(api: GatewayClient) -> None:
    assert api.get(RUNS).json() == {"data": [], "next_cursor": None}


@pytest.mark.usefixtures("model")
def test_runs_are_listed_newest_first_a_page_at_a_time(api: GatewayClient) -> None:
    run_ids = _seed(5)
    seen: list[str] = []
    path = f"{RUNS}?limit=2"
    pages = 0
    while True:
        reply = api.get(path)
        assert reply.status == 200, reply.body
        body = reply.json()
        assert len(body["data"]) <= 2
        seen += [r["run_id"] for r in body["data"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        path = f"{RUNS}?limit=2&cursor={body['next_cursor']}"
    assert seen == list(reversed(run_ids))
    assert pages == 3
    exact = api.get(f"{RUNS}?limit=5").json()
    assert exact["next_cursor"] is None  # no empty last page
    assert len(api.get(RUNS).json()["data"]) == 5


def test_only_this_models_runs_are_listed(api: GatewayClient) -> None:
    create(api)
    create(api, "acme.other")
    mine = _seed(2)
    _seed(3, "acme.other")
    assert [r["run_id"] for r in api.get(RUNS).json()["data"]] == list(reversed(mine))


def _cursor(key: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def test_a_cursor_must_point_into_this_models_runs(api: GatewayClient) -> None:
    create(api)
    create(api, "acme.other")
    _seed(3)
    other = _seed(3, "acme.other")
    foreign = api.get("/v1/models/acme.other/runs?limit=1").json()["next_cursor"]
    assert foreign is not None
    for cursor in (
        foreign,
        _cursor({"pk": f"MODEL#{HANDLE}", "sk": "META"}),
        _cursor({"pk": f"MODEL#{HANDLE}", "sk": "SAMPLE#smp_1"}),
        _cursor({"pk": "MODEL#globex.m", "sk": f"RUN#{other[0]}"}),
        "not-a-cursor",
    ):
        body = problem(api.get(f"{RUNS}?cursor={cursor}"), 422, "invalid-cursor")
        assert body["errors"][0]["loc"] == ["query", "cursor"]


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("limit", ["0", "101", "x"])
def test_an_invalid_limit_is_422(api: GatewayClient, limit: str) -> None:
    problem(api.get(f"{RUNS}?limit={limit}"), 422, "validation-error")


@pytest.mark.usefixtures("model")
def test_an_archived_models_runs_can_be_read(api: GatewayClient) -> None:
    run_id = started(api.post(TRAIN, {}))
    assert api.delete(PATH).status == 200
    assert api.get(f"{RUNS}/{run_id}").json()["status"] == "cancelled"
    assert [r["run_id"] for r in api.get(RUNS).json()["data"]] == [run_id]
