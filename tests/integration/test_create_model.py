"""POST /v1/models through the local gateway, against moto tables built from the template."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import GatewayClient, Reply
from u22a8.data import models_repo

CRITERIA = ["Clarity", "Flow"]


def _create(api: GatewayClient, body: Any, **kwargs: Any) -> Reply:
    return api.post("/v1/models", body, **kwargs)


def _assert_problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    body: dict[str, Any] = reply.json()
    assert body["type"] == f"https://u22a8.ai/problems/{code}"
    assert body["status"] == status
    assert body["request_id"] == reply.header("x-amzn-RequestId")
    return body


def _locs(body: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {tuple(e["loc"]) for e in body["errors"]}


def test_create_returns_201_with_location_etag_and_the_draft(api: GatewayClient) -> None:
    reply = _create(api, {"handle": "acme.support-tone", "criteria": CRITERIA})
    assert reply.status == 201, reply.body
    # The Location is the path clients request: behind the API Gateway stage.
    location = reply.header("Location")
    assert location == f"/{api.gateway.stage}/v1/models/acme.support-tone"
    assert reply.header("ETag") == '"1"'
    assert reply.header("Content-Type") == "application/json"
    body = reply.json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["created_at"])
    assert body == {
        "handle": "acme.support-tone",
        "task": "scoring",
        "objective": "balanced_cosine",
        "criteria": CRITERIA,
        "description": None,
        "state": "draft",
        "active_version_id": None,
        "active_version": None,
        "tags": [],
        "zero_data_retention": False,
        "auto_prune": None,
        "last_operation": None,
        "created_at": body["created_at"],
        "updated_at": body["created_at"],
    }
    # The Location answers with the same model and ETag.
    got = api.get(location.removeprefix(f"/{api.gateway.stage}"))
    assert got.status == 200
    assert got.json() == body
    assert got.header("ETag") == reply.header("ETag")


def test_create_with_every_optional_field(api: GatewayClient) -> None:
    reply = _create(
        api,
        {
            "handle": "acme.full",
            "criteria": [f"c{i}" for i in range(20)],
            "objective": "balanced_cosine",
            "task": "scoring",
            "description": "d" * 2000,
            "zero_data_retention": True,
            "auto_prune": {"keep_unnamed": 5},
        },
    )
    assert reply.status == 201, reply.body
    body = reply.json()
    assert body["zero_data_retention"] is True
    assert body["description"] == "d" * 2000
    assert body["auto_prune"] == {"keep_unnamed": 5, "keep_first_of_month": True}
    stored = models_repo.get("acme.full")
    assert stored is not None
    assert len(stored.criteria) == 20


def test_handle_taken_is_409(api: GatewayClient) -> None:
    assert _create(api, {"handle": "acme.m", "criteria": CRITERIA}).status == 201
    before = models_repo.get("acme.m")
    reply = _create(api, {"handle": "acme.m", "criteria": ["Other"], "description": "new"})
    _assert_problem(reply, 409, "handle-taken")
    assert models_repo.get("acme.m") == before


def test_an_archived_handle_stays_taken(api: GatewayClient) -> None:
    assert _create(api, {"handle": "acme.m", "criteria": CRITERIA}).status == 201
    assert api.delete("/v1/models/acme.m").status == 200
    archived = models_repo.get("acme.m")
    reply = _create(api, {"handle": "acme.m", "criteria": CRITERIA})
    body = _assert_problem(reply, 409, "handle-taken")
    assert "archived" in body["detail"]
    assert models_repo.get("acme.m") == archived


def test_the_same_name_in_another_namespace_is_independent(
    api: GatewayClient, other_key: str
) -> None:
    assert _create(api, {"handle": "acme.m", "criteria": CRITERIA}).status == 201
    other = api.with_key(other_key)
    assert _create(other, {"handle": "globex.m", "criteria": CRITERIA}).status == 201


@pytest.mark.parametrize(
    ("body", "locs"),
    [
        ({"handle": "Acme.M", "criteria": CRITERIA}, {("body", "handle")}),
        ({"handle": "acme", "criteria": CRITERIA}, {("body", "handle")}),
        ({"handle": "acme.-m", "criteria": CRITERIA}, {("body", "handle")}),
        ({"handle": "globex.m", "criteria": CRITERIA}, {("body", "handle")}),
        ({"handle": "acme.m", "criteria": ["A", "B", "A"]}, {("body", "criteria")}),
        ({"handle": "acme.m", "criteria": []}, {("body", "criteria")}),
        ({"handle": "acme.m", "criteria": [f"c{i}" for i in range(21)]}, {("body", "criteria")}),
        ({"handle": "acme.m", "criteria": [""]}, {("body", "criteria", 0)}),
        ({"handle": "acme.m"}, {("body", "criteria")}),
        ({"criteria": CRITERIA}, {("body", "handle")}),
        (
            {"handle": 5, "criteria": "Clarity", "zero_data_retention": "true"},
            {("body", "handle"), ("body", "criteria"), ("body", "zero_data_retention")},
        ),
        (
            {"handle": "acme.m", "criteria": CRITERIA, "auto_prune": {"keep_unnamed": "5"}},
            {("body", "auto_prune", "keep_unnamed")},
        ),
        (
            {"handle": "acme.m", "criteria": CRITERIA, "description": "x" * 2001},
            {("body", "description")},
        ),
        (
            {"handle": "acme.m", "criteria": CRITERIA, "objective": "cosine", "task": "rank"},
            {("body", "objective"), ("body", "task")},
        ),
        (
            {"handle": "acme.m", "criteria": CRITERIA, "name": "x", "labels": []},
            {("body", "name"), ("body", "labels")},
        ),
    ],
)
def test_invalid_creates_are_422_and_store_nothing(
    api: GatewayClient, body: dict[str, Any], locs: set[tuple[Any, ...]]
) -> None:
    problem = _assert_problem(_create(api, body), 422, "validation-error")
    assert _locs(problem) == locs
    assert models_repo.get("acme.m") is None
    assert api.get("/v1/models").json()["data"] == []


def test_handle_outside_the_namespace_is_422_naming_the_namespace(api: GatewayClient) -> None:
    problem = _assert_problem(
        _create(api, {"handle": "globex.m", "criteria": CRITERIA}), 422, "validation-error"
    )
    assert "'acme.'" in problem["errors"][0]["msg"]
    assert models_repo.get("globex.m") is None


@pytest.mark.parametrize(
    "field", ["state", "active_version", "active_version_id", "tags", "last_operation"]
)
def test_read_only_fields_are_422_with_a_hint(api: GatewayClient, field: str) -> None:
    value: Any = {"state": "ready", "active_version": 3, "tags": ["prod"]}.get(field, "x")
    problem = _assert_problem(
        _create(api, {"handle": "acme.m", "criteria": CRITERIA, field: value}),
        422,
        "validation-error",
    )
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(["body", field], "read_only")]
    assert problem["errors"][0]["msg"].startswith("read-only")
    assert models_repo.get("acme.m") is None


def test_state_hint_points_to_train_and_delete(api: GatewayClient) -> None:
    problem = _create(api, {"handle": "acme.m", "criteria": CRITERIA, "state": "ready"}).json()
    assert "/train" in problem["errors"][0]["msg"]
    assert "DELETE" in problem["errors"][0]["msg"]


@pytest.mark.parametrize("raw", [b"{", b"[", b"{'handle': 'acme.m'}", b"\xff\xfe\x00"])
def test_malformed_json_is_400(api: GatewayClient, raw: bytes) -> None:
    _assert_problem(_create(api, None, raw=raw), 400, "malformed-json")
    assert models_repo.get("acme.m") is None


@pytest.mark.parametrize("raw", [b"[]", b'"acme.m"', b"null", b"42"])
def test_a_body_that_is_not_an_object_is_422(api: GatewayClient, raw: bytes) -> None:
    problem = _assert_problem(_create(api, None, raw=raw), 422, "validation-error")
    assert _locs(problem) == {("body",)}


def test_empty_body_is_422_for_the_missing_fields(api: GatewayClient) -> None:
    problem = _assert_problem(_create(api, None, raw=b""), 422, "validation-error")
    assert _locs(problem) == {("body", "handle"), ("body", "criteria")}


def test_over_one_mebibyte_is_413(api: GatewayClient) -> None:
    padding = "x" * (1024 * 1024)
    reply = _create(api, {"handle": "acme.m", "criteria": CRITERIA, "description": padding})
    _assert_problem(reply, 413, "payload-too-large")
    assert models_repo.get("acme.m") is None


def test_a_criterion_cannot_take_a_reserved_name(api: GatewayClient) -> None:
    reply = api.post("/v1/models", {"handle": "acme.reserved", "criteria": ["Flow", "objective"]})
    assert reply.status == 422
    assert reply.json()["errors"][0]["loc"] == ["body", "criteria"]
    assert api.get("/v1/models/acme.reserved").status == 404
