"""DELETE /v1/models/{handle}: archive in one conditional write; idempotent."""

from __future__ import annotations

import pytest

from tests.helpers import GatewayClient
from u22a8.data import models_repo
from u22a8.entities.model import Model, ModelState

HANDLE = "acme.m"
PATH = f"/v1/models/{HANDLE}"


@pytest.fixture
def model(api: GatewayClient) -> Model:
    assert api.post("/v1/models", {"handle": HANDLE, "criteria": ["c"]}).status == 201
    stored = models_repo.get(HANDLE)
    assert stored is not None
    return stored


def test_delete_archives_and_returns_the_archived_model(api: GatewayClient, model: Model) -> None:
    reply = api.delete(PATH)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["state"] == "archived"
    assert reply.header("ETag") == '"2"'
    stored = models_repo.get(HANDLE)
    assert stored is not None
    assert stored.state is ModelState.ARCHIVED
    assert stored.revision == 2
    assert stored.criteria == model.criteria
    assert stored.created_at == model.created_at
    assert api.get(PATH).json() == body


@pytest.mark.usefixtures("model")
def test_deleting_again_is_a_200_no_op(api: GatewayClient) -> None:
    first = api.delete(PATH)
    archived = models_repo.get(HANDLE)
    second = api.delete(PATH)
    assert second.status == 200
    assert second.json() == first.json()
    assert second.header("ETag") == first.header("ETag")
    assert models_repo.get(HANDLE) == archived


@pytest.mark.usefixtures("model")
def test_delete_with_the_current_etag(api: GatewayClient) -> None:
    assert api.delete(PATH, headers={"If-Match": '"1"'}).status == 200


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("if_match", ['"2"', "junk"])
def test_delete_with_a_stale_etag_is_412(api: GatewayClient, if_match: str) -> None:
    before = models_repo.get(HANDLE)
    reply = api.delete(PATH, headers={"If-Match": if_match})
    assert reply.status == 412
    assert reply.json()["type"] == "https://u22a8.ai/problems/precondition-failed"
    assert models_repo.get(HANDLE) == before


@pytest.mark.usefixtures("model")
def test_delete_after_a_concurrent_patch_is_412(api: GatewayClient) -> None:
    etag = api.get(PATH).header("ETag") or ""
    assert api.patch(PATH, {"description": "meanwhile"}).status == 200
    before = models_repo.get(HANDLE)
    assert api.delete(PATH, headers={"If-Match": etag}).status == 412
    assert models_repo.get(HANDLE) == before


def test_delete_missing_is_404(api: GatewayClient) -> None:
    reply = api.delete("/v1/models/acme.ghost")
    assert reply.status == 404
    assert reply.json()["type"] == "https://u22a8.ai/problems/model-not-found"
    assert models_repo.get("acme.ghost") is None


def test_delete_another_namespaces_model_is_404_and_untouched(
    api: GatewayClient, other_key: str
) -> None:
    other = api.with_key(other_key)
    assert other.post("/v1/models", {"handle": "globex.m", "criteria": ["c"]}).status == 201
    before = models_repo.get("globex.m")
    reply = api.delete("/v1/models/globex.m")
    assert reply.status == 404
    assert reply.json()["type"] == "https://u22a8.ai/problems/model-not-found"
    assert models_repo.get("globex.m") == before


@pytest.mark.parametrize("handle", ["ACME.m", "acme", "acme..m"])
def test_delete_with_a_malformed_handle_is_422(api: GatewayClient, handle: str) -> None:
    reply = api.delete(f"/v1/models/{handle}")
    assert reply.status == 422
    assert reply.json()["errors"][0]["loc"] == ["path", "handle"]


@pytest.mark.usefixtures("model")
def test_an_archived_model_moves_to_the_archived_listing(api: GatewayClient) -> None:
    assert [m["handle"] for m in api.get("/v1/models").json()["data"]] == [HANDLE]
    assert api.delete(PATH).status == 200
    assert api.get("/v1/models").json()["data"] == []
    assert [m["handle"] for m in api.get("/v1/models?state=archived").json()["data"]] == [HANDLE]
