"""PUT and DELETE /v1/models/{handle}/tags/{tag} through the local gateway."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import GatewayClient
from tests.integration.versions_support import (
    activate,
    create_model,
    model_item,
    problem,
    put_tag,
    recorded_calls,
    seed_version,
)
from u22a8.data import clients
from u22a8.entities.version import Version

HANDLE = "acme.tone"
MODEL = f"/v1/models/{HANDLE}"
TAGS = f"{MODEL}/tags"


@pytest.fixture
def versions(api: GatewayClient) -> list[Version]:
    create_model(api, HANDLE)
    return [seed_version(HANDLE, n) for n in (1, 2, 3)]


def _tags_of(api: GatewayClient, n: int) -> list[str]:
    reply = api.get(f"{MODEL}/versions/{n}")
    assert reply.status == 200, reply.body
    tags: list[str] = reply.json()["tags"]
    return tags


# --- PUT -----------------------------------------------------------------------------------------


def test_put_points_the_tag_and_answers_with_the_version(
    api: GatewayClient, versions: list[Version]
) -> None:
    reply = put_tag(api, HANDLE, "prod", {"version": 2})
    assert reply.status == 200, reply.body
    assert reply.header("Content-Type") == "application/json"
    body = reply.json()
    assert body["version"] == 2
    assert body["version_id"] == versions[1].version_id
    assert body["tags"] == ["prod"]
    assert model_item(HANDLE)["tag_map"] == {"M": {"prod": {"N": "2"}}}


def test_a_tag_moves_between_versions(api: GatewayClient, versions: list[Version]) -> None:
    assert put_tag(api, HANDLE, "prod", {"version": 1}).json()["tags"] == ["prod"]
    assert put_tag(api, HANDLE, "canary", {"version": 1}).json()["tags"] == ["canary", "prod"]
    moved = put_tag(api, HANDLE, "prod", {"version": 3})
    assert moved.status == 200, moved.body
    assert moved.json()["tags"] == ["prod"]
    assert _tags_of(api, 1) == ["canary"]
    assert _tags_of(api, 2) == []
    assert _tags_of(api, 3) == ["prod"]
    # Putting it where it already is changes nothing but the revision.
    assert put_tag(api, HANDLE, "prod", {"version": 3}).json()["tags"] == ["prod"]
    assert _tags_of(api, 3) == ["prod"]


def test_every_tag_change_changes_the_models_etag(
    api: GatewayClient, versions: list[Version]
) -> None:
    etags = [api.get(MODEL).header("ETag")]
    assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    etags.append(api.get(MODEL).header("ETag"))
    assert put_tag(api, HANDLE, "prod", {"version": 2}).status == 200
    etags.append(api.get(MODEL).header("ETag"))
    deleted = api.delete(f"{TAGS}/prod")
    etags.append(deleted.header("ETag"))
    assert etags == ['"1"', '"2"', '"3"', '"4"']
    assert api.get(MODEL).header("ETag") == '"4"'
    # If-Match with the ETag from before a tag change now fails, as for any change.
    problem(
        api.patch(MODEL, {"description": "x"}, headers={"If-Match": '"3"'}),
        412,
        "precondition-failed",
    )


def test_model_tags_follow_the_active_version(api: GatewayClient, versions: list[Version]) -> None:
    activate(HANDLE, versions[0])
    assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    assert api.get(MODEL).json()["tags"] == ["prod"]
    assert put_tag(api, HANDLE, "prod", {"version": 2}).status == 200  # moved off the active one
    assert api.get(MODEL).json()["tags"] == []
    activate(HANDLE, versions[1])
    assert api.get(MODEL).json()["tags"] == ["prod"]
    deleted = api.delete(f"{TAGS}/prod")
    assert deleted.json()["tags"] == []


@pytest.mark.parametrize("tag", ["a", "prod", "v2.1-rc", "eu_prod", "0", "a" * 63])
def test_valid_tag_names(api: GatewayClient, versions: list[Version], tag: str) -> None:
    reply = put_tag(api, HANDLE, tag, {"version": 1})
    assert reply.status == 200, reply.body
    assert reply.json()["tags"] == [tag]
    assert api.delete(f"{TAGS}/{tag}").status == 200


@pytest.mark.parametrize("tag", ["Prod", "-x", ".x", "_x", "a" * 64, "prod%21", "a%20b"])
def test_invalid_tag_names_are_422(api: GatewayClient, versions: list[Version], tag: str) -> None:
    body = problem(put_tag(api, HANDLE, tag, {"version": 1}), 422, "validation-error")
    assert body["errors"][0]["loc"] == ["path", "tag"]
    problem(api.delete(f"{TAGS}/{tag}"), 422, "validation-error")


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "version"]),
        ({"version": "2"}, ["body", "version"]),
        ({"version": 2.0}, ["body", "version"]),
        ({"version": True}, ["body", "version"]),
        ({"version": 0}, ["body", "version"]),
        ({"version": 1_000_000}, ["body", "version"]),
        ({"version": None}, ["body", "version"]),
        ({"version": 2, "tag": "prod"}, ["body", "tag"]),
        ([2], ["body"]),
    ],
)
def test_invalid_bodies_are_422(
    api: GatewayClient, versions: list[Version], body: Any, loc: list[str]
) -> None:
    problem_body = problem(put_tag(api, HANDLE, "prod", body), 422, "validation-error")
    assert [e["loc"] for e in problem_body["errors"]] == [loc]


def test_a_body_that_is_not_json_is_400(api: GatewayClient, versions: list[Version]) -> None:
    reply = api.request("PUT", f"{TAGS}/prod", raw=b"{version: 2")
    problem(reply, 400, "malformed-json")


def test_a_missing_version_is_404_and_changes_nothing(
    api: GatewayClient, versions: list[Version]
) -> None:
    assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    problem(put_tag(api, HANDLE, "prod", {"version": 4}), 404, "version-not-found")
    assert _tags_of(api, 1) == ["prod"]
    assert api.get(MODEL).header("ETag") == '"2"'


def test_an_unknown_or_foreign_model_is_404(
    api: GatewayClient, other_key: str, versions: list[Version]
) -> None:
    problem(put_tag(api, "acme.nope", "prod", {"version": 1}), 404, "model-not-found")
    problem(api.delete("/v1/models/acme.nope/tags/prod"), 404, "model-not-found")
    stranger = api.with_key(other_key)
    problem(put_tag(stranger, HANDLE, "prod", {"version": 1}), 404, "model-not-found")
    assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    problem(stranger.delete(f"{TAGS}/prod"), 404, "model-not-found")
    assert _tags_of(api, 1) == ["prod"]


def test_a_malformed_handle_is_422(api: GatewayClient) -> None:
    problem(put_tag(api, "Bad_Handle", "prod", {"version": 1}), 422, "validation-error")
    problem(api.delete("/v1/models/Bad_Handle/tags/prod"), 422, "validation-error")


def test_archived_models_refuse_tag_changes(api: GatewayClient, versions: list[Version]) -> None:
    assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    assert api.delete(MODEL).status == 200
    problem(put_tag(api, HANDLE, "prod", {"version": 2}), 409, "model-archived")
    problem(put_tag(api, HANDLE, "prod", {"version": 9}), 409, "model-archived")
    problem(api.delete(f"{TAGS}/prod"), 409, "model-archived")
    problem(api.delete(f"{TAGS}/never"), 409, "model-archived")
    assert _tags_of(api, 1) == ["prod"]


def test_busy_models_can_be_tagged(api: GatewayClient, versions: list[Version]) -> None:
    clients.dynamodb().update_item(
        TableName=_table(),
        Key={"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": "META"}},
        UpdateExpression="SET #s = :busy",
        ExpressionAttributeNames={"#s": "state"},
        ExpressionAttributeValues={":busy": {"S": "busy"}},
    )
    assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    assert api.delete(f"{TAGS}/prod").status == 200


def test_a_model_stored_before_tag_map_existed_can_be_tagged(
    api: GatewayClient, versions: list[Version]
) -> None:
    clients.dynamodb().update_item(
        TableName=_table(),
        Key={"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": "META"}},
        UpdateExpression="REMOVE tag_map",
    )
    problem(api.delete(f"{TAGS}/prod"), 404, "tag-not-found")
    problem(put_tag(api, HANDLE, "prod", {"version": 9}), 404, "version-not-found")
    assert "tag_map" not in model_item(HANDLE)
    reply = put_tag(api, HANDLE, "prod", {"version": 2})
    assert reply.status == 200, reply.body
    assert reply.json()["tags"] == ["prod"]
    assert put_tag(api, HANDLE, "canary", {"version": 2}).json()["tags"] == ["canary", "prod"]
    assert model_item(HANDLE)["tag_map"] == {"M": {"prod": {"N": "2"}, "canary": {"N": "2"}}}
    assert api.get(MODEL).header("ETag") == '"3"'


# --- DELETE --------------------------------------------------------------------------------------


def test_delete_removes_the_tag_and_answers_with_the_model(
    api: GatewayClient, versions: list[Version]
) -> None:
    activate(HANDLE, versions[0])
    assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    assert put_tag(api, HANDLE, "canary", {"version": 1}).status == 200
    before = api.get(MODEL)
    assert before.json()["tags"] == ["canary", "prod"]
    reply = api.delete(f"{TAGS}/prod")
    assert reply.status == 200, reply.body
    assert reply.json()["handle"] == HANDLE
    assert reply.json()["tags"] == ["canary"]
    before_etag = before.header("ETag")
    assert before_etag is not None
    assert reply.header("ETag") == f'"{int(before_etag.strip(chr(34))) + 1}"'
    assert _tags_of(api, 1) == ["canary"]
    assert api.get(f"{MODEL}/versions/1").status == 200  # the version itself stays


def test_deleting_a_missing_tag_is_404(api: GatewayClient, versions: list[Version]) -> None:
    problem(api.delete(f"{TAGS}/prod"), 404, "tag-not-found")
    assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    assert api.delete(f"{TAGS}/prod").status == 200
    problem(api.delete(f"{TAGS}/prod"), 404, "tag-not-found")
    assert api.get(MODEL).header("ETag") == '"3"'  # refused deletes write nothing


# --- calls ---------------------------------------------------------------------------------------


def test_put_is_one_transaction_then_two_reads_and_delete_one_update(
    api: GatewayClient, versions: list[Version]
) -> None:
    assert api.get(MODEL).status == 200  # warms the authorizer cache
    with recorded_calls() as calls:
        assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    assert calls == ["TransactWriteItems", "GetItem", "GetItem"]
    with recorded_calls() as calls:
        problem(put_tag(api, HANDLE, "prod", {"version": 7}), 404, "version-not-found")
    assert calls == ["TransactWriteItems"]
    with recorded_calls() as calls:
        assert api.delete(f"{TAGS}/prod").status == 200
    assert calls == ["UpdateItem"]


def _table() -> str:
    from u22a8.config import get_settings

    return get_settings().models_table
