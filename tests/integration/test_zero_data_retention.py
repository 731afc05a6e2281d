"""Zero-data-retention: the PATCH hides every sample at once (the retention epoch), uploads are
refused while it is on, the purge deletes samples and snapshots in bounded batches driven by the
ModelsTable stream (``local.streams`` stands in for the event source mapping, with the template's
filters), survives a crash half way, and turning it off applies going forward only."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from local import streams
from local.streams import StreamPoller
from tests.helpers import GatewayClient, lambda_context
from u22a8.data import purge_repo, samples_repo
from u22a8.domain import purge_service
from u22a8.entities.sample import Sample, new_sample_id

HANDLE = "acme.private"
MODEL = f"/v1/models/{HANDLE}"
SAMPLES = f"{MODEL}/samples"
PURGE_FUNCTION = "PurgeSamplesFunction"


@pytest.fixture(autouse=True)
def _plain_stream_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")


@pytest.fixture
def poller(aws: dict[str, str]) -> StreamPoller:
    """The purge's stream source only (the retrain needs the workflow: test_retrain.py)."""
    chosen = [s for s in streams.sources() if s.function == PURGE_FUNCTION]
    return StreamPoller(aws, streams.direct_deliverer(), chosen)


@pytest.fixture
def model(api: GatewayClient) -> str:
    reply = api.post("/v1/models", {"handle": HANDLE, "criteria": ["Clarity"]})
    assert reply.status == 201, reply.body
    return HANDLE


def _upload(api: GatewayClient, count: int, start: int = 0) -> list[str]:
    body = {
        "samples": [
            {"text": f"t{i}", "scores": {"Clarity": 0.5}} for i in range(start, start + count)
        ]
    }
    reply = api.post(SAMPLES, body)
    assert reply.status in (200, 201), reply.body
    return [str(sample_id) for sample_id in reply.json()["sample_ids"]]


def _store_directly(aws: dict[str, str], count: int) -> None:
    """``count`` samples written straight to the table (a fast setup for the big purge)."""
    client = boto3.client("dynamodb")
    millis = int(time.time() * 1000) - 5_000
    created_at = "2026-01-01T00:00:00.000Z"
    items = [
        samples_repo.item_from_sample(
            HANDLE,
            Sample(new_sample_id(millis, i), f"t{i}", {"Clarity": 1.0}, created_at),
        )
        for i in range(count)
    ]
    for start in range(0, count, 25):
        requests: Any = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        client.batch_write_item(RequestItems={aws["ModelsTable"]: requests})


def _stored_samples(aws: dict[str, str]) -> int:
    pages = (
        boto3.client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=aws["ModelsTable"],
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues={":pk": {"S": f"MODEL#{HANDLE}"}, ":p": {"S": "SAMPLE#"}},
            Select="COUNT",
        )
    )
    return sum(page["Count"] for page in pages)


def _snapshots(aws: dict[str, str]) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(
        Bucket=aws["ArtifactsBucket"], Prefix=f"datasets/{HANDLE}/"
    )
    return [obj["Key"] for obj in listed.get("Contents", [])]


def _model_item(aws: dict[str, str]) -> dict[str, Any]:
    return boto3.client("dynamodb").get_item(
        TableName=aws["ModelsTable"], Key={"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": "META"}}
    )["Item"]


def _turn_on(api: GatewayClient) -> None:
    reply = api.patch(MODEL, {"zero_data_retention": True})
    assert reply.status == 200, reply.body


def test_after_the_patch_no_sample_is_listed_and_uploads_are_409(
    api: GatewayClient, model: str, aws: dict[str, str]
) -> None:
    _upload(api, 30)
    _turn_on(api)
    # Before any purge has run: nothing listed, nothing a run could load.
    assert _stored_samples(aws) == 30
    assert api.get(SAMPLES).json()["data"] == []
    item = _model_item(aws)
    assert item["sample_count"]["N"] == "0"
    assert item["samples_since_version"]["N"] == "0"
    reply = api.post(SAMPLES, {"samples": [{"text": "x", "scores": {"Clarity": 1}}]})
    assert reply.status == 409, reply.body
    problem = reply.json()
    assert problem["type"].endswith("/zero-data-retention")
    assert "zero-data-retention on" in problem["detail"]


def test_purge_deletes_samples_and_snapshots_in_batches(
    api: GatewayClient, model: str, aws: dict[str, str], poller: StreamPoller
) -> None:
    _upload(api, 120)
    s3 = boto3.client("s3")
    s3.put_object(Bucket=aws["ArtifactsBucket"], Key=f"datasets/{HANDLE}/run_a.json.gz", Body=b"x")
    s3.put_object(Bucket=aws["ArtifactsBucket"], Key=f"artifacts/{HANDLE}/mv_a.npz", Body=b"x")
    poller.drain()  # the uploads' records: not purges
    assert poller.delivered == []
    _turn_on(api)
    rounds = poller.drain()
    assert _stored_samples(aws) == 0
    assert _snapshots(aws) == []
    # Versions' artifacts are not samples: they stay.
    assert s3.list_objects_v2(Bucket=aws["ArtifactsBucket"], Prefix="artifacts/")["KeyCount"] == 1
    assert "purge_pending" not in _model_item(aws)
    assert rounds >= 2
    assert not poller.failures


def test_a_purge_whose_stream_record_was_lost_is_finished_by_the_sweep(
    api: GatewayClient, model: str, aws: dict[str, str]
) -> None:
    """The fast counterpart of the crash below (which runs unmeasured, being slow): the sweep
    finds the pending purge through the sparse index and restarts its chain; a full batch leaves
    the snapshots for a later one."""
    _upload(api, 25)
    s3 = boto3.client("s3")
    s3.put_object(Bucket=aws["ArtifactsBucket"], Key=f"datasets/{HANDLE}/run_a.json.gz", Body=b"x")
    _turn_on(api)  # and its stream record never read: "lost"
    [pending] = list(purge_repo.pending())
    assert pending.handle == HANDLE
    first = purge_service.purge_batch(pending, batch_size=10)
    assert (first.outcome, first.samples_deleted, first.snapshots_deleted) == (
        purge_service.BatchOutcome.CONTINUES,
        10,
        0,
    )
    assert _snapshots(aws)  # a full batch of samples: the snapshots wait for a later batch
    reports = purge_service.sweep(batch_size=10)
    assert [r.samples_deleted for r in reports] == [10]
    while purge_service.sweep(batch_size=10):
        pass
    assert _stored_samples(aws) == 0
    assert _snapshots(aws) == []
    assert "purge_pending" not in _model_item(aws)
    assert list(purge_repo.pending()) == []


@pytest.mark.slow
def test_purge_of_10000_samples_completes(
    api: GatewayClient, model: str, aws: dict[str, str], poller: StreamPoller
) -> None:
    _store_directly(aws, 10_000)
    _turn_on(api)
    started = time.monotonic()
    poller.drain()
    elapsed = time.monotonic() - started
    assert _stored_samples(aws) == 0
    assert "purge_pending" not in _model_item(aws)
    # 20 batches of 500 (one stream record each), plus the one that finds nothing left.
    assert len(poller.delivered) == 21, poller.delivered
    print(f"purged 10,000 samples in {elapsed:.1f}s")


@pytest.mark.slow
def test_a_purge_that_crashed_half_way_is_resumed_by_the_sweep(
    api: GatewayClient,
    model: str,
    aws: dict[str, str],
    poller: StreamPoller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _store_directly(aws, 3_000)
    _turn_on(api)
    real = purge_repo._batch_delete
    calls = {"n": 0}

    def crash_mid_batch(requests: Any) -> None:
        """The first batch (20 BatchWriteItems) works; then every attempt dies after 3 of them."""
        calls["n"] += 1
        if calls["n"] > 20 and (calls["n"] - 20) % 4 == 0:
            raise RuntimeError("crashed half way through a batch")
        real(requests)

    monkeypatch.setattr(purge_repo, "_batch_delete", crash_mid_batch)
    poller.drain()
    assert len(poller.failures) == 1, "every retry crashed: the stream chain is broken"
    left = _stored_samples(aws)
    assert 0 < left < 3_000 - 500
    assert "purge_pending" in _model_item(aws)
    assert api.get(SAMPLES).json()["data"] == []  # hidden all along

    monkeypatch.setattr(purge_repo, "_batch_delete", real)
    from functions.purge_samples.app import handler

    handler({"source": "aws.events"}, lambda_context(PURGE_FUNCTION))  # the scheduled sweep
    poller.drain()
    assert _stored_samples(aws) == 0
    assert "purge_pending" not in _model_item(aws)
    assert purge_service.sweep() == []


def test_turning_it_off_applies_going_forward_only(
    api: GatewayClient, model: str, aws: dict[str, str], poller: StreamPoller
) -> None:
    old = _upload(api, 10)
    _turn_on(api)
    reply = api.patch(MODEL, {"zero_data_retention": False})
    assert reply.status == 200, reply.body
    # Turned off before the purge ran: the old samples stay hidden all the same.
    assert api.get(SAMPLES).json()["data"] == []
    new = _upload(api, 3, start=100)
    listed = [s["sample_id"] for s in api.get(SAMPLES).json()["data"]]
    assert listed == new
    poller.drain()
    # The purge deleted exactly the old ones; the new ones are untouched.
    assert _stored_samples(aws) == 3
    assert not set(old) & set(listed)
    assert _model_item(aws)["sample_count"]["N"] == "3"
    # A purged sample is not found; a new one is deleted as usual.
    assert api.delete(f"{SAMPLES}/{old[0]}").status == 404
    assert api.delete(f"{SAMPLES}/{new[0]}").status == 204
    assert _model_item(aws)["sample_count"]["N"] == "2"


def test_a_sample_hidden_but_not_yet_purged_is_deleted_without_counting_it_twice(
    api: GatewayClient, model: str, aws: dict[str, str]
) -> None:
    old = _upload(api, 2)
    _turn_on(api)
    assert api.delete(f"{SAMPLES}/{old[0]}").status == 204
    assert api.delete(f"{SAMPLES}/{old[0]}").status == 404
    assert _stored_samples(aws) == 1
    assert _model_item(aws)["sample_count"]["N"] == "0"  # reset by the PATCH, not below it
