"""GET /v1/models/{handle}/versions and GET .../versions/{n} through the local gateway."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.helpers import GatewayClient
from tests.integration.versions_support import (
    activate,
    create_model,
    problem,
    put_tag,
    recorded_calls,
    seed_version,
)

HANDLE = "acme.tone"
VERSIONS = f"/v1/models/{HANDLE}/versions"


@pytest.fixture
def model(api: GatewayClient) -> str:
    create_model(api, HANDLE)
    return HANDLE


def _all(api: GatewayClient, limit: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        reply = api.get(f"{VERSIONS}?limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert reply.status == 200, reply.body
        page = reply.json()
        assert 0 < len(page["data"]) <= limit  # never an empty last page
        found.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_a_model_without_versions_lists_none(api: GatewayClient, model: str) -> None:
    reply = api.get(VERSIONS)
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": [], "next_cursor": None}


def test_versions_are_listed_newest_first_with_their_tags(api: GatewayClient, model: str) -> None:
    seeded = [seed_version(HANDLE, n) for n in (1, 2, 3)]
    assert put_tag(api, HANDLE, "prod", {"version": 2}).status == 200
    assert put_tag(api, HANDLE, "canary", {"version": 2}).status == 200
    assert put_tag(api, HANDLE, "old", {"version": 1}).status == 200
    reply = api.get(VERSIONS)
    assert reply.status == 200, reply.body
    page = reply.json()
    assert page["next_cursor"] is None
    assert [v["version"] for v in page["data"]] == [3, 2, 1]
    assert [v["tags"] for v in page["data"]] == [[], ["canary", "prod"], ["old"]]
    newest = page["data"][0]
    assert newest == {
        "version_id": seeded[2].version_id,
        "version": 3,
        "created_at": seeded[2].created_at,
        "run_id": seeded[2].run_id,
        "params": {"ngram_max": 2, "alpha": 0.25},
        "metrics": {"Clarity": {"spearman": 0.5, "auc": 0.75, "n": 40}, "objective": 0.625},
        "tags": [],
    }
    assert "artifact_key" not in newest  # storage stays internal


def test_pagination_walks_every_version_once_in_order(api: GatewayClient, model: str) -> None:
    for n in range(1, 12):
        seed_version(HANDLE, n)
    assert [v["version"] for v in _all(api, limit=3)] == list(range(11, 0, -1))
    assert [v["version"] for v in _all(api, limit=11)] == list(range(11, 0, -1))


def test_ten_sorts_after_nine(api: GatewayClient, model: str) -> None:
    """Zero padding makes string order numeric order."""
    for n in (9, 10, 100):
        seed_version(HANDLE, n)
    assert [v["version"] for v in api.get(VERSIONS).json()["data"]] == [100, 10, 9]


def test_a_cursor_of_another_model_or_listing_is_422(api: GatewayClient, model: str) -> None:
    create_model(api, "acme.other")
    for n in (1, 2):
        seed_version("acme.other", n)
        seed_version(HANDLE, n)
    foreign = api.get("/v1/models/acme.other/versions?limit=1").json()["next_cursor"]
    assert foreign
    problem(api.get(f"{VERSIONS}?cursor={foreign}"), 422, "invalid-cursor")
    samples_cursor = api.get(f"/v1/models/{HANDLE}/samples?limit=1").json()["next_cursor"]
    assert samples_cursor is None  # no samples; forge a SAMPLE# cursor instead
    forged = (
        base64.urlsafe_b64encode(
            json.dumps({"pk": f"MODEL#{HANDLE}", "sk": "SAMPLE#smp_1"}).encode()
        )
        .decode()
        .rstrip("=")
    )
    problem(api.get(f"{VERSIONS}?cursor={forged}"), 422, "invalid-cursor")
    problem(api.get(f"{VERSIONS}?cursor=not-a-cursor"), 422, "invalid-cursor")
    problem(api.get(f"{VERSIONS}?limit=0"), 422, "validation-error")
    problem(api.get(f"{VERSIONS}?limit=101"), 422, "validation-error")


def test_get_one_version_with_its_tags(api: GatewayClient, model: str) -> None:
    seeded = seed_version(HANDLE, 1)
    seed_version(HANDLE, 2)
    assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    reply = api.get(f"{VERSIONS}/1")
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["version_id"] == seeded.version_id
    assert body["version"] == 1
    assert body["tags"] == ["prod"]
    assert api.get(f"{VERSIONS}/2").json()["tags"] == []


def test_a_missing_version_is_404_version_not_found(api: GatewayClient, model: str) -> None:
    seed_version(HANDLE, 1)
    problem(api.get(f"{VERSIONS}/2"), 404, "version-not-found")
    problem(api.get(f"{VERSIONS}/999999"), 404, "version-not-found")


@pytest.mark.parametrize("n", ["0", "-1", "abc", "007", "1.0", "1000000", "1e3", "%20"])
def test_a_version_number_that_is_not_a_positive_integer_is_422(
    api: GatewayClient, model: str, n: str
) -> None:
    body = problem(api.get(f"{VERSIONS}/{n}"), 422, "validation-error")
    assert body["errors"][0]["loc"] == ["path", "n"]


def test_an_unknown_or_foreign_model_is_404_before_any_version_lookup(
    api: GatewayClient, other_key: str, model: str
) -> None:
    seed_version(HANDLE, 1)
    problem(api.get("/v1/models/acme.nope/versions"), 404, "model-not-found")
    problem(api.get("/v1/models/acme.nope/versions/1"), 404, "model-not-found")
    stranger = api.with_key(other_key)
    problem(stranger.get(VERSIONS), 404, "model-not-found")
    problem(stranger.get(f"{VERSIONS}/1"), 404, "model-not-found")


def test_a_malformed_handle_is_422(api: GatewayClient) -> None:
    problem(api.get("/v1/models/Not_A_Handle/versions"), 422, "validation-error")
    problem(api.get("/v1/models/Not_A_Handle/versions/1"), 422, "validation-error")


def test_archived_models_versions_can_be_read(api: GatewayClient, model: str) -> None:
    seed_version(HANDLE, 1)
    assert api.delete(f"/v1/models/{HANDLE}").status == 200
    assert [v["version"] for v in api.get(VERSIONS).json()["data"]] == [1]
    assert api.get(f"{VERSIONS}/1").status == 200


def test_model_tags_are_the_tags_of_the_active_version(api: GatewayClient, model: str) -> None:
    v1, v2 = seed_version(HANDLE, 1), seed_version(HANDLE, 2)
    assert api.get(f"/v1/models/{HANDLE}").json()["tags"] == []
    assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    assert api.get(f"/v1/models/{HANDLE}").json()["tags"] == []  # no active version yet
    activate(HANDLE, v1)
    assert api.get(f"/v1/models/{HANDLE}").json()["tags"] == ["prod"]
    activate(HANDLE, v2)  # a new active version: prod still names 1
    assert api.get(f"/v1/models/{HANDLE}").json()["tags"] == []
    assert put_tag(api, HANDLE, "prod", {"version": 2}).status == 200
    assert put_tag(api, HANDLE, "b-team", {"version": 2}).status == 200
    assert api.get(f"/v1/models/{HANDLE}").json()["tags"] == ["b-team", "prod"]
    listed = api.get("/v1/models").json()["data"]
    assert listed[0]["tags"] == ["b-team", "prod"]


def test_reads_are_one_model_read_and_one_version_read(api: GatewayClient, model: str) -> None:
    seed_version(HANDLE, 1)
    assert api.get(VERSIONS).status == 200  # warms the authorizer cache
    with recorded_calls() as calls:
        assert api.get(VERSIONS).status == 200
    assert calls == ["GetItem", "Query"]
    with recorded_calls() as calls:
        assert api.get(f"{VERSIONS}/1").status == 200
    assert calls == ["GetItem", "GetItem"]
    with recorded_calls() as calls:
        problem(api.get("/v1/models/acme.nope/versions/1"), 404, "model-not-found")
    assert calls == ["GetItem"]
