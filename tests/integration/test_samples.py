"""Samples endpoints through the local gateway: POST/GET .../samples, DELETE .../samples/{id}."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from tests.helpers import GatewayClient, Reply, event_hook
from u22a8.data import clients, models_repo
from u22a8.entities.model import Model

HANDLE = "acme.tone"
SAMPLES = f"/v1/models/{HANDLE}/samples"
PROBLEMS = "https://u22a8.ai/problems/"


def _sample(i: int, **scores: float) -> dict[str, Any]:
    return {"text": f"text {i}", "scores": scores or {"Clarity": (i % 11) / 10}}


def _batch(start: int, count: int) -> dict[str, Any]:
    return {"samples": [_sample(i) for i in range(start, start + count)]}


def _create(api: GatewayClient, handle: str = HANDLE, **fields: Any) -> Reply:
    reply = api.post("/v1/models", {"handle": handle, "criteria": ["Clarity", "Flow"], **fields})
    assert reply.status == 201, reply.body
    return reply


def _all_samples(api: GatewayClient, limit: int = 100, path: str = SAMPLES) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        reply = api.get(f"{path}?limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert reply.status == 200, reply.body
        page = reply.json()
        assert len(page["data"]) <= limit
        found.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def _model_item(aws: dict[str, str], handle: str = HANDLE) -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(
        TableName=aws["ModelsTable"], Key={"pk": {"S": f"MODEL#{handle}"}, "sk": {"S": "META"}}
    )["Item"]
    return item


def _stored_sample_count(aws: dict[str, str], handle: str = HANDLE) -> int:
    paginator = boto3.client("dynamodb").get_paginator("query")
    pages = paginator.paginate(
        TableName=aws["ModelsTable"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :s)",
        ExpressionAttributeValues={":pk": {"S": f"MODEL#{handle}"}, ":s": {"S": "SAMPLE#"}},
    )
    return sum(page["Count"] for page in pages)


def _counter(aws: dict[str, str], name: str) -> int:
    return int(_model_item(aws)[name]["N"])


def _problem(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    body: dict[str, Any] = reply.json()
    assert body["type"] == PROBLEMS + code
    assert body["status"] == status
    return body


@pytest.fixture
def model(api: GatewayClient) -> str:
    _create(api)
    return HANDLE


@pytest.fixture
def dynamodb_calls(api: GatewayClient, model: str) -> Iterator[list[str]]:
    """The DynamoDB operations the handlers make, recorded once the authorizer cache is warm."""
    assert api.get(SAMPLES).status == 200  # warms the authorizer cache for this key
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events = clients.dynamodb().meta.events
    events.register("before-call.dynamodb", record)
    yield calls
    events.unregister("before-call.dynamodb", record)


# --- POST ----------------------------------------------------------------------------------------


def test_add_returns_201_with_time_ordered_ids_and_the_samples_are_listed(
    api: GatewayClient, model: str
) -> None:
    body = {
        "samples": [
            {"text": "Crisp and clear.", "scores": {"Clarity": 0.9, "Flow": 0.7}},
            {"text": "Um, well…  ünïcödé 🚀", "scores": {"Flow": 0}},
            {"text": "x", "scores": {"Clarity": 1}},
        ]
    }
    reply = api.post(SAMPLES, body)
    assert reply.status == 201, reply.body
    ids = reply.json()["sample_ids"]
    assert len(ids) == 3
    assert len(set(ids)) == 3
    assert ids == sorted(ids)
    assert all(i.startswith("smp_") and len(i) == 32 for i in ids)
    listed = api.get(SAMPLES).json()
    assert listed["next_cursor"] is None
    assert [s["sample_id"] for s in listed["data"]] == ids
    assert [s["text"] for s in listed["data"]] == [s["text"] for s in body["samples"]]
    assert [s["scores"] for s in listed["data"]] == [s["scores"] for s in body["samples"]]
    assert all(s["created_at"].endswith("Z") for s in listed["data"])


def test_boundaries_are_accepted(api: GatewayClient, model: str) -> None:
    assert api.post(SAMPLES, _batch(0, 500)).status == 201
    long_text = {"samples": [{"text": "a" * 20_000, "scores": {"Clarity": 0.0, "Flow": 1.0}}]}
    assert api.post(SAMPLES, long_text).status == 201
    assert len(_all_samples(api)) == 501


def test_an_unknown_model_is_404(api: GatewayClient, model: str) -> None:
    _problem(api.post("/v1/models/acme.nope/samples", _batch(0, 1)), 404, "model-not-found")
    _problem(api.get("/v1/models/acme.nope/samples"), 404, "model-not-found")
    _problem(
        api.delete("/v1/models/acme.nope/samples/smp_0000000000000000000000000000"),
        404,
        "model-not-found",
    )


def test_another_namespaces_model_answers_like_a_missing_one(
    api: GatewayClient, model: str, other_key: str
) -> None:
    sample_id = api.post(SAMPLES, _batch(0, 1)).json()["sample_ids"][0]
    other = api.with_key(other_key)
    missing = other.post("/v1/models/acme.nope/samples", _batch(0, 1)).json()
    post = _problem(other.post(SAMPLES, _batch(0, 1)), 404, "model-not-found")
    assert post["detail"] == missing["detail"].replace("acme.nope", HANDLE)
    _problem(other.get(SAMPLES), 404, "model-not-found")
    _problem(other.delete(f"{SAMPLES}/{sample_id}"), 404, "model-not-found")
    assert len(_all_samples(api)) == 1


def test_a_malformed_handle_is_422(api: GatewayClient) -> None:
    body = _problem(
        api.post("/v1/models/Not_A_Handle/samples", _batch(0, 1)), 422, "validation-error"
    )
    assert body["errors"][0]["loc"] == ["path", "handle"]


def test_malformed_json_is_400(api: GatewayClient, model: str) -> None:
    _problem(api.request("POST", SAMPLES, raw=b'{"samples": ['), 400, "malformed-json")


def test_a_body_over_1_mib_is_413(api: GatewayClient, model: str) -> None:
    big = {"samples": [{"text": "a" * 20_000, "scores": {"Clarity": 0.5}} for _ in range(60)]}
    _problem(api.post(SAMPLES, big), 413, "payload-too-large")
    assert _all_samples(api) == []


@pytest.mark.parametrize(
    ("body", "loc", "error_type"),
    [
        ({"samples": []}, ["body", "samples"], "too_short"),
        (_batch(0, 501), ["body", "samples"], "too_long"),
        ({}, ["body", "samples"], "missing"),
        (
            {"samples": [{"text": "", "scores": {"Clarity": 0.5}}]},
            ["body", "samples", 0, "text"],
            "string_too_short",
        ),
        (
            {"samples": [{"text": "a" * 20_001, "scores": {"Clarity": 0.5}}]},
            ["body", "samples", 0, "text"],
            "string_too_long",
        ),
        (
            {"samples": [{"text": 5, "scores": {"Clarity": 0.5}}]},
            ["body", "samples", 0, "text"],
            "string_type",
        ),
        (
            {"samples": [_sample(0), {"text": "b", "scores": {"Clarity": 1.5}}]},
            ["body", "samples", 1, "scores", "Clarity"],
            "less_than_equal",
        ),
        (
            {"samples": [{"text": "b", "scores": {"Clarity": -0.1}}]},
            ["body", "samples", 0, "scores", "Clarity"],
            "greater_than_equal",
        ),
        (
            {"samples": [{"text": "b", "scores": {"Clarity": "0.5"}}]},
            ["body", "samples", 0, "scores", "Clarity"],
            "float_type",
        ),
        (
            {"samples": [{"text": "b", "scores": {"Clarity": True}}]},
            ["body", "samples", 0, "scores", "Clarity"],
            "float_type",
        ),
        (
            {"samples": [{"text": "b", "scores": {"Clarity": None}}]},
            ["body", "samples", 0, "scores", "Clarity"],
            "float_type",
        ),
        ({"samples": [{"text": "b", "scores": {}}]}, ["body", "samples", 0, "scores"], "too_short"),
        ({"samples": [{"text": "b"}]}, ["body", "samples", 0, "scores"], "missing"),
        (
            {"samples": [{"text": "b", "scores": {"Clarity": 0.5}, "label": "x"}]},
            ["body", "samples", 0, "label"],
            "extra_forbidden",
        ),
        ({"samples": [_sample(0)], "model": HANDLE}, ["body", "model"], "extra_forbidden"),
        ({"samples": ["text"]}, ["body", "samples", 0], "dict_type"),
        (["not", "an", "object"], ["body"], "object_type"),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(
    api: GatewayClient, model: str, body: Any, loc: list[Any], error_type: str
) -> None:
    problem = _problem(api.post(SAMPLES, body), 422, "validation-error")
    assert {"loc": loc, "type": error_type} in [
        {"loc": e["loc"], "type": e["type"]} for e in problem["errors"]
    ]
    assert _all_samples(api) == []


def test_a_non_finite_score_is_not_json_400(api: GatewayClient, model: str) -> None:
    raw = b'{"samples": [{"text": "b", "scores": {"Clarity": NaN}}]}'
    problem = _problem(api.request("POST", SAMPLES, raw=raw), 400, "malformed-json")
    assert "NaN" in problem["detail"]


def test_unknown_criteria_are_422_naming_sample_and_criterion(
    api: GatewayClient, model: str
) -> None:
    body = {
        "samples": [
            _sample(0),
            {"text": "b", "scores": {"Clarity": 0.5, "Tone": 0.1}},
            {"text": "c", "scores": {"clarity": 0.5}},
        ]
    }
    problem = _problem(api.post(SAMPLES, body), 422, "validation-error")
    assert [e["loc"] for e in problem["errors"]] == [
        ["body", "samples", 1, "scores", "Tone"],
        ["body", "samples", 2, "scores", "clarity"],
    ]
    assert all(e["type"] == "unknown_criterion" for e in problem["errors"])
    assert "Clarity, Flow" in problem["errors"][0]["msg"]
    assert _all_samples(api) == []


def test_an_archived_model_refuses_uploads_and_deletes_but_can_be_listed(
    api: GatewayClient, model: str
) -> None:
    sample_id = api.post(SAMPLES, _batch(0, 2)).json()["sample_ids"][0]
    assert api.delete(f"/v1/models/{HANDLE}").status == 200
    _problem(api.post(SAMPLES, _batch(2, 1)), 409, "model-archived")
    _problem(api.delete(f"{SAMPLES}/{sample_id}"), 409, "model-archived")
    assert len(_all_samples(api)) == 2


def test_zero_data_retention_refuses_uploads_and_lists_nothing(
    api: GatewayClient, model: str
) -> None:
    assert api.post(SAMPLES, _batch(0, 3)).status == 201
    assert api.patch(f"/v1/models/{HANDLE}", {"zero_data_retention": True}).status == 200
    problem = _problem(api.post(SAMPLES, _batch(3, 1)), 409, "zero-data-retention")
    assert problem["detail"] == (
        f"Model '{HANDLE}' has zero-data-retention on: submitted content is not retained, so "
        "samples cannot be stored. Turn it off with PATCH to add samples again."
    )
    assert api.get(SAMPLES).json() == {"data": [], "next_cursor": None}
    assert api.patch(f"/v1/models/{HANDLE}", {"zero_data_retention": False}).status == 200
    assert api.post(SAMPLES, _batch(3, 1)).status == 201


def test_a_model_created_with_zero_data_retention_refuses_uploads(
    api: GatewayClient, aws: dict[str, str]
) -> None:
    _create(api, "acme.private", zero_data_retention=True)
    path = "/v1/models/acme.private/samples"
    _problem(api.post(path, _batch(0, 1)), 409, "zero-data-retention")
    assert api.get(path).json() == {"data": [], "next_cursor": None}
    assert _stored_sample_count(aws, "acme.private") == 0


# --- Idempotency-Key -----------------------------------------------------------------------------


def test_an_idempotent_retry_replays_the_ids_and_stores_nothing_new(
    api: GatewayClient, model: str, aws: dict[str, str]
) -> None:
    headers = {"Idempotency-Key": "upload-1"}
    first = api.post(SAMPLES, _batch(0, 120), headers=headers)
    assert first.status == 201
    assert first.header("Idempotent-Replayed") is None
    again = api.post(SAMPLES, _batch(0, 120), headers=headers)
    assert again.status == 201
    assert again.header("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert [s["sample_id"] for s in _all_samples(api)] == first.json()["sample_ids"]
    assert _counter(aws, "sample_count") == 120
    _problem(api.post(SAMPLES, _batch(1, 120), headers=headers), 422, "idempotency-key-reused")


def test_idempotency_keys_are_scoped_to_the_model(api: GatewayClient, model: str) -> None:
    _create(api, "acme.second")
    headers = {"Idempotency-Key": "same-key"}
    assert api.post(SAMPLES, _batch(0, 1), headers=headers).status == 201
    reply = api.post("/v1/models/acme.second/samples", _batch(0, 1), headers=headers)
    assert reply.status == 201
    assert reply.header("Idempotent-Replayed") is None
    assert len(_all_samples(api, path="/v1/models/acme.second/samples")) == 1


def test_a_refused_upload_is_not_remembered_by_its_idempotency_key(
    api: GatewayClient, model: str
) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    body = {"samples": [{"text": "b", "scores": {"Tone": 0.5}}]}
    _problem(api.post(SAMPLES, body, headers=headers), 422, "validation-error")
    assert api.post(SAMPLES, _batch(0, 1), headers=headers).status == 201


# --- GET and pagination --------------------------------------------------------------------------


def test_pagination_covers_every_sample_once_in_insertion_order(
    api: GatewayClient, model: str
) -> None:
    ids: list[str] = []
    for start in range(0, 45, 15):
        ids += api.post(SAMPLES, _batch(start, 15)).json()["sample_ids"]
    pages = []
    cursor = None
    while True:
        query = "?limit=10" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(SAMPLES + query).json()
        pages.append(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [10, 10, 10, 10, 5]
    assert [s["sample_id"] for p in pages for s in p] == ids
    assert [s["text"] for p in pages for s in p] == [f"text {i}" for i in range(45)]


def test_the_default_page_is_20_and_an_exact_last_page_has_no_cursor(
    api: GatewayClient, model: str
) -> None:
    api.post(SAMPLES, _batch(0, 40))
    first = api.get(SAMPLES).json()
    assert len(first["data"]) == 20
    second = api.get(f"{SAMPLES}?cursor={first['next_cursor']}").json()
    assert len(second["data"]) == 20
    assert second["next_cursor"] is None


def test_600_samples_in_two_calls_are_listed_in_order(api: GatewayClient, model: str) -> None:
    first = api.post(SAMPLES, _batch(0, 300))
    second = api.post(SAMPLES, _batch(300, 300))
    assert first.status == second.status == 201
    ids = first.json()["sample_ids"] + second.json()["sample_ids"]
    listed = _all_samples(api, limit=100)
    assert [s["sample_id"] for s in listed] == ids
    assert [s["text"] for s in listed] == [f"text {i}" for i in range(600)]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("limit=0", "validation-error"),
        ("limit=101", "validation-error"),
        ("limit=ten", "validation-error"),
        ("cursor=not-a-cursor", "invalid-cursor"),
    ],
)
def test_bad_list_parameters_are_422(api: GatewayClient, model: str, query: str, code: str) -> None:
    _problem(api.get(f"{SAMPLES}?{query}"), 422, code)


def test_a_cursor_only_works_for_the_model_that_issued_it(api: GatewayClient, model: str) -> None:
    _create(api, "acme.second")
    api.post(SAMPLES, _batch(0, 3))
    cursor = api.get(f"{SAMPLES}?limit=1").json()["next_cursor"]
    problem = _problem(
        api.get(f"/v1/models/acme.second/samples?cursor={cursor}"), 422, "invalid-cursor"
    )
    assert problem["errors"][0]["loc"] == ["query", "cursor"]
    _create(api, "acme.third")
    models_cursor = api.get("/v1/models?limit=1").json()["next_cursor"]
    _problem(api.get(f"{SAMPLES}?cursor={models_cursor}"), 422, "invalid-cursor")


def test_an_empty_model_lists_nothing(api: GatewayClient, model: str) -> None:
    assert api.get(SAMPLES).json() == {"data": [], "next_cursor": None}


# --- DELETE --------------------------------------------------------------------------------------


def test_delete_answers_204_and_the_sample_is_gone(
    api: GatewayClient, model: str, aws: dict[str, str]
) -> None:
    ids = api.post(SAMPLES, _batch(0, 3)).json()["sample_ids"]
    reply = api.delete(f"{SAMPLES}/{ids[1]}")
    assert reply.status == 204
    assert reply.body == b""
    assert [s["sample_id"] for s in _all_samples(api)] == [ids[0], ids[2]]
    assert _counter(aws, "sample_count") == 2
    body = _problem(api.delete(f"{SAMPLES}/{ids[1]}"), 404, "sample-not-found")
    assert ids[1] in body["detail"]


def test_deleting_a_sample_of_another_model_is_404(api: GatewayClient, model: str) -> None:
    _create(api, "acme.second")
    sample_id = api.post(SAMPLES, _batch(0, 1)).json()["sample_ids"][0]
    _problem(api.delete(f"/v1/models/acme.second/samples/{sample_id}"), 404, "sample-not-found")
    assert len(_all_samples(api)) == 1


@pytest.mark.parametrize("sample_id", ["smp_xyz", "SMP_0000000000000000000000000000", "123"])
def test_a_malformed_sample_id_is_422(api: GatewayClient, model: str, sample_id: str) -> None:
    problem = _problem(api.delete(f"{SAMPLES}/{sample_id}"), 422, "validation-error")
    assert problem["errors"][0]["loc"] == ["path", "sample_id"]


def test_samples_can_be_deleted_while_zero_data_retention_is_on(
    api: GatewayClient, model: str
) -> None:
    sample_id = api.post(SAMPLES, _batch(0, 1)).json()["sample_ids"][0]
    assert api.patch(f"/v1/models/{HANDLE}", {"zero_data_retention": True}).status == 200
    assert api.delete(f"{SAMPLES}/{sample_id}").status == 204


# --- counters, ETag, races, call counts ----------------------------------------------------------


def test_counters_grow_by_the_samples_added_and_the_etag_does_not_change(
    api: GatewayClient, model: str, aws: dict[str, str]
) -> None:
    before = api.get(f"/v1/models/{HANDLE}")
    assert api.post(SAMPLES, _batch(0, 3)).status == 201
    assert api.post(SAMPLES, _batch(3, 150)).status == 201
    assert _counter(aws, "sample_count") == 153
    assert _counter(aws, "samples_since_version") == 153
    after = api.get(f"/v1/models/{HANDLE}")
    assert after.header("ETag") == before.header("ETag")
    assert after.json() == before.json()


@pytest.mark.parametrize(
    ("change", "code"),
    [({"zero_data_retention": True}, "zero-data-retention"), (None, "model-archived")],
)
def test_an_upload_racing_an_archive_or_zdr_patch_is_refused_with_nothing_written(
    api: GatewayClient,
    model: str,
    aws: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, Any] | None,
    code: str,
) -> None:
    """The model is read before the change lands and written after: the write's condition holds."""
    stale: Model | None = models_repo.get(HANDLE)
    if change is None:
        assert api.delete(f"/v1/models/{HANDLE}").status == 200
    else:
        assert api.patch(f"/v1/models/{HANDLE}", change).status == 200
    monkeypatch.setattr(models_repo, "get", lambda handle: stale)
    _problem(api.post(SAMPLES, _batch(0, 150)), 409, code)
    assert _stored_sample_count(aws) == 0
    # (Turning zero-data-retention on resets the counter to 0: the upload added nothing to it.)
    assert _model_item(aws).get("sample_count", {"N": "0"}) == {"N": "0"}


def test_an_archive_between_two_transactions_of_one_upload_leaves_nothing(
    api: GatewayClient, model: str, aws: dict[str, str]
) -> None:
    """Archived after the first 99 samples commit: those are taken back, the upload is a 409."""
    transactions = 0

    def archive_after_first(model: Any, **_: Any) -> None:
        nonlocal transactions
        if model.name == "TransactWriteItems":
            transactions += 1
            if transactions == 1:
                models_repo.archive(HANDLE, "acme", None, "2026-01-01T00:00:00.000Z")

    events = clients.dynamodb().meta.events
    events.register("after-call.dynamodb", archive_after_first)
    try:
        reply = api.post(SAMPLES, _batch(0, 150))
    finally:
        events.unregister("after-call.dynamodb", archive_after_first)
    _problem(reply, 409, "model-archived")
    assert transactions == 3  # first chunk, refused second chunk, the undo
    assert _stored_sample_count(aws) == 0
    assert _counter(aws, "sample_count") == 0
    assert _counter(aws, "samples_since_version") == 0


def test_post_of_150_samples_is_one_read_and_two_transactions(
    api: GatewayClient, dynamodb_calls: list[str]
) -> None:
    assert api.post(SAMPLES, _batch(0, 150)).status == 201
    assert dynamodb_calls == ["GetItem", "TransactWriteItems", "TransactWriteItems"]


def test_post_of_99_samples_is_one_transaction(
    api: GatewayClient, dynamodb_calls: list[str]
) -> None:
    assert api.post(SAMPLES, _batch(0, 99)).status == 201
    assert dynamodb_calls == ["GetItem", "TransactWriteItems"]


def test_a_refused_post_reads_once_and_writes_nothing(
    api: GatewayClient, dynamodb_calls: list[str]
) -> None:
    body = {"samples": [{"text": "b", "scores": {"Tone": 0.5}}]}
    assert api.post(SAMPLES, body).status == 422
    assert dynamodb_calls == ["GetItem"]


def test_get_is_one_read_and_one_query(api: GatewayClient, dynamodb_calls: list[str]) -> None:
    assert api.get(SAMPLES).status == 200
    assert dynamodb_calls == ["GetItem", "Query"]


def test_delete_is_one_transaction(api: GatewayClient, dynamodb_calls: list[str]) -> None:
    sample_id = api.post(SAMPLES, _batch(0, 1)).json()["sample_ids"][0]
    dynamodb_calls.clear()
    assert api.delete(f"{SAMPLES}/{sample_id}").status == 204
    assert dynamodb_calls == ["TransactWriteItems"]
    dynamodb_calls.clear()
    assert api.delete(f"{SAMPLES}/{sample_id}").status == 404
    assert dynamodb_calls == ["TransactWriteItems"]


def test_the_response_is_json(api: GatewayClient, model: str) -> None:
    reply = api.post(SAMPLES, _batch(0, 1))
    assert reply.header("Content-Type") == "application/json"
    assert json.loads(reply.body)["sample_ids"]


def test_a_conflict_midway_is_a_503_with_retry_after_and_leaves_nothing(
    api: GatewayClient, model: str, aws: dict[str, str]
) -> None:
    """The second transaction hits a concurrent write: the first is taken back; retry is safe."""
    transactions = 0

    def conflict_on_second(model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        nonlocal transactions
        if model.name != "TransactWriteItems":
            return None
        transactions += 1
        if transactions != 2:
            return None
        return AWSResponse("https://dynamodb", 400, HTTPHeaders(), None), {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": "TransactionConflict"}],
        }

    events = clients.dynamodb().meta.events
    hook = event_hook(conflict_on_second)
    events.register("before-call.dynamodb", hook)
    try:
        reply = api.post(SAMPLES, _batch(0, 150), headers={"Idempotency-Key": "k"})
    finally:
        events.unregister("before-call.dynamodb", hook)
    _problem(reply, 503, "service-unavailable")
    assert reply.header("Retry-After") == "1"
    assert _stored_sample_count(aws) == 0
    retry = api.post(SAMPLES, _batch(0, 150), headers={"Idempotency-Key": "k"})
    assert retry.status == 201
    assert retry.header("Idempotent-Replayed") is None
    assert _stored_sample_count(aws) == 150
