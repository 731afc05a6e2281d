"""``local.moto_fidelity`` under stress: moto's server in this process, threads switching as often
as the interpreter allows, and still exactly one winner per conditional write and no lost update.

Without the fix this fails every run, usually in its first round (measured 5 runs of 5); the
stack-level tests in ``test_concurrency.py`` catch the race only now and then, because at the
default switch interval it is rare.
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from local.moto_fidelity import is_serialized, serialize_dynamodb

pytestmark = pytest.mark.e2e

WRITERS = 20
ROUNDS = 10
TABLE = "fidelity"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    serialize_dynamodb()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def fast_thread_switching() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


@pytest.mark.usefixtures("fast_thread_switching")
def test_conditional_and_counting_updates_are_atomic(endpoint: str) -> None:
    assert is_serialized()
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    clients = [session.client("dynamodb", endpoint_url=endpoint) for _ in range(WRITERS)]
    table = f"{TABLE}-{uuid.uuid4().hex[:8]}"
    clients[0].create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    key = {"pk": {"S": "item"}}

    def conditional(i: int, barrier: threading.Barrier) -> bool:
        barrier.wait(timeout=30)
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

    def increment(i: int, barrier: threading.Barrier) -> None:
        barrier.wait(timeout=30)
        clients[i].update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET revision = revision + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for round_ in range(ROUNDS):
            clients[0].put_item(TableName=table, Item={**key, "revision": {"N": "0"}})
            barrier = threading.Barrier(WRITERS)
            wins = list(pool.map(conditional, range(WRITERS), [barrier] * WRITERS))
            assert sum(wins) == 1, f"round {round_}: {sum(wins)} conditional writes succeeded"
            barrier = threading.Barrier(WRITERS)
            list(pool.map(increment, range(WRITERS), [barrier] * WRITERS))
            item = clients[0].get_item(TableName=table, Key=key)["Item"]
            assert item["revision"]["N"] == str(1 + WRITERS), f"round {round_}: lost an update"
