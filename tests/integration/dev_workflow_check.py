"""TEMPORARY dev check (engineer B) until A's train API exists; deleted before hand-off."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from local.synthetic import labelled_samples
from tests.integration.workflow_support import Engine, training_engine
from u22a8.config import get_settings
from u22a8.data import clients


def _finish_run(handle: str, run_id: str, outcome: str, error: Any) -> bool:
    ddb = clients.dynamodb()
    table = get_settings().models_table
    try:
        ddb.update_item(
            TableName=table,
            Key={"pk": {"S": f"MODEL#{handle}"}, "sk": {"S": "META"}},
            UpdateExpression="SET #state = :failed, last_operation.#status = :failed, "
            "last_operation.#error = :error REMOVE current_run_id, gsi2pk",
            ConditionExpression="current_run_id = :run",
            ExpressionAttributeNames={"#state": "state", "#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":failed": {"S": "failed"},
                ":run": {"S": run_id},
                ":error": {"M": {"code": {"S": error.code}, "message": {"S": error.message}}},
            },
        )
    except ddb.exceptions.ConditionalCheckFailedException:
        return False
    return True


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch):
    with training_engine(monkeypatch) as e:
        yield e


def _claim(handle: str, run_id: str) -> None:
    ddb = clients.dynamodb()
    table = get_settings().models_table
    ddb.update_item(
        TableName=table,
        Key={"pk": {"S": f"MODEL#{handle}"}, "sk": {"S": "META"}},
        UpdateExpression="SET #state = :busy, current_run_id = :run, last_operation = :op, gsi2pk = :b",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues={
            ":busy": {"S": "busy"},
            ":run": {"S": run_id},
            ":b": {"S": "BUSY"},
            ":op": {
                "M": {
                    "kind": {"S": "train"},
                    "status": {"S": "running"},
                    "run_id": {"S": run_id},
                    "started_at": {"S": "2026-01-01T00:00:00.000Z"},
                }
            },
        },
    )
    ddb.put_item(
        TableName=table,
        Item={
            "pk": {"S": f"MODEL#{handle}"},
            "sk": {"S": f"RUN#{run_id}"},
            "run_id": {"S": run_id},
            "status": {"S": "running"},
            "kind": {"S": "train"},
        },
    )


def test_dev(engine: Engine) -> None:
    from local.gateway import Gateway
    from tests.helpers import GatewayClient
    from u22a8.domain.keys_service import issue_key

    api = GatewayClient(Gateway(), issue_key("acme", "t").key)
    handle = "acme.dev"
    assert api.post("/v1/models", {"handle": handle, "criteria": ["Clarity", "Flow"]}).status == 201
    r = api.post(
        f"/v1/models/{handle}/samples",
        {"samples": labelled_samples(60, ["Clarity", "Flow"], seed=3)},
    )
    assert r.status == 201, r.body
    run_id = "run_000000000001abcdabcd"
    _claim(handle, run_id)
    t = time.monotonic()
    engine.sfn.start_execution(
        stateMachineArn=engine.state_machine_arn,
        name=run_id,
        input=json.dumps(
            {
                "handle": handle,
                "run_id": run_id,
                "kind": "train",
                "effort": "low",
                "reoptimize_params": False,
            }
        ),
    )
    end = engine.wait(run_id)
    print("took", time.monotonic() - t, end)
    print(json.dumps(engine.output(run_id), indent=1)[:3000])
    print(engine.entered_states(run_id))
    print(api.get(f"/v1/models/{handle}").json())
    print(api.get(f"/v1/models/{handle}/versions").json())
    if end.status != "SUCCEEDED":
        for e in engine.history(run_id):
            print(e)
    assert end.status == "SUCCEEDED"


def test_dev_fail(engine: Engine) -> None:
    from local.gateway import Gateway
    from tests.helpers import GatewayClient
    from u22a8.domain.keys_service import issue_key

    api = GatewayClient(Gateway(), issue_key("acme", "t").key)
    handle = "acme.dev"
    assert api.post("/v1/models", {"handle": handle, "criteria": ["Clarity", "Flow"]}).status == 201
    r = api.post(
        f"/v1/models/{handle}/samples",
        {"samples": labelled_samples(60, ["Clarity", "Flow"], seed=3)},
    )
    run_id = "run_000000000001abcdabce"
    _claim(handle, run_id)

    def boom(event):
        raise RuntimeError("boom with secret text")

    engine.registry.register(engine.function_names["EvaluateCandidateFunction"], boom)
    engine.sfn.start_execution(
        stateMachineArn=engine.state_machine_arn,
        name=run_id,
        input=json.dumps(
            {
                "handle": handle,
                "run_id": run_id,
                "kind": "train",
                "effort": "low",
                "reoptimize_params": False,
            }
        ),
    )
    end = engine.wait(run_id)
    print(end)
    print(json.dumps(engine.output(run_id), indent=1)[-1500:])
    print(api.get(f"/v1/models/{handle}").json())


@pytest.mark.parametrize("n,effort", [(2000, "medium"), (10000, "medium")])
def test_dev_timing(engine: Engine, n: int, effort: str) -> None:
    from local.gateway import Gateway
    from tests.helpers import GatewayClient
    from u22a8.data import runs_repo
    from u22a8.domain.keys_service import issue_key
    from u22a8.domain.model import ModelState
    from u22a8.domain.run import Run, RunStatus, TrainRequest

    api = GatewayClient(Gateway(), issue_key("acme", "t").key)
    handle = "acme.dev"
    assert api.post("/v1/models", {"handle": handle, "criteria": ["Clarity", "Flow"]}).status == 201
    data = labelled_samples(n, ["Clarity", "Flow"], seed=3)
    for i in range(0, n, 500):
        assert (
            api.post(f"/v1/models/{handle}/samples", {"samples": data[i : i + 500]}).status == 201
        )
    run_id = "run_000000000001abcdabcd"
    runs_repo.claim(
        handle,
        Run(
            run_id=run_id,
            kind="train",
            status=RunStatus.RUNNING,
            started_at="2026-01-01T00:00:00.000Z",
            effort=effort,
            progress=0.0,
        ),
        TrainRequest(effort=effort),
        [ModelState.DRAFT],
        None,
    )
    t = time.monotonic()
    engine.sfn.start_execution(
        stateMachineArn=engine.state_machine_arn,
        name=run_id,
        input=json.dumps(
            {
                "handle": handle,
                "run_id": run_id,
                "kind": "train",
                "effort": effort,
                "reoptimize_params": False,
            }
        ),
    )
    end = engine.wait(run_id)
    print("\nTIMING", n, effort, round(time.monotonic() - t, 2), end.status)
    hist = engine.history(run_id)
    prev = None
    for e in hist:
        if e["type"].endswith("StateEntered") or e["type"].endswith("StateExited"):
            d = e.get("stateEnteredEventDetails") or e.get("stateExitedEventDetails") or {}
            print(e["timestamp"].strftime("%H:%M:%S.%f"), e["type"], d.get("name"))
