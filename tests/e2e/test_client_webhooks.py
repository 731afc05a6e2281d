"""The client's and the CLI's webhook commands against the real webhook service of the local stack:
create (the secret once), list, get, patch, ping (a signed ``webhook.ping`` reaches a receiver on
127.0.0.1 and shows in ``deliveries``), rotate-secret (both secrets verify), delete, and the typed
problems of a refused URL and a deleted endpoint."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.e2e.conftest import LocalStack
from tests.webhook_receiver import Receiver, receiving
from u22a8.client import Client, NotFound, ValidationFailed

pytestmark = pytest.mark.e2e

DELIVERY_DEADLINE_S = 60.0
POLL_INTERVAL_S = 0.2


def signed_ping(client: Client, receiver: Receiver, webhook_id: str, secret: str) -> dict[str, Any]:
    """Ping ``webhook_id``: the one ``webhook.ping`` the receiver gets, verified with ``secret``."""
    client.webhooks.ping(webhook_id)
    (ping,) = receiver.wait_for(1, timeout=DELIVERY_DEADLINE_S)
    event: dict[str, Any] = Webhook(secret).verify(ping.body, ping.headers)
    assert event["type"] == "webhook.ping"
    return event


@pytest.fixture
def own_namespace(stack: LocalStack) -> Iterator[tuple[Client, str]]:
    """A client with a key of a namespace of its own (no other test's events reach it)."""
    _, key = stack.issue_key(f"clienthooks-{uuid.uuid4().hex[:8]}")
    with Client(stack.url, key) as client:
        yield client, key


def test_the_client_manages_an_endpoint_and_its_ping_arrives_signed(
    own_namespace: tuple[Client, str],
) -> None:
    client, _ = own_namespace
    with receiving() as receiver:
        created = client.webhooks.create(receiver.url, ["run.succeeded"], description="ci")
        assert created["secret"].startswith("whsec_")
        webhook_id = created["id"]
        assert client.webhooks.get(webhook_id)["url"] == receiver.url
        assert "secret" not in client.webhooks.get(webhook_id)
        assert [w["id"] for w in client.webhooks.list(limit=1)] == [webhook_id]

        patched = client.webhooks.patch(webhook_id, {"events": ["*"], "description": None})
        assert patched["events"] == ["*"]
        assert patched["description"] is None

        signed_ping(client, receiver, webhook_id, created["secret"])

        deadline = time.monotonic() + DELIVERY_DEADLINE_S
        while not (attempts := list(client.webhooks.deliveries(webhook_id))):
            assert time.monotonic() < deadline
            time.sleep(POLL_INTERVAL_S)
        assert attempts[0]["type"] == "webhook.ping"
        assert attempts[0]["status_code"] == 200

        rotated = client.webhooks.rotate_secret(webhook_id)
        assert rotated["secret"] != created["secret"]
        client.webhooks.ping(webhook_id)
        second = receiver.wait_for(2, timeout=DELIVERY_DEADLINE_S)[1]
        for secret in (created["secret"], rotated["secret"]):  # the old one signs for 24 h
            assert Webhook(secret).verify(second.body, second.headers)["type"] == "webhook.ping"

        client.webhooks.delete(webhook_id)
        with pytest.raises(NotFound) as gone:
            client.webhooks.get(webhook_id)
        assert gone.value.status == 404


def test_a_refused_url_is_a_typed_validation_problem(own_namespace: tuple[Client, str]) -> None:
    client, _ = own_namespace
    with pytest.raises(ValidationFailed) as refused:
        client.webhooks.create("https://169.254.169.254/latest", ["*"])
    assert refused.value.status == 422
    assert refused.value.errors


def test_the_cli_creates_lists_and_deletes_an_endpoint(
    stack: LocalStack, own_namespace: tuple[Client, str]
) -> None:
    _, key = own_namespace
    with receiving() as receiver:
        created = stack.api_cli(
            "webhooks",
            "create",
            "--url",
            receiver.url,
            "--events",
            "*",
            "--json",
            key=key,
            timeout=120,
        )
        assert created.returncode == 0, created.stderr
        webhook = json.loads(created.stdout)
        assert webhook["secret"].startswith("whsec_")
        listed = stack.api_cli("webhooks", "list", "--json", key=key, timeout=120)
        assert listed.returncode == 0, listed.stderr
        assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [webhook["id"]]
        deleted = stack.api_cli("webhooks", "delete", webhook["id"], key=key, timeout=120)
        assert deleted.returncode == 0, deleted.stderr
        missing = stack.api_cli("webhooks", "get", webhook["id"], key=key, timeout=120)
        assert missing.returncode == 1
        assert "404" in missing.stderr or "not found" in missing.stderr.lower()
