"""Each patch of ``local.patches`` is applied and does what it is for, on the pinned versions.

Where a fuller test of a patch's effect lives elsewhere, it is named here instead of repeated:
``lambda-invoke-bridge``, ``sfn-execution-end-hook``, ``sfn-instant-retries`` and
``moto-engine-config`` in ``test_stepfunctions_engine.py`` (handlers run, ends are seen, retries
recorded, the state machine executed); ``dynamodb-item-rollback``'s semantics and
``dynamodb-wire-form-responses``' bytes in ``test_moto_speed.py``; ``iam-audit-handlers`` in
``tests/unit/test_iam_audit.py`` and every ``aws`` fixture; ``powertools-thread-isolation``'s
router state in ``tests/unit/test_isolation.py``; ``dynamodb-atomic-requests`` under real races
in ``tests/e2e/test_moto_fidelity.py``.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)
from moto import mock_aws
from moto.core.serialize import BaseJSONSerializer
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.server import ThreadedMotoServer
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from bench.coldstart.emulator import count_requests
from local import isolation, moto_fidelity, moto_speed, patches
from tests import conftest

TABLE = "patched"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def _owned(lock: Any) -> bool:
    """Whether this thread holds ``lock`` (an ``RLock``)."""
    return bool(lock._is_owned())


def test_the_emulator_patches_are_applied_for_every_test() -> None:
    """tests/conftest.py applies them (``local.emulator_patches``) before any test."""
    assert moto_fidelity.is_serialized()
    assert getattr(DynamoDBBackend.update_item, "__u22a8_serialized__", False)
    assert getattr(DynamoDBBackend.transact_write_items, "__u22a8_item_rollback__", False)
    assert getattr(BaseJSONSerializer._serialize_type_structure, "__u22a8_wire_form__", False)
    assert getattr(ExecutionWorker, "_u22a8_stop_waits", False)
    assert getattr(WaitFunction, "_u22a8_sees_stop", False)


def test_dynamodb_requests_run_under_the_one_lock(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    held: list[bool] = []
    get_table = DynamoDBBackend.get_table

    def spy(self: Any, name: str) -> Any:
        held.append(_owned(moto_fidelity._LOCK))
        return get_table(self, name)

    monkeypatch.setattr(DynamoDBBackend, "get_table", spy)
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    dynamodb.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET n = n + :one",
        ConditionExpression="n = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    assert held
    assert all(held)
    assert not _owned(moto_fidelity._LOCK)  # and released after each request


def test_a_transaction_copies_the_items_it_names_not_the_table(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(50):
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": f"item-{index}"}})
    copies: list[bool] = []
    deepcopy = vars(Table)["__deepcopy__"]  # local.moto_speed's

    def counting(self: Any, memo: dict[int, Any]) -> Any:
        clone = deepcopy(self, memo)
        copies.append(clone is not self)
        return clone

    monkeypatch.setattr(Table, "__deepcopy__", counting)
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "new-1"}}}},
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "new-2"}}}},
        ]
    )
    assert copies  # moto asked for its whole-table backup ...
    assert not any(copies)  # ... and got the table itself, not a copy
    assert dynamodb.scan(TableName=TABLE, Select="COUNT")["Count"] == 52


def test_item_values_are_written_without_moto_s_member_search(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[Any] = []
    wire_form = moto_speed._wire_form

    def spy(value: Any, blob: Any) -> Any:
        written.append(value)
        return wire_form(value, blob)

    monkeypatch.setattr(moto_speed, "_wire_form", spy)
    item = {"pk": {"S": "a"}, "m": {"M": {"n": {"N": "1"}}}, "l": {"L": [{"BOOL": True}]}}
    dynamodb.put_item(TableName=TABLE, Item=item)
    assert dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"] == item
    assert {"S": "a"} in written  # each top-level value took the wire-form path (nested: inside)


class _WaitEnvironment:
    """What a Wait state reads of moto's execution environment."""

    def __init__(self) -> None:
        self.program_state_event = threading.Event()
        self.running = True

    def is_running(self) -> bool:
        return self.running


def test_a_stop_that_lands_before_the_wait_begins_still_ends_it() -> None:
    env = _WaitEnvironment()
    env.running = False  # StopExecution: the state changes, and the event is pulsed ...
    env.program_state_event.set()
    env.program_state_event.clear()  # ... before the Wait has started waiting on it
    ended = threading.Event()

    def wait() -> None:
        WaitFunction._wait_interval(None, env, 3600)  # type: ignore[arg-type]
        ended.set()

    threading.Thread(target=wait, daemon=True).start()
    assert ended.wait(5), "the Wait slept through the stop"


def test_a_wait_nobody_stops_lasts_its_interval() -> None:
    env = _WaitEnvironment()
    started = time.monotonic()
    WaitFunction._wait_interval(None, env, 1)  # type: ignore[arg-type]
    assert time.monotonic() - started >= 1


class _Environment:
    def __init__(self) -> None:
        self.stops: list[dict[str, Any]] = []

    def set_stop(self, **kwargs: Any) -> None:
        self.stops.append(kwargs)


def test_a_stop_before_the_execution_environment_exists_waits_for_it() -> None:
    worker = ExecutionWorker.__new__(ExecutionWorker)  # started, environment not yet created
    failures: list[BaseException] = []

    def stop() -> None:
        try:
            worker.stop(stop_date=None, error="Cancelled", cause="by the user")  # type: ignore[arg-type]
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)

    stopper = threading.Thread(target=stop)
    stopper.start()
    # Until the stop is waiting (it creates the readiness event), or has ended without waiting.
    while "_u22a8_env_ready" not in worker.__dict__ and stopper.is_alive():
        stopper.join(0.001)
    assert not failures  # moto's own stop fails at once: the worker has no ``env`` yet
    environment = _Environment()
    worker.env = environment  # type: ignore[assignment]  # what moto's execution thread does
    stopper.join(30)
    assert not stopper.is_alive()
    assert not failures
    assert environment.stops == [{"stop_date": None, "cause": "by the user", "error": "Cancelled"}]


class _RecordingMetricSet(dict[str, Any]):
    def __init__(self) -> None:
        super().__init__()
        self.locked: list[bool] = []

    def get(self, key: str, default: Any = None) -> Any:
        self.locked.append(_owned(isolation._metrics_lock))
        return super().get(key, default)


def test_metrics_are_added_under_one_lock_across_handler_threads() -> None:
    isolation.isolate_invocations()
    provider = AmazonCloudWatchEMFProvider(namespace="U22a8", service="patches")
    recording = _RecordingMetricSet()
    provider.metric_set = recording
    provider.add_metric(name="Requests", unit="Count", value=1)
    assert recording.locked == [True]
    assert recording["Requests"]["Value"] == [1.0]


def test_every_default_session_shares_one_data_loader() -> None:
    assert getattr(conftest.share_data_loader, patches.MARKER) == "boto3-shared-data-loader"
    boto3.setup_default_session()
    first = boto3.DEFAULT_SESSION
    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not first
    loaders = {
        id(session._session.get_component("data_loader"))  # type: ignore[union-attr]
        for session in (first, boto3.DEFAULT_SESSION)
    }
    assert loaders == {id(conftest._shared_loader)}


def test_the_benchmark_counts_the_requests_moto_serves() -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        counter = count_requests(server)
        assert counter is not None
        host, port = server.get_host_and_port()
        for _ in range(3):
            with urllib.request.urlopen(f"http://{host}:{port}/moto-api/", timeout=30) as reply:
                assert reply.status == 200
        requests, _ = counter.take()
        assert requests == 3
        assert counter.take()[0] == 0  # taken
    finally:
        server.stop()
