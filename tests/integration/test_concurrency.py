"""Concurrent writers through the gateway (each request in its own handler "container").

No update is ever lost: writers are serialized by DynamoDB conditional writes, never by a read
followed by a write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.helpers import GatewayClient, Reply
from u22a8.api import etags
from u22a8.data import models_repo
from u22a8.entities.model import Model

HANDLE = "acme.m"
PATH = f"/v1/models/{HANDLE}"
WRITERS = 20


def _all_at_once[T](count: int, request: Callable[[int], T]) -> list[T]:
    """``count`` requests released together by a barrier, so that each one's read and write
    interleave with the others' (without it, threads start one by one and mostly run alone)."""
    start = threading.Barrier(count)

    def one(i: int) -> T:
        start.wait(timeout=30)
        return request(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


@pytest.fixture
def model(api: GatewayClient) -> Model:
    assert api.post("/v1/models", {"handle": HANDLE, "criteria": ["c"]}).status == 201
    stored = models_repo.get(HANDLE)
    assert stored is not None
    return stored


def test_same_if_match_exactly_one_wins(api: GatewayClient, model: Model) -> None:
    etag = etags.etag(model)

    def patch(i: int) -> Reply:
        return api.patch(PATH, {"description": f"writer {i}"}, headers={"If-Match": etag})

    replies = _all_at_once(WRITERS, patch)
    statuses = sorted(r.status for r in replies)
    assert statuses == [200] + [412] * (WRITERS - 1), statuses
    (winner,) = (r for r in replies if r.status == 200)
    stored = models_repo.get(HANDLE)
    assert stored is not None
    assert stored.revision == model.revision + 1
    assert stored.description == winner.json()["description"]
    assert winner.header("ETag") == etags.etag(stored)
    for loser in (r for r in replies if r.status == 412):
        assert loser.json()["type"] == "https://u22a8.ai/problems/precondition-failed"


def _patch_for(i: int) -> dict[str, Any]:
    """Writer ``i`` sets one field; the four fields are spread over the writers."""
    match i % 4:
        case 0:
            return {"description": f"description {i}"}
        case 1:
            return {"zero_data_retention": True}
        case 2:
            return {"auto_prune": {"keep_unnamed": i}}
        case _:
            return {"auto_prune": {"keep_first_of_month": False}}


def _field_of(patch: dict[str, Any]) -> tuple[str, Any]:
    if "auto_prune" in patch:
        ((key, value),) = patch["auto_prune"].items()
        return f"auto_prune.{key}", value
    ((key, value),) = patch.items()
    return key, value


def _value_in(resource: dict[str, Any], field: str) -> Any:
    if field.startswith("auto_prune."):
        return (resource["auto_prune"] or {}).get(field.split(".", 1)[1])
    return resource[field]


def test_different_fields_without_if_match_lose_no_update(api: GatewayClient, model: Model) -> None:
    patches = [_patch_for(i) for i in range(WRITERS)]
    replies = _all_at_once(WRITERS, lambda i: api.patch(PATH, patches[i]))
    assert [r.status for r in replies] == [200] * WRITERS, [r.body for r in replies]

    # Every write was applied exactly once, each on top of the one before it.
    revisions = sorted(int((r.header("ETag") or "").strip('"')) for r in replies)
    assert revisions == list(range(model.revision + 1, model.revision + 1 + WRITERS))

    final = api.get(PATH).json()
    stored = models_repo.get(HANDLE)
    assert stored is not None
    assert stored.revision == model.revision + WRITERS
    written: dict[str, list[tuple[int, Any]]] = {}
    for patch, reply in zip(patches, replies, strict=True):
        field, value = _field_of(patch)
        revision = int((reply.header("ETag") or "").strip('"'))
        written.setdefault(field, []).append((revision, value))
        # Each response shows the model right after its own write, its own value included.
        assert _value_in(reply.json(), field) == value
    assert set(written) == {
        "description",
        "zero_data_retention",
        "auto_prune.keep_unnamed",
        "auto_prune.keep_first_of_month",
    }
    for field, writes in written.items():
        values = {value for _, value in writes}
        assert _value_in(final, field) in values, f"{field}: a write was lost"
        # ... and it is the value of the last writer of that field.
        assert _value_in(final, field) == max(writes)[1], field


def test_concurrent_archives_write_once(api: GatewayClient, model: Model) -> None:
    replies = _all_at_once(WRITERS, lambda _: api.delete(PATH))
    assert [r.status for r in replies] == [200] * WRITERS
    assert {r.header("ETag") for r in replies} == {f'"{model.revision + 1}"'}
    stored = models_repo.get(HANDLE)
    assert stored is not None
    assert stored.revision == model.revision + 1
    assert stored.state.value == "archived"


def test_concurrent_creates_of_one_handle_create_it_once(api: GatewayClient) -> None:
    def create(i: int) -> Reply:
        return api.post("/v1/models", {"handle": HANDLE, "criteria": [f"c{i}"]})

    replies = _all_at_once(WRITERS, create)
    statuses = sorted(r.status for r in replies)
    assert statuses == [201] + [409] * (WRITERS - 1), statuses
    (winner,) = (r for r in replies if r.status == 201)
    stored = models_repo.get(HANDLE)
    assert stored is not None
    assert list(stored.criteria) == winner.json()["criteria"]
    assert stored.revision == 1


def test_patches_racing_an_archive_never_change_an_archived_model(
    api: GatewayClient, model: Model
) -> None:
    def request(i: int) -> Reply:
        if i == WRITERS // 2:
            return api.delete(PATH)
        return api.patch(PATH, {"description": f"writer {i}"})

    replies = _all_at_once(WRITERS, request)
    archive = replies[WRITERS // 2]
    assert archive.status == 200
    archived_revision = int((archive.header("ETag") or "").strip('"'))
    patches = [r for i, r in enumerate(replies) if i != WRITERS // 2]
    assert {r.status for r in patches} <= {200, 409}
    applied = [int((r.header("ETag") or "").strip('"')) for r in patches if r.status == 200]
    # Patches that succeeded came before the archive; the archive was the last write.
    assert all(revision < archived_revision for revision in applied)
    stored = models_repo.get(HANDLE)
    assert stored is not None
    assert stored.revision == archived_revision == model.revision + len(applied) + 1


def test_concurrent_cancels_of_one_run_all_answer_200_and_release_once(
    api: GatewayClient, model: Model
) -> None:
    reply = api.post(f"{PATH}/train", {"effort": "low"})
    assert reply.status == 202, reply.body
    run_id = reply.json()["run_id"]
    busy = models_repo.get(HANDLE)
    assert busy is not None

    replies = _all_at_once(WRITERS, lambda _: api.post(f"{PATH}/runs/{run_id}/cancel"))

    assert [r.status for r in replies] == [200] * WRITERS, [r.body for r in replies]
    assert {r.json()["status"] for r in replies} == {"cancelled"}
    assert {r.json()["run_id"] for r in replies} == {run_id}
    released = models_repo.get(HANDLE)
    assert released is not None
    assert released.state.value == "draft"
    assert released.revision == busy.revision + 1  # released by exactly one of them
    assert released.current_run_id is None
