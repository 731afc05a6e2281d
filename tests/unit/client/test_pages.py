"""Cursor pages are walked lazily: one request per page, until ``next_cursor`` is null."""

from __future__ import annotations

from itertools import islice

from tests.unit.client.scripted_server import Received, Reply, Router, ScriptedServer
from u22a8.client import Client


def _paged(total: int, page_size: int) -> Router:
    def route(request: Received) -> Reply:
        start = int(request.query.get("cursor", "0"))
        end = min(start + page_size, total)
        data = [{"handle": f"acme.m{i}"} for i in range(start, end)]
        return Reply(200, {"data": data, "next_cursor": str(end) if end < total else None})

    return route


def test_iterating_follows_every_cursor(client: Client, server: ScriptedServer) -> None:
    server.router = _paged(7, 3)
    handles = [m["handle"] for m in client.models.list(state="archived", limit=3)]
    assert handles == [f"acme.m{i}" for i in range(7)]
    assert [r.query for r in server.received] == [
        {"state": "archived", "limit": "3"},
        {"state": "archived", "limit": "3", "cursor": "3"},
        {"state": "archived", "limit": "3", "cursor": "6"},
    ]


def test_pages_are_fetched_only_when_needed(client: Client, server: ScriptedServer) -> None:
    server.router = _paged(100, 10)
    first = list(islice(client.models.list(limit=10), 12))
    assert len(first) == 12
    assert len(server.received) == 2


def test_pages_and_a_starting_cursor(client: Client, server: ScriptedServer) -> None:
    server.router = _paged(5, 2)
    pages = list(client.runs.list("acme.tone", limit=2, cursor="2").pages())
    assert [len(p.data) for p in pages] == [2, 1]
    assert [p.next_cursor for p in pages] == ["4", None]
    assert server.received[0].path == "/v1/models/acme.tone/runs"
    assert server.received[0].query == {"limit": "2", "cursor": "2"}
    first = client.versions.list("acme.tone").first_page()
    assert first.next_cursor == "2"


def test_an_empty_list_is_one_request(client: Client, server: ScriptedServer) -> None:
    server.script(Reply(200, {"data": [], "next_cursor": None}))
    assert list(client.samples.list("acme.tone")) == []
    assert len(server.received) == 1
