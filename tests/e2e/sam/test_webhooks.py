"""Webhooks with SAM CLI's gateway: an endpoint on a receiver of this machine is registered and
pinged through Lambda containers (``http://127.0.0.1`` is allowed there, as on the local stack),
and the signed ``webhook.ping`` leaves from the stack's process, where the receiver listens.
Every webhook route is tested on the local stack (``tests/e2e/test_client_webhooks.py``); here
only these two, as each route costs SAM CLI a container."""

from __future__ import annotations

from tests.e2e.test_client_webhooks import own_namespace, signed_ping
from tests.webhook_receiver import receiving
from u22a8.client import Client

__all__ = ["own_namespace"]


def test_an_endpoint_registered_through_sam_gets_its_signed_ping(
    own_namespace: tuple[Client, str],
) -> None:
    client, _ = own_namespace
    with receiving() as receiver:
        created = client.webhooks.create(receiver.url, ["*"], description="sam local")
        event = signed_ping(client, receiver, created["id"], created["secret"])
    assert event["data"] == {"webhook_id": created["id"]}
