"""Webhooks with SAM CLI's gateway: an endpoint on a receiver of this machine is registered and
pinged through Lambda containers (``http://127.0.0.1`` is allowed there, as on the local stack),
and the signed ``webhook.ping`` leaves from the stack's process, where the receiver listens.
Every webhook route is tested on the local stack (``tests/e2e/test_client_webhooks.py``); here
only these two, as each route costs SAM CLI a container."""

from __future__ import annotations

from standardwebhooks.webhooks import Webhook

from tests.e2e.test_client_webhooks import DELIVERY_DEADLINE_S, own_namespace
from tests.webhook_receiver import receiving
from u22a8.client import Client

__all__ = ["own_namespace"]


def test_an_endpoint_registered_through_sam_gets_its_signed_ping(
    own_namespace: tuple[Client, str],
) -> None:
    client, _ = own_namespace
    with receiving() as receiver:
        created = client.webhooks.create(receiver.url, ["*"], description="sam local")
        client.webhooks.ping(created["id"])
        (ping,) = receiver.wait_for(1, timeout=DELIVERY_DEADLINE_S)
    event = Webhook(created["secret"]).verify(ping.body, ping.headers)
    assert event["type"] == "webhook.ping"
    assert event["data"] == {"webhook_id": created["id"]}
