"""Seeding versions for the versions, tags and prune tests: there is no training workflow to
publish them here, so they are written through the repository functions the workflow uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from tests.helpers import GatewayClient, Reply
from u22a8.data import artifacts, clients, inline_artifacts, versions_repo
from u22a8.entities.version import Version, new_version_id

PROBLEMS = "https://u22a8.ai/problems/"


def create_model(api: GatewayClient, handle: str, **fields: Any) -> Reply:
    reply = api.post("/v1/models", {"handle": handle, "criteria": ["Clarity"], **fields})
    assert reply.status == 201, reply.body
    return reply


def seed_version(handle: str, number: int, created_at: str | None = None) -> Version:
    """Store version ``number``, its artifact object and the artifact's copy in the table, as a
    publish would."""
    version_id = new_version_id()
    version = Version(
        version_id=version_id,
        version=number,
        created_at=created_at or f"2026-05-{1 + number % 28:02d}T12:00:00.{number % 1000:03d}Z",
        run_id=f"run_{number:020x}",
        params={"ngram_max": 2, "alpha": 0.25},
        metrics={"Clarity": {"spearman": 0.5, "auc": 0.75, "n": 40}, "objective": 0.625},
        artifact_key=artifacts.artifact_key(handle, version_id),
        sample_count=40,
    )
    versions_repo.put(handle, version)
    assert version.artifact_key is not None
    blob = b"fitted-" + str(number).encode()
    artifacts.put_artifact(version.artifact_key, blob)
    clients.dynamodb().transact_write_items(
        TransactItems=inline_artifacts.put_actions(handle, version_id, blob)
    )
    return version


def activate(handle: str, version: Version) -> None:
    """Make ``version`` the active one, bumping the revision like a publish."""
    clients.dynamodb().update_item(
        TableName=_models_table(),
        Key={"pk": {"S": f"MODEL#{handle}"}, "sk": {"S": "META"}},
        UpdateExpression="SET active_version = :n, active_version_id = :id, "
        "revision = revision + :one",
        ExpressionAttributeValues={
            ":n": {"N": str(version.version)},
            ":id": {"S": version.version_id},
            ":one": {"N": "1"},
        },
    )


def model_item(handle: str) -> dict[str, Any]:
    item: dict[str, Any] = clients.dynamodb().get_item(
        TableName=_models_table(), Key={"pk": {"S": f"MODEL#{handle}"}, "sk": {"S": "META"}}
    )["Item"]
    return item


def stored_versions(handle: str) -> list[int]:
    response = clients.dynamodb().query(
        TableName=_models_table(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :v)",
        ExpressionAttributeValues={":pk": {"S": f"MODEL#{handle}"}, ":v": {"S": "VERSION#"}},
    )
    return [int(item["version"]["N"]) for item in response["Items"]]


def stored_copies(handle: str) -> set[str]:
    """The version ids whose artifact has a copy in the table."""
    response = clients.dynamodb().query(
        TableName=_models_table(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
        ExpressionAttributeValues={":pk": {"S": f"MODEL#{handle}"}, ":a": {"S": "ARTIFACT#"}},
    )
    return {item["sk"]["S"].split("#")[1] for item in response["Items"]}


def stored_artifacts(handle: str) -> set[str]:
    from u22a8.config import get_settings

    response = boto3.client("s3").list_objects_v2(
        Bucket=get_settings().artifacts_bucket, Prefix=f"artifacts/{handle}/"
    )
    return {obj["Key"] for obj in response.get("Contents", [])}


def put_tag(api: GatewayClient, handle: str, tag: str, body: Any) -> Reply:
    return api.request("PUT", f"/v1/models/{handle}/tags/{tag}", body)


def problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    body: dict[str, Any] = reply.json()
    assert body["type"] == PROBLEMS + code, body
    assert body["status"] == status
    return body


def _models_table() -> str:
    from u22a8.config import get_settings

    return get_settings().models_table


@contextmanager
def recorded_calls() -> Iterator[list[str]]:
    """The DynamoDB operations made inside the block (warm the authorizer cache first)."""
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events = clients.dynamodb().meta.events
    events.register("before-call.dynamodb", record)
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb", record)
