"""GET /v1/models/{handle} and GET /v1/models: reads, tenant isolation, listing and cursors."""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import quote

import boto3
import pytest

from tests.helpers import GatewayClient, Reply
from u22a8.config import get_settings
from u22a8.domain import models_service

CRITERIA = ["Clarity"]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A strictly increasing clock, so creation order is unambiguous even within a millisecond."""
    ticks = itertools.count()

    def now() -> str:
        n = next(ticks)
        return f"2026-05-01T09:{n // 60:02d}:{n % 60:02d}.000Z"

    monkeypatch.setattr(models_service, "utc_now", now)


def _create(api: GatewayClient, handle: str) -> dict[str, Any]:
    reply = api.post("/v1/models", {"handle": handle, "criteria": CRITERIA})
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.json()
    return created


def _set_state(handle: str, state: str) -> None:
    boto3.client("dynamodb").update_item(
        TableName=get_settings().models_table,
        Key={"pk": {"S": f"MODEL#{handle}"}, "sk": {"S": "META"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "state"},
        ExpressionAttributeValues={":s": {"S": state}},
    )


def _problem(reply: Reply, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    body: dict[str, Any] = reply.json()
    assert body["status"] == status
    return body


def _handles(reply: Reply) -> list[str]:
    assert reply.status == 200, reply.body
    return [m["handle"] for m in reply.json()["data"]]


def _walk(api: GatewayClient, query: str) -> list[list[str]]:
    """Every page of a listing, following next_cursor until it is null."""
    pages: list[list[str]] = []
    cursor: str | None = None
    for _ in range(100):
        suffix = f"&cursor={quote(cursor)}" if cursor else ""
        reply = api.get(f"/v1/models?{query}{suffix}")
        pages.append(_handles(reply))
        cursor = reply.json()["next_cursor"]
        if cursor is None:
            return pages
    raise AssertionError("pagination did not end")


# --- GET one ------------------------------------------------------------------------------------


def test_get_returns_the_model_and_its_etag(api: GatewayClient) -> None:
    created = _create(api, "acme.m")
    reply = api.get("/v1/models/acme.m")
    assert reply.status == 200
    assert reply.header("ETag") == '"1"'
    assert reply.header("Content-Type") == "application/json"
    assert reply.json() == created


def test_get_missing_is_404(api: GatewayClient) -> None:
    body = _problem(api.get("/v1/models/acme.ghost"), 404)
    assert body["type"] == "https://u22a8.ai/problems/model-not-found"
    assert "acme.ghost" in body["detail"]


def test_another_namespaces_model_looks_exactly_like_a_missing_one(
    api: GatewayClient, other_key: str
) -> None:
    _create(api.with_key(other_key), "globex.secret")
    foreign = api.get("/v1/models/globex.secret")
    missing = api.get("/v1/models/globex.nothing-here")
    assert foreign.status == missing.status == 404
    assert foreign.headers.keys() == missing.headers.keys()

    def normalized(reply: Reply, handle: str) -> dict[str, Any]:
        body: dict[str, Any] = reply.json()
        body["detail"] = body["detail"].replace(handle, "<handle>")
        body["request_id"] = None
        return body

    assert normalized(foreign, "globex.secret") == normalized(missing, "globex.nothing-here")


@pytest.mark.parametrize("handle", ["Acme.m", "acme", "acme.m.x", "-acme.m", "a" * 40 + ".m"])
def test_get_with_a_malformed_handle_is_422(api: GatewayClient, handle: str) -> None:
    body = _problem(api.get(f"/v1/models/{handle}"), 422)
    assert body["errors"][0]["loc"] == ["path", "handle"]


def test_archived_models_stay_readable(api: GatewayClient) -> None:
    _create(api, "acme.m")
    assert api.delete("/v1/models/acme.m").status == 200
    reply = api.get("/v1/models/acme.m")
    assert reply.status == 200
    assert reply.json()["state"] == "archived"


def test_unknown_routes_are_404_problems(api: GatewayClient) -> None:
    body = _problem(api.get("/v1/widgets"), 404)
    assert body["type"] == "https://u22a8.ai/problems/not-found"
    assert api.request("PUT", "/v1/models/acme.m", {}).status == 404


# --- listing ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("clock")
def test_list_is_newest_first_and_only_the_callers_namespace(
    api: GatewayClient, other_key: str
) -> None:
    # Names in reverse alphabetical order, so sorting by handle would give the opposite order.
    for name in ("zed", "mid", "abc"):
        _create(api, f"acme.{name}")
    _create(api.with_key(other_key), "globex.zzz")
    reply = api.get("/v1/models")
    assert _handles(reply) == ["acme.abc", "acme.mid", "acme.zed"]
    assert reply.json()["next_cursor"] is None


def test_empty_list(api: GatewayClient) -> None:
    assert api.get("/v1/models").json() == {"data": [], "next_cursor": None}


def test_list_items_have_the_model_shape(api: GatewayClient) -> None:
    created = _create(api, "acme.m")
    assert api.get("/v1/models").json()["data"] == [created]


@pytest.mark.usefixtures("clock")
def test_default_limit_is_20(api: GatewayClient) -> None:
    for i in range(21):
        _create(api, f"acme.m{i:02d}")
    first = api.get("/v1/models").json()
    assert len(first["data"]) == 20
    assert first["next_cursor"] is not None


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize("limit", [1, 3, 7, 25, 100])
def test_cursor_pagination_covers_every_model_exactly_once(api: GatewayClient, limit: int) -> None:
    handles = [f"acme.m{i:02d}" for i in range(25)]
    for handle in handles:
        _create(api, handle)
    pages = _walk(api, f"limit={limit}")
    assert all(len(page) <= limit for page in pages)
    flat = [h for page in pages for h in page]
    assert flat == list(reversed(handles))


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "", "2.5"])
def test_limit_outside_1_to_100_is_422(api: GatewayClient, limit: str) -> None:
    body = _problem(api.get(f"/v1/models?limit={limit}"), 422)
    assert body["errors"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize("cursor", ["garbage", "!!!!", "eyJhIjogMX0", "e30"])
def test_bad_or_forged_cursor_is_422(api: GatewayClient, cursor: str) -> None:
    _create(api, "acme.m")
    body = _problem(api.get(f"/v1/models?cursor={cursor}"), 422)
    assert body["errors"][0]["loc"] == ["query", "cursor"]


@pytest.mark.usefixtures("clock")
def test_a_cursor_from_another_namespaces_listing_is_422(
    api: GatewayClient, other_key: str
) -> None:
    other = api.with_key(other_key)
    for i in range(3):
        _create(other, f"globex.m{i}")
        _create(api, f"acme.m{i}")
    foreign_cursor = other.get("/v1/models?limit=1").json()["next_cursor"]
    assert foreign_cursor
    body = _problem(api.get(f"/v1/models?cursor={quote(foreign_cursor)}"), 422)
    assert body["errors"][0]["loc"] == ["query", "cursor"]
    # ... while it still works for its owner.
    assert _handles(other.get(f"/v1/models?cursor={quote(foreign_cursor)}")) == [
        "globex.m1",
        "globex.m0",
    ]


@pytest.mark.usefixtures("clock")
def test_a_cursor_of_the_archived_listing_does_not_page_the_live_one(api: GatewayClient) -> None:
    for i in range(3):
        _create(api, f"acme.m{i}")
        assert api.delete(f"/v1/models/acme.m{i}").status == 200
    _create(api, "acme.live")
    cursor = api.get("/v1/models?state=archived&limit=1").json()["next_cursor"]
    assert cursor
    _problem(api.get(f"/v1/models?cursor={quote(cursor)}"), 422)


@pytest.mark.usefixtures("clock")
def test_archived_models_are_listed_only_with_state_archived(api: GatewayClient) -> None:
    for name in ("a", "b", "c"):
        _create(api, f"acme.{name}")
    assert api.delete("/v1/models/acme.b").status == 200
    assert _handles(api.get("/v1/models")) == ["acme.c", "acme.a"]
    archived = api.get("/v1/models?state=archived")
    assert _handles(archived) == ["acme.b"]
    assert archived.json()["data"][0]["state"] == "archived"


@pytest.mark.usefixtures("clock")
def test_state_filter(api: GatewayClient) -> None:
    for name in ("a", "b", "c", "d"):
        _create(api, f"acme.{name}")
    _set_state("acme.b", "ready")
    _set_state("acme.d", "busy")
    assert _handles(api.get("/v1/models?state=draft")) == ["acme.c", "acme.a"]
    assert _handles(api.get("/v1/models?state=ready")) == ["acme.b"]
    assert _handles(api.get("/v1/models?state=busy")) == ["acme.d"]
    assert _handles(api.get("/v1/models?state=failed")) == []
    assert _handles(api.get("/v1/models")) == ["acme.d", "acme.c", "acme.b", "acme.a"]


@pytest.mark.usefixtures("clock")
def test_filtered_pagination_covers_every_match_exactly_once(api: GatewayClient) -> None:
    handles = [f"acme.m{i:02d}" for i in range(30)]
    for handle in handles:
        _create(api, handle)
    ready = handles[::4]
    for handle in ready:
        _set_state(handle, "ready")
    pages = _walk(api, "state=ready&limit=2")
    assert [h for page in pages for h in page] == list(reversed(ready))
    drafts = _walk(api, "state=draft&limit=5")
    assert [h for page in drafts for h in page] == [h for h in reversed(handles) if h not in ready]


@pytest.mark.usefixtures("clock")
def test_a_filtered_page_never_holds_more_than_limit(api: GatewayClient) -> None:
    """A sparse stretch then a dense one: the first query finds one match in ``limit`` items,
    so the next must ask for no more than the two still missing, or the page overflows."""
    handles = [f"acme.m{i:02d}" for i in range(10)]
    for handle in handles:
        _create(api, handle)
    ready = ["acme.m09", "acme.m06", "acme.m05", "acme.m04", "acme.m03"]  # newest first
    for handle in ready:
        _set_state(handle, "ready")
    pages = _walk(api, "state=ready&limit=3")
    assert all(len(page) <= 3 for page in pages), pages
    assert pages[0] == ready[:3]
    assert [h for page in pages for h in page] == ready


@pytest.mark.usefixtures("clock")
def test_a_sparse_filter_may_give_a_short_page_but_the_cursor_finds_the_rest(
    api: GatewayClient,
) -> None:
    handles = [f"acme.m{i:02d}" for i in range(14)]
    for handle in handles:
        _create(api, handle)
    _set_state(handles[0], "failed")  # the oldest: behind more drafts than one page reads
    first = api.get("/v1/models?state=failed&limit=1").json()
    assert first["data"] == []
    assert first["next_cursor"] is not None
    pages = _walk(api, "state=failed&limit=1")
    assert [h for page in pages for h in page] == [handles[0]]


@pytest.mark.parametrize("state", ["bogus", "", "ARCHIVED", "deleted"])
def test_invalid_state_is_422(api: GatewayClient, state: str) -> None:
    body = _problem(api.get(f"/v1/models?state={state}"), 422)
    assert body["errors"][0]["loc"] == ["query", "state"]
