"""Concurrent writers over HTTP: conditional writes serialize them and no update is lost.

The local gateway runs a handler "container" per in-flight request and moto's server is threaded,
so these requests really race; ``local.moto_fidelity`` makes moto as atomic as DynamoDB.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from tests.e2e.conftest import Api, LocalStack, assert_problem

pytestmark = pytest.mark.e2e

WRITERS = 20


def _all_at_once[T](tasks: list[Callable[[], T]]) -> list[T]:
    """Run the tasks on their own threads, released together by a barrier."""
    barrier = threading.Barrier(len(tasks))

    def run(task: Callable[[], T]) -> T:
        barrier.wait(timeout=30)
        return task()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(run, tasks))


def _revision(response: requests.Response) -> int:
    return int(response.headers["ETag"].strip('"'))


def test_same_if_match_from_many_writers_lets_exactly_one_win(api: Api, stack: LocalStack) -> None:
    model = api.create_model(stack.namespace)
    path = f"/v1/models/{model['handle']}"
    etag = api.get(path).headers["ETag"]

    def writer(i: int) -> Callable[[], requests.Response]:
        return lambda: api.patch(path, {"description": f"writer {i}"}, headers={"If-Match": etag})

    responses = _all_at_once([writer(i) for i in range(WRITERS)])
    winners = [r for r in responses if r.status_code == 200]
    losers = [r for r in responses if r.status_code != 200]
    assert len(winners) == 1, [r.status_code for r in responses]
    for loser in losers:
        assert_problem(loser, 412)

    final = api.get(path)
    assert final.headers["ETag"] == winners[0].headers["ETag"] == '"2"'
    assert final.json()["description"] == winners[0].json()["description"]


def test_concurrent_patches_of_different_fields_lose_no_update(api: Api, stack: LocalStack) -> None:
    model = api.create_model(stack.namespace)
    path = f"/v1/models/{model['handle']}"
    start = _revision(api.get(path))
    patches: list[dict[str, Any]] = []
    for i in range(WRITERS // 2):
        patch: dict[str, Any] = {"description": f"description {i}"}
        if i % 3 == 0:
            patch["zero_data_retention"] = i % 2 == 0
        patches.append(patch)
        patches.append({"auto_prune": {"keep_unnamed": 100 + i}})

    def writer(patch: dict[str, Any]) -> Callable[[], requests.Response]:
        return lambda: api.patch(path, patch)

    responses = _all_at_once([writer(patch) for patch in patches])
    assert [r.status_code for r in responses] == [200] * WRITERS, [r.text for r in responses]

    # Every write was applied on its own: the revisions the writers saw are exactly start+1..+20,
    # so the writes form one sequence, and the final item is that sequence's last value of each
    # field: nothing a writer wrote was overwritten by a stale copy.
    revisions = sorted(_revision(r) for r in responses)
    assert revisions == list(range(start + 1, start + WRITERS + 1))
    final = api.get(path)
    assert _revision(final) == start + WRITERS
    ordered = sorted(zip(responses, patches, strict=True), key=lambda pair: _revision(pair[0]))
    expected: dict[str, Any] = dict(model)
    for _, patch in ordered:
        expected["description"] = patch.get("description", expected["description"])
        expected["zero_data_retention"] = patch.get(
            "zero_data_retention", expected["zero_data_retention"]
        )
        if "auto_prune" in patch:
            expected["auto_prune"] = {
                "keep_unnamed": patch["auto_prune"]["keep_unnamed"],
                "keep_first_of_month": True,
            }
    body = final.json()
    for field in ("description", "zero_data_retention", "auto_prune"):
        assert body[field] == expected[field], field
    # Each response showed the item as its own write left it (no other writer's later change).
    for response, patch in ordered:
        for field, value in patch.items():
            if field == "auto_prune":
                assert response.json()["auto_prune"]["keep_unnamed"] == value["keep_unnamed"]
            else:
                assert response.json()[field] == value


def test_emulator_applies_a_conditional_update_atomically(stack: LocalStack) -> None:
    """The guarantee the API relies on, checked on the stack's moto directly: of twenty
    identical conditional UpdateItems exactly one succeeds, and twenty increments all count."""
    env = stack.aws_environment()
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
    )
    # One client per thread, all made here: creating clients is not thread-safe.
    clients = [session.client("dynamodb", endpoint_url=stack.moto_endpoint) for _ in range(WRITERS)]
    table = stack.keys_table.replace("KeysTable", "IdempotencyTable")
    key = {"id": {"S": f"e2e-fidelity-{uuid.uuid4()}"}}

    def conditional(i: int) -> Callable[[], bool]:
        def run() -> bool:
            try:
                clients[i].update_item(
                    TableName=table,
                    Key=key,
                    UpdateExpression="SET revision = revision + :one",
                    ConditionExpression="revision = :expected",
                    ExpressionAttributeValues={":one": {"N": "1"}, ":expected": {"N": "0"}},
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                return False
            return True

        return run

    def increment(i: int) -> Callable[[], None]:
        def run() -> None:
            clients[i].update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET revision = revision + :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

        return run

    for _ in range(5):
        clients[0].put_item(TableName=table, Item={**key, "revision": {"N": "0"}})
        assert sum(_all_at_once([conditional(i) for i in range(WRITERS)])) == 1
        _all_at_once([increment(i) for i in range(WRITERS)])
        item = clients[0].get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
        assert item["revision"]["N"] == str(1 + WRITERS)
