"""Model and run events on the stack's EventBridge bus, as a subscriber sees them: a rule on the
bus with an SQS target (moto delivers to it as EventBridge would)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.synthetic import labelled_samples
from tests.helpers import GatewayClient
from tests.integration.run_helpers import PATH, TRAIN, create, started
from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.data import events as data_events
from u22a8.domain import runs_service
from u22a8.domain.training_run import fitting, outcome
from u22a8.domain.training_run.errors import RunSuperseded
from u22a8.entities.model import OperationError
from u22a8.observability import metrics
from u22a8.training import plan_candidates

HANDLE = "acme.m"
CRITERIA = ["Clarity"]
TOO_FEW = OperationError("too-few-samples", "Add at least 10 labelled samples, then train again.")
MODEL_KEYS = {"handle", "from_state", "to_state", "run_id", "version"}
RUN_KEYS = {"handle", "run_id", "status", "version", "error_code"}


@pytest.fixture
def subscriber(aws: dict[str, str]) -> Any:
    """An SQS queue every u22a8 event on the bus is delivered to; returns the queue's URL."""
    sqs: Any = boto3.client("sqs")
    events = boto3.client("events")
    url = sqs.create_queue(QueueName="model-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = get_settings().event_bus_name
    assert bus
    events.put_rule(
        Name="all-model-events", EventBusName=bus, EventPattern='{"source": ["u22a8.models"]}'
    )
    events.put_targets(
        Rule="all-model-events", EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}]
    )
    return url


def received(url: str) -> list[dict[str, Any]]:
    """Every event delivered so far, in order, as (detail-type, detail) dicts."""
    sqs: Any = boto3.client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return out
        for message in messages:
            event = json.loads(message["Body"])
            assert event["source"] == "u22a8.models"
            out.append({"type": event["detail-type"], **event["detail"]})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _only_known_fields(events: list[dict[str, Any]]) -> None:
    for event in events:
        allowed = MODEL_KEYS if event["type"] == "Model State Changed" else RUN_KEYS
        assert set(event) - {"type"} <= allowed, event


def test_a_successful_run_reports_busy_then_finished_and_ready(
    api: GatewayClient, subscriber: str
) -> None:
    create(api, HANDLE)
    samples = labelled_samples(30, CRITERIA, seed=3)
    assert api.post(f"{PATH}/samples", {"samples": samples}).status == 201
    run_id = started(api.post(TRAIN, {"effort": "low"}))

    loaded = fitting.load_samples({"handle": HANDLE, "run_id": run_id})
    cache = fitting.ContainerCache()
    params = plan_candidates("low")[0]
    common = {"handle": HANDLE, "run_id": run_id, "dataset_key": loaded["dataset_key"]}
    result = fitting.evaluate_candidate(
        {**common, "total": 1, "candidate": {"index": 0, "params": params.to_dict()}}, cache
    )
    fitted = fitting.fit_best({**common, "results": [result]}, cache)
    published = outcome.publish_version(
        {**common, "samples_seen": loaded["samples_seen"], "fitted": fitted}
    )
    assert published["version"] == 1

    events = received(subscriber)
    assert events == [
        {
            "type": "Model State Changed",
            "handle": HANDLE,
            "from_state": "draft",
            "to_state": "busy",
            "run_id": run_id,
        },
        {
            "type": "Run Finished",
            "handle": HANDLE,
            "run_id": run_id,
            "status": "succeeded",
            "version": 1,
        },
        {
            "type": "Model State Changed",
            "handle": HANDLE,
            "from_state": "busy",
            "to_state": "ready",
            "run_id": run_id,
            "version": 1,
        },
    ]
    # Never sample text: not one sample's words appear in what subscribers receive.
    delivered = json.dumps(events)
    for sample in samples:
        assert sample["text"] not in delivered
    _only_known_fields(events)


def test_a_failed_run_reports_its_error_code_and_the_failed_model(
    api: GatewayClient, subscriber: str
) -> None:
    create(api, HANDLE)
    run_id = started(api.post(TRAIN, {}))
    assert runs_service.finish_run(HANDLE, run_id, "failed", TOO_FEW)
    assert runs_service.finish_run(HANDLE, run_id, "failed", TOO_FEW) is False  # no 2nd event

    events = received(subscriber)  # no busy event: the run's first step never ran
    assert events == [
        {
            "type": "Run Finished",
            "handle": HANDLE,
            "run_id": run_id,
            "status": "failed",
            "error_code": "too-few-samples",
        },
        {
            "type": "Model State Changed",
            "handle": HANDLE,
            "from_state": "busy",
            "to_state": "failed",
            "run_id": run_id,
        },
    ]
    assert TOO_FEW.message not in json.dumps(events)  # codes only: a message may quote input
    _only_known_fields(events)


def test_a_cancelled_run_returns_the_model_to_its_state_before(
    api: GatewayClient, subscriber: str
) -> None:
    create(api, HANDLE)
    run_id = started(api.post(TRAIN, {}))
    assert api.post(f"{PATH}/runs/{run_id}/cancel").status == 200

    assert received(subscriber) == [
        {"type": "Run Finished", "handle": HANDLE, "run_id": run_id, "status": "cancelled"},
        {
            "type": "Model State Changed",
            "handle": HANDLE,
            "from_state": "busy",
            "to_state": "draft",
            "run_id": run_id,
        },
    ]


def test_archiving_a_busy_model_cancels_its_run_then_archives(
    api: GatewayClient, subscriber: str
) -> None:
    create(api, HANDLE)
    run_id = started(api.post(TRAIN, {}))
    assert api.delete(PATH).status == 200
    assert api.delete(PATH).status == 200  # archiving again changes nothing: no event

    events = received(subscriber)
    assert [(e["type"], e.get("status"), e.get("to_state")) for e in events] == [
        ("Run Finished", "cancelled", None),
        ("Model State Changed", None, "draft"),
        ("Model State Changed", None, "archived"),
    ]
    assert events[-1] == {
        "type": "Model State Changed",
        "handle": HANDLE,
        "from_state": "draft",  # where the cancel returned it; kept by the archive's one write
        "to_state": "archived",
    }
    assert events[0]["run_id"] == run_id
    _only_known_fields(events)


def test_busy_is_announced_by_the_runs_first_step_not_by_the_request(
    api: GatewayClient, subscriber: str
) -> None:
    create(api, HANDLE)
    assert api.post(f"{PATH}/samples", {"samples": labelled_samples(30, CRITERIA)}).status == 201
    run_id = started(api.post(TRAIN, {}))
    assert received(subscriber) == []  # the request itself publishes nothing

    fitting.load_samples({"handle": HANDLE, "run_id": run_id, "kind": "train"})
    assert received(subscriber) == [
        {
            "type": "Model State Changed",
            "handle": HANDLE,
            "from_state": "draft",  # what the claim left, as the model item keeps it
            "to_state": "busy",
            "run_id": run_id,
        }
    ]


def test_busy_says_which_state_the_model_left(api: GatewayClient, subscriber: str) -> None:
    create(api, HANDLE)
    assert api.post(f"{PATH}/samples", {"samples": labelled_samples(30, CRITERIA)}).status == 201
    failed = started(api.post(TRAIN, {}))
    assert runs_service.finish_run(HANDLE, failed, "failed", TOO_FEW)
    assert api.get(PATH).json()["state"] == "failed"
    received(subscriber)  # the failed run's events

    run_id = started(api.post(TRAIN, {}))
    fitting.load_samples({"handle": HANDLE, "run_id": run_id, "kind": "train"})
    assert [(e["from_state"], e["to_state"]) for e in received(subscriber)] == [("failed", "busy")]


def test_a_run_cancelled_before_its_first_step_announces_no_busy(
    api: GatewayClient, subscriber: str
) -> None:
    create(api, HANDLE)
    assert api.post(f"{PATH}/samples", {"samples": labelled_samples(30, CRITERIA)}).status == 201
    run_id = started(api.post(TRAIN, {}))
    assert api.post(f"{PATH}/runs/{run_id}/cancel").status == 200
    with pytest.raises(RunSuperseded):
        fitting.load_samples({"handle": HANDLE, "run_id": run_id, "kind": "train"})
    assert [e["to_state"] for e in received(subscriber) if "to_state" in e] == ["draft"]


def test_an_event_that_cannot_be_published_never_fails_the_request(
    api: GatewayClient, subscriber: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENT_BUS_NAME", "no-such-bus")
    get_settings.cache_clear()
    create(api, HANDLE)
    run_id = started(api.post(TRAIN, {}))
    assert api.get(f"{PATH}/runs/{run_id}").json()["status"] == "running"
    assert received(subscriber) == []


class _Refusing:
    """An EventBridge client that refuses the entry, or fails the call."""

    def __init__(self, fail_call: bool) -> None:
        self.fail_call = fail_call

    def put_events(self, **_: Any) -> dict[str, Any]:
        if self.fail_call:
            raise ClientError({"Error": {"Code": "InternalException"}}, "PutEvents")
        return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}]}


@pytest.mark.parametrize("fail_call", [True, False])
def test_a_refused_event_is_logged_and_counted_not_raised(
    monkeypatch: pytest.MonkeyPatch, fail_call: bool
) -> None:
    monkeypatch.setenv("EVENT_BUS_NAME", "bus")
    get_settings.cache_clear()
    refusing = SimpleNamespace(events=lambda: _Refusing(fail_call))
    monkeypatch.setattr(data_events, "clients", refusing)
    counted: list[str] = []
    monkeypatch.setattr(metrics, "add_metric", lambda name, **_: counted.append(name))
    assert data_events.put("Run Finished", {"handle": HANDLE}) is False
    assert counted == ["EventsNotPublished"]


def test_nothing_is_published_without_a_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENT_BUS_NAME", raising=False)
    get_settings.cache_clear()
    assert data_events.put("Run Finished", {"handle": HANDLE}) is False


def test_a_runs_end_and_its_models_new_state_go_in_one_call(
    api: GatewayClient, subscriber: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(api, HANDLE)
    run_id = started(api.post(TRAIN, {}))
    client = clients.events()
    batches: list[list[str]] = []
    real_put_events = client.put_events

    def counting_put_events(**kwargs: Any) -> Any:
        batches.append([entry["DetailType"] for entry in kwargs["Entries"]])
        return real_put_events(**kwargs)

    monkeypatch.setattr(client, "put_events", counting_put_events)
    assert api.post(f"{PATH}/runs/{run_id}/cancel").status == 200
    assert batches == [["Run Finished", "Model State Changed"]]
    assert [e["type"] for e in received(subscriber)] == ["Run Finished", "Model State Changed"]


def test_archiving_says_which_state_the_model_left(api: GatewayClient, subscriber: str) -> None:
    create(api, HANDLE)
    failed = started(api.post(TRAIN, {}))
    assert runs_service.finish_run(HANDLE, failed, "failed", TOO_FEW)
    received(subscriber)  # the failed run's events
    assert api.delete(PATH).status == 200  # one write (test_dynamodb_calls) that keeps it
    assert [(e["from_state"], e["to_state"]) for e in received(subscriber)] == [
        ("failed", "archived")
    ]
