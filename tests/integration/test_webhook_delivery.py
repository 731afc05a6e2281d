"""Webhook delivery on moto: model events -> bus rule -> fan-out queue -> one message per
(event, endpoint) -> signed POSTs to a real receiver on 127.0.0.1, retries with backoff, the DLQ,
the deliveries listing, and disabling an endpoint that failed for 3 days.

The handlers run as the template wires them (``local.queues`` plays the SQS event source
mappings). Time is the injected clock (``u22a8.domain.clock.current_time``); SQS cannot read it,
so each SQS delay passes on that clock instead of the wall clock: the hop's ``DelaySeconds`` (at
most 15 minutes, as SQS allows) moves the clock and the message is visible at once.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from standardwebhooks.webhooks import Webhook

from local import queues, streams, template
from local.gateway import FunctionPool
from tests.helpers import GatewayClient
from tests.webhook_receiver import Receiver, receiving
from u22a8.config import get_settings
from u22a8.domain import clock, events, webhook_backoff, webhook_urls
from u22a8.entities.model import ModelState

RUN_ID = "run_019a2b3c4d5ea1b2c3d4"


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def local_http(webhooks: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_ALLOW_LOCAL_HTTP", "1")
    get_settings.cache_clear()


@pytest.fixture
def poller(aws: dict[str, str], local_http: None) -> queues.QueuePoller:
    return queues.QueuePoller(aws, streams.direct_deliverer())


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moving = Clock(datetime.now(UTC))
    real_delay = webhook_backoff.sqs_delay_s

    def sqs_delay(due_in_s: float) -> int:
        moving.advance(real_delay(due_in_s))
        return 0

    monkeypatch.setattr(clock, "current_time", moving)
    monkeypatch.setattr(webhook_backoff, "sqs_delay_s", sqs_delay)
    return moving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def _register(api: GatewayClient, url: str, event_types: Sequence[str]) -> dict[str, Any]:
    reply = api.post("/v1/webhooks", {"url": url, "events": list(event_types)})
    assert reply.status == 201, reply.body
    return dict(reply.json())


def _queued(names: dict[str, str], queue: str) -> list[dict[str, Any]]:
    response = boto3.client("sqs").receive_message(
        QueueUrl=names[queue], MaxNumberOfMessages=10, VisibilityTimeout=0
    )
    return [json.loads(m["Body"]) for m in response.get("Messages", [])]


def _deliveries(api: GatewayClient, webhook_id: str, query: str = "") -> dict[str, Any]:
    reply = api.get(f"/v1/webhooks/{webhook_id}/deliveries{query}")
    assert reply.status == 200, reply.body
    return dict(reply.json())


def test_a_run_event_reaches_exactly_the_subscribed_endpoints_signed(
    api: GatewayClient,
    other_key: str,
    poller: queues.QueuePoller,
    receiver: Receiver,
) -> None:
    succeeded = _register(api, f"{receiver.url}/succeeded", ["run.succeeded"])
    everything = _register(api, f"{receiver.url}/all", ["*"])
    _register(api, f"{receiver.url}/failed", ["run.failed"])
    disabled = _register(api, f"{receiver.url}/disabled", ["*"])
    assert api.patch(f"/v1/webhooks/{disabled['id']}", {"enabled": False}).status == 200
    _register(api.with_key(other_key), f"{receiver.url}/globex", ["*"])

    events.run_finished(
        "acme.support-tone", RUN_ID, "succeeded", version=3, model_to_state=ModelState.READY
    )
    poller.drain()

    got = receiver.wait_for(3)
    assert len(receiver.received) == 3
    by_path: dict[str, list[Any]] = {}
    for request in got:
        secret = succeeded["secret"] if request.path.endswith("/succeeded") else None
        secret = secret or everything["secret"]
        payload = Webhook(secret).verify(request.body, request.headers)
        by_path.setdefault(request.path, []).append(payload)
        assert request.headers["webhook-id"].startswith("evt_")
        assert request.headers["Content-Type"] == "application/json"
    timestamps = [p.pop("timestamp") for payloads in by_path.values() for p in payloads]
    assert all(t.endswith("Z") and t[:4].isdigit() for t in timestamps)  # the events' times
    run_event = {
        "type": "run.succeeded",
        "data": {
            "handle": "acme.support-tone",
            "run_id": RUN_ID,
            "status": "succeeded",
            "version": 3,
        },
    }
    assert by_path["/hooks/succeeded"] == [run_event]
    assert sorted(by_path["/hooks/all"], key=lambda p: str(p["type"])) == [
        {
            "type": "model.state_changed",
            "data": {
                "handle": "acme.support-tone",
                "from_state": "busy",
                "to_state": "ready",
                "run_id": RUN_ID,
                "version": 3,
            },
        },
        run_event,
    ]
    (attempt,) = _deliveries(api, succeeded["id"])["data"]
    assert attempt["type"] == "run.succeeded"
    assert (attempt["attempt"], attempt["status_code"], attempt["error"]) == (1, 200, None)
    assert _deliveries(api, disabled["id"]) == {"data": [], "next_cursor": None}


def test_a_failing_receiver_is_retried_with_backoff_for_a_day_then_dead_lettered(
    api: GatewayClient,
    aws: dict[str, str],
    poller: queues.QueuePoller,
    receiver: Receiver,
    fake_clock: Clock,
) -> None:
    receiver.statuses = [500] * webhook_backoff.MAX_ATTEMPTS
    endpoint = _register(api, receiver.url, ["run.failed"])
    started = fake_clock.now
    events.run_finished("acme.support-tone", RUN_ID, "failed", error_code="not-enough-samples")
    poller.drain()

    got = receiver.wait_for(webhook_backoff.MAX_ATTEMPTS)
    assert len(receiver.received) == webhook_backoff.MAX_ATTEMPTS
    assert len({r.headers["webhook-id"] for r in got}) == 1  # the same id on every retry
    assert len({r.body for r in got}) == 1
    stamps = [int(r.headers["webhook-timestamp"]) for r in got]
    gaps = [after - before for before, after in itertools.pairwise(stamps)]
    for gap, delay in zip(gaps, webhook_backoff.schedule(), strict=True):
        assert abs(gap - delay) <= 1, (gaps, webhook_backoff.schedule())
    assert timedelta(hours=20) < fake_clock.now - started < timedelta(hours=28)

    (dead,) = _queued(aws, "WebhookDeliveriesDeadLetterQueue")
    assert dead["event_id"] == got[0].headers["webhook-id"]
    assert dead["attempt"] == webhook_backoff.MAX_ATTEMPTS
    assert _queued(aws, "WebhookDeliveriesQueue") == []

    first = _deliveries(api, endpoint["id"], "?limit=6")
    rest = _deliveries(api, endpoint["id"], f"?limit=6&cursor={first['next_cursor']}")
    attempts = first["data"] + rest["data"]
    assert rest["next_cursor"] is None
    assert [a["attempt"] for a in attempts] == list(range(webhook_backoff.MAX_ATTEMPTS, 0, -1))
    assert {(a["status_code"], a["error"]) for a in attempts} == {
        (500, "the receiver answered 500")
    }
    assert api.get(f"/v1/webhooks/{endpoint['id']}").json()["enabled"] is True


def test_an_endpoint_failing_every_attempt_for_three_days_is_disabled_until_re_enabled(
    api: GatewayClient,
    aws: dict[str, str],
    poller: queues.QueuePoller,
    receiver: Receiver,
    fake_clock: Clock,
) -> None:
    receiver.statuses = [503] * 100
    endpoint = _register(api, receiver.url, ["*"])
    path = f"/v1/webhooks/{endpoint['id']}"
    started = fake_clock.now
    events.run_finished("acme.support-tone", RUN_ID, "cancelled")
    poller.drain()  # about a day of failures, then the DLQ
    fake_clock.advance(timedelta(days=2).total_seconds())
    assert api.post(f"{path}/ping").status == 202
    poller.drain()  # fails until three days have passed since the first failure

    after = api.get(path).json()
    assert after["enabled"] is False
    assert "3 days" in after["disabled_reason"]
    attempts = _deliveries(api, endpoint["id"], "?limit=100")["data"]
    last = datetime.fromisoformat(attempts[0]["at"].replace("Z", "+00:00"))
    assert timedelta(days=3) <= last - started < timedelta(days=3, hours=11)
    assert attempts[0]["type"] == "webhook.ping"
    assert attempts[0]["attempt"] < webhook_backoff.MAX_ATTEMPTS  # stopped early: disabled
    count = len(receiver.received)

    events.run_finished("acme.support-tone", RUN_ID, "cancelled")
    poller.drain()
    assert len(receiver.received) == count  # a disabled endpoint gets no events

    receiver.statuses = []
    enabled = api.patch(path, {"enabled": True}).json()
    assert (enabled["enabled"], enabled["disabled_reason"]) == (True, None)
    events.run_finished("acme.support-tone", RUN_ID, "cancelled")
    poller.drain()
    assert len(receiver.received) == count + 1
    item = boto3.client("dynamodb").get_item(
        TableName=aws["WebhooksTable"],
        Key={"pk": {"S": "NS#acme"}, "sk": {"S": f"WEBHOOK#{endpoint['id']}"}},
    )["Item"]
    assert "failing_since" not in item


def test_a_success_between_failures_starts_the_three_days_again(
    api: GatewayClient, poller: queues.QueuePoller, receiver: Receiver, fake_clock: Clock
) -> None:
    endpoint = _register(api, receiver.url, ["*"])
    path = f"/v1/webhooks/{endpoint['id']}"
    for statuses in ([500], [], [500]):  # failing, delivered two days later, failing again
        receiver.statuses = list(statuses)
        assert api.post(f"{path}/ping").status == 202
        poller.drain()
        fake_clock.advance(timedelta(days=2).total_seconds())
    receiver.statuses = [500]
    assert api.post(f"{path}/ping").status == 202
    poller.drain()
    assert api.get(path).json()["enabled"] is True


def test_a_deleted_endpoint_gets_no_more_retries(
    api: GatewayClient,
    aws: dict[str, str],
    poller: queues.QueuePoller,
    receiver: Receiver,
    fake_clock: Clock,
) -> None:
    receiver.statuses = [500] * 3
    endpoint = _register(api, receiver.url, ["*"])
    assert api.post(f"/v1/webhooks/{endpoint['id']}/ping").status == 202
    assert poller.poll() == 1  # the first attempt fails; its retry is queued
    assert [m["attempt"] for m in _queued(aws, "WebhookDeliveriesQueue")] == [2]
    assert api.delete(f"/v1/webhooks/{endpoint['id']}").status == 204
    poller.drain()
    assert len(receiver.received) == 1
    assert _queued(aws, "WebhookDeliveriesQueue") == []
    assert _queued(aws, "WebhookDeliveriesDeadLetterQueue") == []


def test_a_host_that_resolves_inside_at_delivery_is_refused_without_a_request(
    api: GatewayClient,
    poller: queues.QueuePoller,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = {"hooks.example.com": ["93.184.215.14"]}
    monkeypatch.setattr(webhook_urls, "system_resolver", lambda host, port: answers[host])
    endpoint = _register(api, "https://hooks.example.com/in", ["*"])
    answers["hooks.example.com"] = ["169.254.169.254"]  # DNS rebinding after the check
    assert api.post(f"/v1/webhooks/{endpoint['id']}/ping").status == 202
    poller.drain()
    (attempt,) = _deliveries(api, endpoint["id"])["data"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("url refused:")
    assert "metadata" in attempt["error"]
    assert receiver.received == []


def test_events_of_a_namespace_without_endpoints_queue_nothing(
    aws: dict[str, str], poller: queues.QueuePoller
) -> None:
    events.run_finished("acme.support-tone", RUN_ID, "succeeded", version=1)
    assert poller.drain() == 1  # the bus event itself, fanned out to nobody
    assert _queued(aws, "WebhookDeliveriesQueue") == []


def test_a_hanging_receiver_never_holds_up_another_namespaces_delivery(
    api: GatewayClient, other_key: str, webhooks: dict[str, str], local_http: None
) -> None:
    """The mapping runs deliveries side by side (Lambda's concurrency; here a worker pool with
    one warm container per invocation), one message per (event, endpoint)."""
    pools = {name: FunctionPool(spec) for name, spec in template.functions().items()}
    poller = queues.QueuePoller(
        webhooks, lambda function, event: pools[function].invoke(dict(event))
    )
    gate = threading.Event()
    with receiving() as hanging, receiving() as healthy:
        hanging.gate = gate
        _register(api, hanging.url, ["*"])
        _register(api.with_key(other_key), healthy.url, ["*"])
        poller.start(interval_s=0.05)
        try:
            events.run_finished("acme.support-tone", RUN_ID, "cancelled")
            hanging.wait_for(1)  # acme's delivery is in flight, and its receiver does not answer
            events.run_finished("globex.other", RUN_ID, "cancelled")
            (request,) = healthy.wait_for(1)
            assert json.loads(request.body)["data"]["handle"] == "globex.other"
            assert len(hanging.received) == 1
        finally:
            gate.set()
            poller.stop()
