"""Each client method sends the contract's method, path, headers and body, and returns the
answer typed (models with their ETag)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.client.scripted_server import Received, Reply, ScriptedServer, problem
from u22a8.client import Client, Etagged, PreconditionFailed
from u22a8.client.jsonl import JsonlError
from u22a8.client.types import Model, ModelPatch, Sample

MODEL: dict[str, Any] = {
    "handle": "acme.tone",
    "criteria": ["Clarity"],
    "state": "draft",
    "description": None,
}
VERSION = {"version_id": "mv_1", "version": 2, "tags": ["prod"]}


def test_create_sends_only_given_fields_and_returns_the_etag(
    client: Client, server: ScriptedServer
) -> None:
    server.script(Reply(201, MODEL, {"ETag": '"1"', "Location": "/v1/models/acme.tone"}))
    created = client.models.create(
        "acme.tone", ("Clarity",), description="tone", auto_prune={"keep_unnamed": 5}
    )
    assert created == Etagged(MODEL, '"1"')
    (request,) = server.received
    assert (request.method, request.path) == ("POST", "/v1/models")
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "handle": "acme.tone",
        "criteria": ["Clarity"],
        "description": "tone",
        "auto_prune": {"keep_unnamed": 5},
    }


def test_patch_is_a_merge_patch_guarded_by_the_etag_read(
    client: Client, server: ScriptedServer
) -> None:
    server.script(Reply(200, MODEL, {"ETag": '"4"'}), Reply(200, MODEL, {"ETag": '"5"'}))
    current = client.models.get("acme.tone")
    changed = client.models.patch(
        "acme.tone", {"description": None, "auto_prune": None}, if_match=current
    )
    assert changed.etag == '"5"'
    patch = server.received[1]
    assert patch.method == "PATCH"
    assert patch.headers["content-type"] == "application/merge-patch+json"
    assert patch.headers["if-match"] == '"4"'
    assert patch.json() == {"description": None, "auto_prune": None}
    assert "idempotency-key" not in patch.headers


def test_update_reads_again_after_a_concurrent_change(
    client: Client, server: ScriptedServer
) -> None:
    server.script(
        Reply(200, {**MODEL, "description": "a"}, {"ETag": '"1"'}),
        problem(412, "precondition-failed"),
        Reply(200, {**MODEL, "description": "ab"}, {"ETag": '"2"'}),
        Reply(200, {**MODEL, "description": "ab!"}, {"ETag": '"3"'}),
    )

    def exclaim(model: Model) -> ModelPatch:
        return {"description": (model["description"] or "") + "!"}

    updated = client.models.update("acme.tone", exclaim)
    assert updated.value["description"] == "ab!"
    patches = [r for r in server.received if r.method == "PATCH"]
    assert [(p.headers["if-match"], p.json()) for p in patches] == [
        ('"1"', {"description": "a!"}),
        ('"2"', {"description": "ab!"}),
    ]


def test_update_gives_up_after_its_attempts(client: Client, server: ScriptedServer) -> None:
    server.script(
        Reply(200, MODEL, {"ETag": '"1"'}),
        problem(412, "precondition-failed"),
        Reply(200, MODEL, {"ETag": '"2"'}),
        problem(412, "precondition-failed"),
    )
    with pytest.raises(PreconditionFailed):
        client.models.update("acme.tone", lambda m: {"description": "x"}, attempts=2)


def test_archive_with_if_match_string(client: Client, server: ScriptedServer) -> None:
    server.script(Reply(200, {**MODEL, "state": "archived"}, {"ETag": '"7"'}))
    archived = client.models.archive("acme.tone", if_match='"6"')
    assert archived.value["state"] == "archived"
    (request,) = server.received
    assert (request.method, request.path, request.headers["if-match"]) == (
        "DELETE",
        "/v1/models/acme.tone",
        '"6"',
    )
    with pytest.raises(ValueError, match="ETag"):
        client.models.archive("acme.tone", if_match=Etagged(MODEL, None))


def test_path_segments_are_encoded(client: Client, server: ScriptedServer) -> None:
    server.script(Reply(200, VERSION))
    client.tags.set("acme.tone", "a/b c", 2)
    assert server.received[0].path == "/v1/models/acme.tone/tags/a%2Fb%20c"


def test_train_runs_versions_and_tags(client: Client, server: ScriptedServer) -> None:
    server.script(
        Reply(202, {"state": "busy", "run_id": "run_1"}, {"Location": "/v1/..."}),
        Reply(200, {"run_id": "run_1", "status": "running"}),
        Reply(200, VERSION),
        Reply(200, VERSION),
        Reply(200, MODEL, {"ETag": '"3"'}),
        Reply(200, {"state": "ready", "run_id": None}),
    )
    started = client.train("acme.tone", effort="low", reoptimize_params=True, if_match='"2"')
    assert started == {"state": "busy", "run_id": "run_1"}
    assert client.runs.get("acme.tone", "run_1")["status"] == "running"
    assert client.versions.get("acme.tone", 2) == VERSION
    assert client.tags.set("acme.tone", "prod", 2) == VERSION
    assert client.tags.delete("acme.tone", "prod").etag == '"3"'
    assert client.train("acme.tone")["run_id"] is None
    train, run, version, put, delete, bare = server.received
    assert (train.method, train.path) == ("POST", "/v1/models/acme.tone/train")
    assert train.json() == {"effort": "low", "reoptimize_params": True}
    assert train.headers["if-match"] == '"2"'
    assert train.headers["idempotency-key"]
    assert (run.method, run.path) == ("GET", "/v1/models/acme.tone/runs/run_1")
    assert (version.method, version.path) == ("GET", "/v1/models/acme.tone/versions/2")
    assert (put.method, put.path, put.json()) == (
        "PUT",
        "/v1/models/acme.tone/tags/prod",
        {"version": 2},
    )
    assert (delete.method, delete.path) == ("DELETE", "/v1/models/acme.tone/tags/prod")
    assert bare.json() == {}


def test_score_with_a_tag(client: Client, server: ScriptedServer) -> None:
    server.script(Reply(200, {"version": 2, "version_id": "mv_1", "results": [{"Clarity": 0.7}]}))
    scored = client.score("acme.tone", ["Simple and clear."], tag="prod")
    assert scored["results"] == [{"Clarity": 0.7}]
    (request,) = server.received
    assert (request.method, request.path, request.query) == (
        "POST",
        "/v1/models/acme.tone/score",
        {"tag": "prod"},
    )
    assert request.json() == {"texts": ["Simple and clear."]}
    assert "idempotency-key" not in request.headers


def _samples(count: int) -> list[Sample]:
    return [{"text": f"text {i}", "scores": {"Clarity": (i % 10) / 10}} for i in range(count)]


def _store(request: Received) -> Reply:
    count = len(request.json()["samples"])
    return Reply(201, {"sample_ids": [f"smp_{count}_{i}" for i in range(count)]})


def test_upload_sends_batches_of_at_most_500_each_with_its_own_key(
    client: Client, server: ScriptedServer
) -> None:
    server.router = _store
    progress: list[tuple[int, int]] = []
    ids = client.samples.upload(
        "acme.tone", iter(_samples(1201)), on_batch=lambda n, t: progress.append((n, t))
    )
    assert len(ids) == 1201
    sizes = [len(r.json()["samples"]) for r in server.received]
    assert sizes == [500, 500, 201]
    assert progress == [(500, 500), (500, 1000), (201, 1201)]
    assert len({r.headers["idempotency-key"] for r in server.received}) == 3
    sent = [s for r in server.received for s in r.json()["samples"]]
    assert sent == _samples(1201)


def test_an_upload_with_a_prefix_uses_the_same_keys_when_run_again(
    client: Client, server: ScriptedServer
) -> None:
    server.router = _store
    client.samples.upload("acme.tone", _samples(5), batch_size=2, idempotency_prefix="load-7")
    client.samples.upload("acme.tone", _samples(5), batch_size=2, idempotency_prefix="load-7")
    keys = [r.headers["idempotency-key"] for r in server.received]
    assert keys == ["load-7-1", "load-7-2", "load-7-3"] * 2


def test_add_refuses_more_than_one_call_can_take(client: Client) -> None:
    with pytest.raises(ValueError, match="upload"):
        client.samples.add("acme.tone", _samples(501))
    with pytest.raises(ValueError, match="batch_size"):
        client.samples.upload("acme.tone", _samples(1), batch_size=501)


def test_upload_jsonl_streams_the_file(
    client: Client, server: ScriptedServer, tmp_path: Path
) -> None:
    source = tmp_path / "samples.jsonl"
    source.write_text("\n".join(json.dumps(s) for s in _samples(3)) + "\n\n", encoding="utf-8")
    server.router = _store
    assert len(client.samples.upload_jsonl("acme.tone", source, batch_size=2)) == 3
    assert [len(r.json()["samples"]) for r in server.received] == [2, 1]


@pytest.mark.parametrize(
    ("line", "message"),
    [("{not json", "samples.jsonl:2: not JSON"), ('["text"]', "samples.jsonl:2: expected")],
)
def test_a_bad_jsonl_line_is_named_before_anything_is_sent(
    client: Client, server: ScriptedServer, tmp_path: Path, line: str, message: str
) -> None:
    source = tmp_path / "samples.jsonl"
    source.write_text(json.dumps(_samples(1)[0]) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(JsonlError, match=message):
        client.samples.upload_jsonl("acme.tone", source)
    assert server.received == []


def test_delete_sample(client: Client, server: ScriptedServer) -> None:
    server.script(Reply(204))
    client.samples.delete("acme.tone", "smp_1")
    assert (server.received[0].method, server.received[0].path) == (
        "DELETE",
        "/v1/models/acme.tone/samples/smp_1",
    )


WEBHOOK = {
    "id": "wh_1",
    "url": "https://example.com/hook",
    "events": ["run.succeeded"],
    "description": None,
    "enabled": True,
    "created_at": "2026-05-19T12:00:00Z",
}


def test_webhooks_per_the_contract(client: Client, server: ScriptedServer) -> None:
    server.script(
        Reply(201, {**WEBHOOK, "secret": "whsec_abc"}),
        Reply(200, {"data": [WEBHOOK], "next_cursor": None}),
        Reply(200, WEBHOOK),
        Reply(200, {**WEBHOOK, "enabled": False}),
        Reply(200, {**WEBHOOK, "secret": "whsec_new"}),
        Reply(202, {"event_id": "evt_1"}),
        Reply(200, {"data": [{"event_id": "evt_1", "type": "webhook.ping"}], "next_cursor": None}),
        Reply(204),
    )
    created = client.webhooks.create(
        "https://example.com/hook", ["run.succeeded"], description="ci"
    )
    assert created["secret"] == "whsec_abc"
    assert [w["id"] for w in client.webhooks.list(limit=5)] == ["wh_1"]
    assert client.webhooks.get("wh_1") == WEBHOOK
    assert client.webhooks.patch("wh_1", {"enabled": False})["enabled"] is False
    assert client.webhooks.rotate_secret("wh_1")["secret"] == "whsec_new"
    assert client.webhooks.ping("wh_1") == {"event_id": "evt_1"}
    assert [d["type"] for d in client.webhooks.deliveries("wh_1")] == ["webhook.ping"]
    client.webhooks.delete("wh_1")
    sent = [(r.method, r.path) for r in server.received]
    assert sent == [
        ("POST", "/v1/webhooks"),
        ("GET", "/v1/webhooks"),
        ("GET", "/v1/webhooks/wh_1"),
        ("PATCH", "/v1/webhooks/wh_1"),
        ("POST", "/v1/webhooks/wh_1/rotate-secret"),
        ("POST", "/v1/webhooks/wh_1/ping"),
        ("GET", "/v1/webhooks/wh_1/deliveries"),
        ("DELETE", "/v1/webhooks/wh_1"),
    ]
    create, listing, _, patch, rotate, ping, _, _ = server.received
    assert create.json() == {
        "url": "https://example.com/hook",
        "events": ["run.succeeded"],
        "description": "ci",
    }
    assert listing.query == {"limit": "5"}
    assert patch.headers["content-type"] == "application/merge-patch+json"
    assert patch.json() == {"enabled": False}
    assert rotate.body == b""
    assert ping.body == b""
    assert "idempotency-key" not in create.headers  # the contract gives webhooks none


def test_a_ping_without_a_body(client: Client, server: ScriptedServer) -> None:
    server.script(Reply(202))
    assert client.webhooks.ping("wh_1") is None


def test_a_base_url_with_a_stage_prefixes_every_path(server: ScriptedServer) -> None:
    server.script(Reply(200, MODEL), Reply(200, {"data": [], "next_cursor": None}))
    with Client(server.url + "/prod/", "k") as staged:
        staged.models.get("acme.tone")
        assert list(staged.models.list(limit=1)) == []
    assert [r.path for r in server.received] == ["/prod/v1/models/acme.tone", "/prod/v1/models"]
