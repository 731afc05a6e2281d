"""Webhooks on the local stack over real HTTP: a receiver on 127.0.0.1 registers, a model is
trained through the API, and the signed ``run.succeeded`` arrives, verified with the Standard
Webhooks library; the receiver's first answer is a 500, so it arrives twice, with one id."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from local.synthetic import labelled_samples
from tests.e2e.conftest import Api, LocalStack
from tests.webhook_receiver import receiving

pytestmark = pytest.mark.e2e

DELIVERY_DEADLINE_S = 120.0  # the run takes seconds, the first retry waits 5 s in SQS
POLL_INTERVAL_S = 0.2


def _fresh_namespace(stack: LocalStack, api: Api) -> tuple[str, Api]:
    """A namespace of its own and a key of it, so other tests' runs send this receiver nothing."""
    namespace = f"hooks-{uuid.uuid4().hex[:10]}"
    _, key = stack.issue_key(namespace)
    return namespace, api.with_key(key)


def _attempts(api: Api, webhook_id: str, count: int) -> list[dict[str, Any]]:
    """The endpoint's delivery attempts once there are ``count`` of them (each is recorded right
    after its POST)."""
    deadline = time.monotonic() + DELIVERY_DEADLINE_S
    while True:
        response = api.get(f"/v1/webhooks/{webhook_id}/deliveries")
        assert response.status_code == 200, response.text
        attempts: list[dict[str, Any]] = response.json()["data"]
        if len(attempts) >= count:
            return attempts
        assert time.monotonic() < deadline, attempts
        time.sleep(POLL_INTERVAL_S)


def test_a_trained_model_sends_a_signed_run_succeeded_retried_after_a_500(
    api: Api, stack: LocalStack
) -> None:
    namespace, tenant = _fresh_namespace(stack, api)
    assert tenant.get("/v1/webhooks").json() == {"data": [], "next_cursor": None}
    with receiving([500]) as receiver:
        created = tenant.post(
            "/v1/webhooks",
            {"url": receiver.url, "events": ["run.succeeded"], "description": "e2e"},
        )
        assert created.status_code == 201, created.text
        endpoint = created.json()
        model = tenant.create_model(namespace)
        added = tenant.post(
            f"/v1/models/{model['handle']}/samples",
            {"samples": labelled_samples(48, ["Clarity", "Flow"], seed=7)},
        )
        assert added.status_code == 201, added.text
        started = tenant.post(f"/v1/models/{model['handle']}/train", {"effort": "low"})
        assert started.status_code == 202, started.text
        run_id = started.json()["run_id"]

        first, second = receiver.wait_for(2, timeout=DELIVERY_DEADLINE_S)

    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    verifier = Webhook(endpoint["secret"])
    payload = verifier.verify(second.body, second.headers)
    assert verifier.verify(first.body, first.headers) == payload
    assert payload["type"] == "run.succeeded"
    assert payload["data"] == {
        "handle": model["handle"],
        "run_id": run_id,
        "status": "succeeded",
        "version": 1,
    }
    rotated = tenant.post(f"/v1/webhooks/{endpoint['id']}/rotate-secret").json()["secret"]
    with pytest.raises(WebhookVerificationError):  # signed before the rotation: old secret only
        Webhook(rotated).verify(second.body, second.headers)

    latest, earlier = _attempts(tenant, endpoint["id"], 2)[:2]
    assert (earlier["attempt"], earlier["status_code"]) == (1, 500)
    assert (latest["attempt"], latest["status_code"], latest["error"]) == (2, 200, None)
    assert latest["event_id"] == earlier["event_id"] == first.headers["webhook-id"]
