"""Which bus events become which webhook events, and that a body carries only whitelisted ids,
states, versions and error codes, whatever else a detail holds."""

from __future__ import annotations

from typing import Any

import pytest

from u22a8.api.webhook_mapping import events_of
from u22a8.domain.webhook_delivery import body_of, event_from_bus, new_event_id
from u22a8.entities.errors import InvalidInput
from u22a8.entities.webhook import Webhook


def _bus(detail_type: str, **detail: Any) -> dict[str, Any]:
    return {
        "id": "bus-1",
        "time": "2026-05-19T12:03:10Z",
        "source": "u22a8.models",
        "detail-type": detail_type,
        "detail": detail,
    }


@pytest.mark.parametrize("status", ["succeeded", "failed", "cancelled"])
def test_run_finished_becomes_run_status(status: str) -> None:
    parsed = event_from_bus(
        _bus(
            "Run Finished",
            handle="acme.tone",
            run_id="run_1",
            status=status,
            error_code="not-enough-samples" if status == "failed" else None,
            message="a customer's words must never travel",
        )
    )
    assert parsed is not None
    namespace, event = parsed
    assert namespace == "acme"
    assert event.type == f"run.{status}"
    assert event.timestamp == "2026-05-19T12:03:10Z"
    expected = {"handle": "acme.tone", "run_id": "run_1", "status": status}
    if status == "failed":
        expected["error_code"] = "not-enough-samples"
    assert event.data == expected
    assert event.event_id == new_event_id("bus-1")  # a second fan-out queues the same id


def test_a_state_change_becomes_model_state_changed_with_only_its_fields() -> None:
    parsed = event_from_bus(
        _bus(
            "Model State Changed",
            handle="acme.tone",
            from_state="busy",
            to_state="ready",
            version=2,
            text="sample text",
        )
    )
    assert parsed is not None
    _, event = parsed
    assert event.type == "model.state_changed"
    assert event.data == {
        "handle": "acme.tone",
        "from_state": "busy",
        "to_state": "ready",
        "version": 2,
    }
    body = body_of({"type": event.type, "timestamp": event.timestamp, "data": event.data})
    assert body.startswith(b'{"type":"model.state_changed","timestamp":')
    assert b"sample text" not in body


@pytest.mark.parametrize(
    "bus_event",
    [
        _bus("Run Finished", handle="acme.tone", run_id="run_1", status="running"),
        _bus("Something Else", handle="acme.tone"),
        _bus("Run Finished", run_id="run_1", status="succeeded"),
        {"detail-type": "Run Finished", "detail": "not an object"},
    ],
)
def test_other_events_are_not_webhook_events(bus_event: dict[str, Any]) -> None:
    assert event_from_bus(bus_event) is None


def test_subscriptions_wildcards_and_pings() -> None:
    endpoint = Webhook("wh_1", "acme", "https://x.example", ("run.failed",), None, True, "", "")
    assert endpoint.subscribed("run.failed")
    assert not endpoint.subscribed("run.succeeded")
    assert endpoint.subscribed("webhook.ping")
    everything = Webhook("wh_2", "acme", "https://x.example", ("*",), None, True, "", "")
    assert everything.subscribed("model.state_changed")
    assert events_of(["run.failed", "run.failed"]) == ("run.failed",)
    with pytest.raises(InvalidInput, match=r"\*"):
        events_of(["*", "run.failed"])
    assert new_event_id() != new_event_id()
