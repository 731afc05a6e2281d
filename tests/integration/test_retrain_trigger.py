"""The automatic retrain's trigger on moto's real stream records, filtered as AWS filters them.

A record's numbers are JSON strings (``"N": "50"``), which AWS's ``numeric`` filters never match:
the upload that takes ``samples_since_version`` to the threshold marks the model
(``retrain_due``), the template's filter matches that marker, a run's claim takes it away and a
retrain that finds too few samples clears one the count no longer backs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3
import pytest

from local import streams
from local.streams import StreamPoller
from local.synthetic import labelled_samples
from tests.helpers import GatewayClient
from u22a8.data import runs_repo
from u22a8.domain import runs_service

CRITERIA = ["Clarity", "Flow"]
HANDLE = "acme.retrain-trigger"
MODEL = f"/v1/models/{HANDLE}"
THRESHOLD = 50  # the template's RetrainThreshold default


class RetrainTap:
    """What the template's retrain mapping would hand RetrainFunction, read by ``poll``."""

    def __init__(self, aws: dict[str, str]) -> None:
        self.records: list[Mapping[str, Any]] = []
        self.poller = StreamPoller(aws, self._deliver, streams.sources())

    def _deliver(self, function: str, event: Mapping[str, Any]) -> None:
        if function == "RetrainFunction":
            self.records.extend(event["Records"])

    def poll(self) -> list[Mapping[str, Any]]:
        """The records delivered since the last poll."""
        before = len(self.records)
        self.poller.poll()
        return self.records[before:]


@pytest.fixture
def tap(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> RetrainTap:
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")  # moto's streams endpoint
    return RetrainTap(aws)


def _model_item(aws: dict[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = boto3.client("dynamodb").get_item(
        TableName=aws["ModelsTable"],
        Key={"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": "META"}},
        ConsistentRead=True,
    )["Item"]
    return item


def _set(aws: dict[str, str], **values: dict[str, Any]) -> None:
    """Arrange the model item directly (a published version, a count, a marker)."""
    names = {f"#{key}": key for key in values}
    boto3.client("dynamodb").update_item(
        TableName=aws["ModelsTable"],
        Key={"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": "META"}},
        UpdateExpression="SET " + ", ".join(f"#{key} = :{key}" for key in values),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={f":{key}": value for key, value in values.items()},
    )


def _add(api: GatewayClient, count: int, seed: int) -> None:
    reply = api.post(f"{MODEL}/samples", {"samples": labelled_samples(count, CRITERIA, seed=seed)})
    assert reply.status == 201, reply.body


def _ready_model(api: GatewayClient, aws: dict[str, str]) -> None:
    assert api.post("/v1/models", {"handle": HANDLE, "criteria": CRITERIA}).status == 201
    _set(aws, state={"S": "ready"}, active_version={"N": "1"})


def test_the_upload_that_reaches_the_threshold_is_the_record_that_calls_for_a_retrain(
    api: GatewayClient, aws: dict[str, str], tap: RetrainTap
) -> None:
    _ready_model(api, aws)
    _add(api, THRESHOLD - 1, seed=1)
    assert tap.poll() == []
    assert "retrain_due" not in _model_item(aws)

    _add(api, 1, seed=2)
    (record,) = tap.poll()
    image = record["dynamodb"]["NewImage"]
    assert image["samples_since_version"] == {"N": str(THRESHOLD)}  # a string: no numeric match
    assert image["retrain_due"] == {"BOOL": True}
    assert record["dynamodb"]["OldImage"]["samples_since_version"] == {"N": str(THRESHOLD - 1)}


def test_an_upload_larger_than_the_threshold_marks_the_model_in_its_one_write(
    api: GatewayClient, aws: dict[str, str], tap: RetrainTap
) -> None:
    _ready_model(api, aws)
    _add(api, THRESHOLD + 10, seed=3)
    (record,) = tap.poll()
    assert record["dynamodb"]["NewImage"]["retrain_due"] == {"BOOL": True}


def test_a_claim_takes_the_marker_and_a_stale_one_is_cleared(
    api: GatewayClient, aws: dict[str, str]
) -> None:
    _ready_model(api, aws)
    _add(api, THRESHOLD, seed=4)
    assert _model_item(aws)["retrain_due"] == {"BOOL": True}
    assert runs_service.start_retrain(HANDLE) is not None
    item = _model_item(aws)
    assert item["state"] == {"S": "busy"}
    assert "retrain_due" not in item

    # A publish took back what its snapshot covered, leaving a marker the count no longer backs.
    _set(aws, state={"S": "ready"}, samples_since_version={"N": "5"}, retrain_due={"BOOL": True})
    assert runs_service.start_retrain(HANDLE) is None
    assert "retrain_due" not in _model_item(aws)


def test_a_marker_the_count_backs_is_never_cleared(api: GatewayClient, aws: dict[str, str]) -> None:
    """The clear is conditioned on the count, so an upload that reached the threshold between a
    refused claim and the clear keeps its marker."""
    _ready_model(api, aws)
    _add(api, THRESHOLD + 5, seed=5)
    assert runs_repo.clear_retrain_due(HANDLE, THRESHOLD) is False
    assert _model_item(aws)["retrain_due"] == {"BOOL": True}
    _set(aws, samples_since_version={"N": str(THRESHOLD - 1)})
    assert runs_repo.clear_retrain_due(HANDLE, THRESHOLD) is True
    assert runs_repo.clear_retrain_due(HANDLE, THRESHOLD) is False  # nothing left to clear
