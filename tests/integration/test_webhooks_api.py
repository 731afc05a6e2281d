"""The webhook endpoints' API through the local gateway: create (secret once), list, get, patch,
delete, rotate-secret, ping and deliveries; the URL guard at the edge; tenants kept apart."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from tests.helpers import GatewayClient, Reply, event_hook
from u22a8.data import clients, webhook_secrets

PUBLIC_URL = "https://93.184.215.14/hooks/u22a8"
PROBLEMS = "https://u22a8.ai/problems/"

pytestmark = pytest.mark.usefixtures("webhooks")


def _ok(reply: Reply, status: int) -> Any:
    assert reply.status == status, reply.body
    return reply.json()


def _create(api: GatewayClient, **fields: Any) -> dict[str, Any]:
    body = {"url": PUBLIC_URL, "events": ["run.succeeded"], **fields}
    return dict(_ok(api.post("/v1/webhooks", body), 201))


def _stored_item(names: dict[str, str], namespace: str, webhook_id: str) -> dict[str, Any]:
    response = boto3.client("dynamodb").get_item(
        TableName=names["WebhooksTable"],
        Key={"pk": {"S": f"NS#{namespace}"}, "sk": {"S": f"WEBHOOK#{webhook_id}"}},
    )
    return dict(response.get("Item", {}))


def test_create_shows_the_secret_once_and_stores_only_its_ciphertext(
    api: GatewayClient, aws: dict[str, str]
) -> None:
    reply = api.post(
        "/v1/webhooks",
        {"url": PUBLIC_URL, "events": ["run.succeeded", "run.failed"], "description": "ci"},
    )
    created = _ok(reply, 201)
    assert reply.header("Location") == f"/prod/v1/webhooks/{created['id']}"
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32
    assert {
        k: v for k, v in created.items() if k not in ("id", "secret", "created_at", "updated_at")
    } == {
        "url": PUBLIC_URL,
        "events": ["run.succeeded", "run.failed"],
        "description": "ci",
        "enabled": True,
        "disabled_reason": None,
    }
    fetched = _ok(api.get(f"/v1/webhooks/{created['id']}"), 200)
    assert "secret" not in fetched
    assert fetched == {k: v for k, v in created.items() if k != "secret"}
    item = _stored_item(aws, "acme", created["id"])
    stored = bytes(item["secret"]["B"])
    assert created["secret"].encode() not in stored
    assert created["secret"] not in json.dumps(str(item))
    assert webhook_secrets.decrypt(created["id"], stored) == created["secret"]


def test_list_is_newest_first_and_paginated(api: GatewayClient) -> None:
    ids = [_create(api, description=str(i))["id"] for i in range(3)]
    first = _ok(api.get("/v1/webhooks?limit=2"), 200)
    assert [w["id"] for w in first["data"]] == ids[::-1][:2]
    assert all("secret" not in w for w in first["data"])
    second = _ok(api.get(f"/v1/webhooks?limit=2&cursor={first['next_cursor']}"), 200)
    assert [w["id"] for w in second["data"]] == [ids[0]]
    assert second["next_cursor"] is None
    bad = api.get("/v1/webhooks?cursor=eyJwayI6Ik5TI2dsb2JleCIsInNrIjoiV0VCSE9PSyMifQ")
    assert bad.status == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "cursor"]


def test_patch_merges_and_null_clears_the_description(api: GatewayClient) -> None:
    created = _create(api, description="old")
    path = f"/v1/webhooks/{created['id']}"
    patched = _ok(api.patch(path, {"events": ["*"], "description": None}), 200)
    assert patched["events"] == ["*"]
    assert patched["description"] is None
    assert patched["url"] == PUBLIC_URL
    moved = _ok(
        api.patch(
            path,
            {"url": "https://93.184.215.15/new", "enabled": False},
            headers={"Content-Type": "application/merge-patch+json"},
        ),
        200,
    )
    assert (moved["url"], moved["enabled"]) == ("https://93.184.215.15/new", False)
    assert _ok(api.patch(path, {}), 200) == moved


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"url": "http://93.184.215.14/x", "events": ["*"]}, ["body", "url"]),
        ({"url": "https://127.0.0.1/x", "events": ["*"]}, ["body", "url"]),
        ({"url": "https://169.254.169.254/latest", "events": ["*"]}, ["body", "url"]),
        ({"url": "https://[::ffff:10.0.0.1]/x", "events": ["*"]}, ["body", "url"]),
        ({"url": "https://2130706433/x", "events": ["*"]}, ["body", "url"]),
        ({"url": "https://localhost:9000/x", "events": ["*"]}, ["body", "url"]),
        ({"url": PUBLIC_URL, "events": []}, ["body", "events"]),
        ({"url": PUBLIC_URL, "events": ["run.started"]}, ["body", "events", 0]),
        ({"url": PUBLIC_URL, "events": ["*", "run.failed"]}, ["body", "events"]),
        ({"url": PUBLIC_URL, "events": ["*"], "secret": "whsec_x"}, ["body", "secret"]),
        ({"url": PUBLIC_URL, "events": ["*"], "colour": "blue"}, ["body", "colour"]),
        ({"events": ["*"]}, ["body", "url"]),
    ],
)
def test_bad_endpoints_are_422_naming_the_field_and_store_nothing(
    api: GatewayClient, body: dict[str, Any], loc: list[Any]
) -> None:
    reply = api.post("/v1/webhooks", body)
    assert reply.status == 422, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    assert loc in [e["loc"] for e in reply.json()["errors"]]
    assert _ok(api.get("/v1/webhooks"), 200)["data"] == []


def test_local_http_receivers_need_the_local_stacks_flag(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"url": "http://127.0.0.1:9/in", "events": ["*"]}
    assert api.post("/v1/webhooks", body).status == 422
    monkeypatch.setenv("WEBHOOK_ALLOW_LOCAL_HTTP", "1")
    from u22a8.config import get_settings

    get_settings.cache_clear()
    assert api.post("/v1/webhooks", body).status == 201


def test_a_patch_to_a_refused_url_changes_nothing(api: GatewayClient) -> None:
    created = _create(api)
    path = f"/v1/webhooks/{created['id']}"
    reply = api.patch(path, {"url": "https://10.0.0.1/x", "enabled": False})
    assert reply.status == 422
    assert "private" in reply.json()["errors"][0]["msg"]
    after = _ok(api.get(path), 200)
    assert (after["url"], after["enabled"]) == (PUBLIC_URL, True)
    reply = api.patch(path, {"id": "wh_000000000000000000000000", "disabled_reason": "x"})
    assert reply.status == 422
    assert {tuple(e["loc"]) for e in reply.json()["errors"]} == {
        ("body", "id"),
        ("body", "disabled_reason"),
    }


def test_rotate_secret_returns_a_new_secret_and_keeps_the_old_one_for_a_day(
    api: GatewayClient, aws: dict[str, str]
) -> None:
    created = _create(api)
    path = f"/v1/webhooks/{created['id']}"
    rotated = _ok(api.post(f"{path}/rotate-secret"), 200)
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    item = _stored_item(aws, "acme", created["id"])
    assert webhook_secrets.decrypt(created["id"], bytes(item["secret"]["B"])) == rotated["secret"]
    previous = bytes(item["previous_secret"]["B"])
    assert webhook_secrets.decrypt(created["id"], previous) == created["secret"]
    assert item["previous_secret_until"]["S"] > rotated["updated_at"]
    assert api.post(f"{path}/rotate-secret", {"force": True}).status == 422


def test_delete_removes_the_endpoint_and_a_second_delete_is_404(api: GatewayClient) -> None:
    created = _create(api)
    path = f"/v1/webhooks/{created['id']}"
    assert api.delete(path).status == 204
    for reply in (
        api.get(path),
        api.delete(path),
        api.patch(path, {"enabled": True}),
        api.post(f"{path}/ping"),
        api.post(f"{path}/rotate-secret"),
        api.get(f"{path}/deliveries"),
    ):
        assert reply.status == 404, reply.body
        assert reply.json()["type"] == PROBLEMS + "webhook-not-found"


def test_ping_queues_one_signed_delivery_and_answers_202(
    api: GatewayClient, aws: dict[str, str]
) -> None:
    created = _create(api)
    pinged = _ok(api.post(f"/v1/webhooks/{created['id']}/ping"), 202)
    assert pinged["type"] == "webhook.ping"
    messages = boto3.client("sqs").receive_message(
        QueueUrl=aws["WebhookDeliveriesQueue"], MaxNumberOfMessages=10
    )["Messages"]
    (message,) = [json.loads(m["Body"]) for m in messages]
    assert message["event_id"] == pinged["event_id"]
    assert (message["webhook_id"], message["namespace"], message["attempt"]) == (
        created["id"],
        "acme",
        1,
    )
    assert message["data"] == {"webhook_id": created["id"]}


def test_malformed_ids_are_422_and_other_tenants_endpoints_are_404(
    api: GatewayClient, other_key: str
) -> None:
    created = _create(api)
    reply = api.get("/v1/webhooks/wh_nope")
    assert reply.status == 422
    assert reply.json()["errors"][0]["loc"] == ["path", "id"]
    other = api.with_key(other_key)
    path = f"/v1/webhooks/{created['id']}"
    theirs = other.get(path)
    missing = other.get("/v1/webhooks/wh_000000000000000000000000")
    assert theirs.status == missing.status == 404
    assert other.patch(path, {"enabled": False}).status == 404
    assert other.delete(path).status == 404
    assert _ok(other.get("/v1/webhooks"), 200) == {"data": [], "next_cursor": None}
    assert _ok(api.get(path), 200)["enabled"] is True


def _throttling(operation: str) -> Any:
    """A botocore hook that answers ``operation`` with throttling, before it reaches moto."""

    def before_call(model: Any, **_: Any) -> Any:
        if model.name != operation:
            return None
        http = AWSResponse("https://aws.local/", 400, HTTPHeaders(), None)
        parsed = {
            "Error": {"Code": "ThrottlingException", "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": {}},
        }
        return http, parsed

    return event_hook(before_call)


@pytest.mark.parametrize(
    ("client", "operation"), [(clients.kms, "Encrypt"), (clients.sqs, "SendMessage")]
)
def test_a_throttled_dependency_is_a_503_with_retry_after(
    api: GatewayClient, client: Any, operation: str
) -> None:
    """Encrypt throttled: a create stores nothing. SendMessage throttled: a ping queues nothing."""
    existing = _create(api)
    hook = _throttling(operation)
    client().meta.events.register("before-call", hook)
    try:
        if operation == "Encrypt":
            reply = api.post("/v1/webhooks", {"url": PUBLIC_URL, "events": ["*"]})
        else:
            reply = api.post(f"/v1/webhooks/{existing['id']}/ping")
    finally:
        client().meta.events.unregister("before-call", hook)
    assert reply.status == 503, reply.body
    assert reply.header("Retry-After") == "1"
    assert [w["id"] for w in _ok(api.get("/v1/webhooks"), 200)["data"]] == [existing["id"]]


def test_a_namespace_has_at_most_twenty_endpoints(api: GatewayClient, other_key: str) -> None:
    ids = [_create(api)["id"] for _ in range(20)]
    refused = api.post("/v1/webhooks", {"url": PUBLIC_URL, "events": ["*"]})
    assert refused.status == 409, refused.body
    assert refused.json()["type"] == PROBLEMS + "webhook-limit-reached"
    listed = _ok(api.get("/v1/webhooks?limit=100"), 200)["data"]
    assert sorted(w["id"] for w in listed) == sorted(ids)
    _create(api.with_key(other_key))  # another namespace has its own twenty
    assert api.delete(f"/v1/webhooks/{ids[0]}").status == 204
    assert api.delete(f"/v1/webhooks/{ids[0]}").status == 404  # does not uncount twice
    _create(api)
    assert api.post("/v1/webhooks", {"url": PUBLIC_URL, "events": ["*"]}).status == 409
