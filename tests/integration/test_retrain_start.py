"""An automatic retrain whose ``StartExecution`` fails takes its claim back, as a train does: the
ready model keeps serving as before, is not left busy without an execution, and its new-sample
count stays, so the next sample upload (its stream record) tries again."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.helpers import GatewayClient
from tests.integration.run_helpers import (
    HANDLE,
    create,
    executions,
    make_ready,
    raw_item,
    run,
    run_items,
    stored,
)
from u22a8.config import get_settings
from u22a8.data import executions as executions_module
from u22a8.domain import runs_service
from u22a8.entities.errors import ModelNotFound, ServiceBusy
from u22a8.entities.model import ModelState
from u22a8.entities.run import RunStatus, TrainRequest

HOLD_ATTRIBUTES = ("current_run_id", "state_before_run", "operation_before_run", "gsi2pk")


def _enough_new_samples() -> None:
    boto3.client("dynamodb").update_item(
        TableName=get_settings().models_table,
        Key={"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": "META"}},
        UpdateExpression="SET samples_since_version = :n, sample_count = :n",
        ExpressionAttributeValues={":n": {"N": str(get_settings().retrain_threshold)}},
    )


def _failing_start(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []

    def start(state_machine_arn: str, name: str, payload: Any) -> None:
        names.append(name)
        raise executions_module.StartFailed("StartExecution failed: ThrottlingException")

    monkeypatch.setattr(executions_module, "start", start)
    return names


def test_a_retrain_whose_start_fails_undoes_its_claim(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(api)
    make_ready()
    _enough_new_samples()
    before_item, before = raw_item(), stored()
    real_start = executions_module.start
    names = _failing_start(monkeypatch)

    with pytest.raises(ServiceBusy) as caught:
        runs_service.start_retrain(HANDLE)
    assert caught.value.retry_after_s == 1  # a start retried a second later usually succeeds

    (run_id,) = names
    after = stored()
    assert after.state is ModelState.READY
    assert (after.active_version, after.active_version_id, after.last_operation) == (
        before.active_version,
        before.active_version_id,
        before.last_operation,
    )
    item = raw_item()
    assert [a for a in HOLD_ATTRIBUTES if a in item] == []
    assert item["samples_since_version"] == before_item["samples_since_version"]
    failed = run(run_id)
    assert failed.status is RunStatus.FAILED
    assert failed.error is not None
    assert failed.error.code == "start-failed"
    assert [i["status"]["S"] for i in run_items()] == ["failed"]
    assert executions() == []

    # The fault passed: the next record starts the retrain, as a retrain (no new search).
    monkeypatch.setattr(executions_module, "start", real_start)
    retrain_id = runs_service.start_retrain(HANDLE)
    assert retrain_id is not None
    assert stored().state is ModelState.BUSY
    started_run = run(retrain_id)
    assert (started_run.kind, started_run.effort, started_run.reoptimize_params) == (
        "retrain",
        None,
        False,
    )
    (execution,) = executions()
    described = boto3.client("stepfunctions").describe_execution(
        executionArn=execution["executionArn"]
    )
    assert json.loads(described["input"]) == {
        "handle": HANDLE,
        "run_id": retrain_id,
        "kind": "retrain",
        "effort": None,
        "reoptimize_params": False,
    }


def test_a_train_names_no_model_of_another_namespace(api: GatewayClient) -> None:
    """The service checks the caller's namespace itself, not only its HTTP handler."""
    create(api)
    before = raw_item()
    with pytest.raises(ModelNotFound):
        runs_service.train("globex", HANDLE, TrainRequest(), None)
    assert raw_item() == before
    assert run_items() == []
