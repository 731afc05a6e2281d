"""Helpers of the train/runs/cancel tests: models put into a state directly in the table, and
the training executions as Step Functions (moto, no execution engine) sees them."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.helpers import GatewayClient, Reply
from u22a8.config import get_settings
from u22a8.data import models_repo, runs_repo
from u22a8.data.items import to_attr
from u22a8.entities.model import Model
from u22a8.entities.run import Run

HANDLE = "acme.m"
PATH = f"/v1/models/{HANDLE}"
TRAIN = f"{PATH}/train"
PROBLEMS = "https://u22a8.ai/problems/"
PREVIOUS_OPERATION = {
    "kind": "train",
    "status": "succeeded",
    "run_id": "run_000000000001aaaaaaaa",
    "started_at": "2026-05-01T09:00:00.000Z",
    "finished_at": "2026-05-01T09:03:00.000Z",
    "progress": 1.0,
}


def create(api: GatewayClient, handle: str = HANDLE) -> dict[str, Any]:
    reply = api.post("/v1/models", {"handle": handle, "criteria": ["Clarity"]})
    assert reply.status == 201, reply.body
    body: dict[str, Any] = reply.json()
    return body


def stored(handle: str = HANDLE) -> Model:
    model = models_repo.get(handle)
    assert model is not None
    return model


def raw_item(handle: str = HANDLE) -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(
        TableName=get_settings().models_table,
        Key={"pk": {"S": f"MODEL#{handle}"}, "sk": {"S": "META"}},
        ConsistentRead=True,
    )["Item"]
    return dict(item)


def set_state(
    state: str,
    handle: str = HANDLE,
    active_version: int | None = None,
    last_operation: dict[str, Any] | None = None,
) -> Model:
    """Put the model in ``state`` as a finished run would have left it (a direct write)."""
    sets = ["#state = :state", "revision = revision + :one"]
    values: dict[str, Any] = {":state": {"S": state}, ":one": {"N": "1"}}
    if active_version is not None:
        sets += ["active_version = :version", "active_version_id = :version_id"]
        values[":version"] = {"N": str(active_version)}
        values[":version_id"] = {"S": f"mv_{active_version:020x}"}
    if last_operation is not None:
        sets.append("last_operation = :operation")
        values[":operation"] = to_attr(last_operation)
    boto3.client("dynamodb").update_item(
        TableName=get_settings().models_table,
        Key={"pk": {"S": f"MODEL#{handle}"}, "sk": {"S": "META"}},
        UpdateExpression="SET " + ", ".join(sets),
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues=values,
    )
    return stored(handle)


def make_ready(handle: str = HANDLE) -> Model:
    return set_state("ready", handle, active_version=1, last_operation=PREVIOUS_OPERATION)


def run(run_id: str, handle: str = HANDLE) -> Run:
    found = runs_repo.get(handle, run_id)
    assert found is not None
    return found


def executions() -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions")
    arn = get_settings().training_state_machine_arn
    return [dict(item) for item in sfn.list_executions(stateMachineArn=arn)["executions"]]


def execution(run_id: str) -> dict[str, Any]:
    arn = get_settings().training_state_machine_arn.replace(":stateMachine:", ":execution:")
    described = boto3.client("stepfunctions").describe_execution(executionArn=f"{arn}:{run_id}")
    return dict(described)


def execution_input(run_id: str) -> Any:
    return json.loads(execution(run_id)["input"])


def run_items(handle: str = HANDLE) -> list[dict[str, Any]]:
    response = boto3.client("dynamodb").query(
        TableName=get_settings().models_table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :run)",
        ExpressionAttributeValues={":pk": {"S": f"MODEL#{handle}"}, ":run": {"S": "RUN#"}},
        ConsistentRead=True,
    )
    return list(response["Items"])


def problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    body: dict[str, Any] = reply.json()
    assert body["type"] == PROBLEMS + code, body
    assert body["status"] == status
    return body


def started(reply: Reply) -> str:
    """The run id of a 202 train answer (checked against its Location)."""
    assert reply.status == 202, reply.body
    body = reply.json()
    assert body["state"] == "busy"
    run_id: str = body["run_id"]
    assert reply.header("Location") is not None
    assert str(reply.header("Location")).endswith(f"/v1/models/{HANDLE}/runs/{run_id}")
    return run_id
