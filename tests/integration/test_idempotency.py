"""Idempotency-Key on POST /v1/models: replay, conflicts, scoping and concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from tests.helpers import GatewayClient, Reply
from u22a8.api import idempotency
from u22a8.config import get_settings
from u22a8.data import models_repo
from u22a8.entities.errors import RequestInProgress

BODY = {"handle": "acme.m", "criteria": ["Clarity"]}


def _post(api: GatewayClient, key: str | None, body: Any = None) -> Reply:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post("/v1/models", BODY if body is None else body, headers=headers)


def _comparable_headers(reply: Reply) -> dict[str, str]:
    return {
        k: v
        for k, v in reply.headers.items()
        if k.lower() not in ("x-amzn-requestid", "idempotent-replayed")
    }


def _models_in_table() -> int:
    return boto3.client("dynamodb").scan(TableName=get_settings().models_table)["Count"]


def test_a_retry_replays_the_first_response(api: GatewayClient) -> None:
    first = _post(api, "key-1")
    assert first.status == 201
    assert first.header("Idempotent-Replayed") is None
    stored = models_repo.get("acme.m")

    replay = _post(api, "key-1")
    assert replay.status == 201
    assert replay.header("Idempotent-Replayed") == "true"
    assert replay.json() == first.json()
    assert _comparable_headers(replay) == _comparable_headers(first)
    assert replay.header("Location") == f"/{api.gateway.stage}/v1/models/acme.m"
    assert replay.header("ETag") == '"1"'
    # Nothing new was created or written.
    assert models_repo.get("acme.m") == stored
    assert _models_in_table() == 1


def test_the_replay_is_the_first_response_even_after_the_model_changed(
    api: GatewayClient,
) -> None:
    first = _post(api, "key-1")
    assert api.patch("/v1/models/acme.m", {"description": "later"}).status == 200
    replay = _post(api, "key-1")
    assert replay.json() == first.json()
    assert models_repo.get("acme.m").revision == 2  # type: ignore[union-attr]


def test_without_a_key_a_retry_is_a_new_request(api: GatewayClient) -> None:
    assert _post(api, None).status == 201
    reply = _post(api, None)
    assert reply.status == 409
    assert reply.header("Idempotent-Replayed") is None


def test_the_same_key_with_a_different_body_is_422(api: GatewayClient) -> None:
    assert _post(api, "key-1").status == 201
    stored = models_repo.get("acme.m")
    reply = _post(api, "key-1", {"handle": "acme.other", "criteria": ["Clarity"]})
    assert reply.status == 422
    assert reply.json()["type"] == "https://u22a8.ai/problems/idempotency-key-reused"
    assert models_repo.get("acme.other") is None
    assert models_repo.get("acme.m") == stored


def test_a_key_over_255_characters_is_422(api: GatewayClient) -> None:
    reply = _post(api, "k" * 256)
    assert reply.status == 422
    assert reply.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert models_repo.get("acme.m") is None
    assert _post(api, "k" * 255).status == 201


@pytest.mark.parametrize("key", ["", "has space", "tab\tkey"])
def test_keys_that_are_not_visible_ascii_are_422(api: GatewayClient, key: str) -> None:
    assert _post(api, key).status == 422
    assert models_repo.get("acme.m") is None


def test_the_same_key_in_another_namespace_is_independent(
    api: GatewayClient, other_key: str
) -> None:
    assert _post(api, "shared-key").status == 201
    other = api.with_key(other_key)
    reply = _post(other, "shared-key", {"handle": "globex.m", "criteria": ["Clarity"]})
    assert reply.status == 201
    assert reply.header("Idempotent-Replayed") is None
    assert models_repo.get("globex.m") is not None


def test_a_failed_request_is_not_stored_so_the_key_can_be_retried(api: GatewayClient) -> None:
    bad = _post(api, "key-1", {"handle": "acme.m", "criteria": []})
    assert bad.status == 422
    assert _post(api, "key-1", {"handle": "acme.m", "criteria": []}).status == 422
    fixed = _post(api, "key-1")
    assert fixed.status == 201
    assert fixed.header("Idempotent-Replayed") is None


def test_a_conflict_is_not_replayed_as_success(api: GatewayClient) -> None:
    assert _post(api, None).status == 201
    assert _post(api, "key-1").status == 409
    assert _post(api, "key-1").status == 409


def test_malformed_json_with_a_key_is_400(api: GatewayClient) -> None:
    reply = api.post("/v1/models", raw=b"{", headers={"Idempotency-Key": "key-1"})
    assert reply.status == 400
    assert _post(api, "key-1").status == 201


def test_concurrent_retries_create_exactly_one_model(api: GatewayClient) -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda _: _post(api, "race-key"), range(10)))
    statuses = sorted(r.status for r in replies)
    fresh = [r for r in replies if r.status == 201 and r.header("Idempotent-Replayed") is None]
    assert len(fresh) == 1, statuses
    for reply in replies:
        if reply.status == 201:
            assert reply.json() == fresh[0].json()
        else:  # still in progress when it arrived: retry later, nothing was done twice
            assert reply.status == 409, reply.body
            assert reply.json()["type"] == "https://u22a8.ai/problems/request-in-progress"
    assert _models_in_table() == 1
    assert models_repo.get("acme.m").revision == 1  # type: ignore[union-attr]


# Without a Lambda context on purpose: Powertools warns it cannot tell the remaining time.
@pytest.mark.filterwarnings("ignore:Couldn't determine the remaining time left:UserWarning")
@pytest.mark.usefixtures("aws")
def test_run_once_works_outside_lambda_too() -> None:
    calls: list[int] = []

    def operation() -> idempotency.StoredResponse:
        calls.append(1)
        return {"status": 201, "body": {"n": len(calls)}, "headers": {}}

    first = idempotency.run_once("k", "acme:op", {"a": 1}, operation, None)
    again = idempotency.run_once("k", "acme:op", {"a": 1}, operation, None)
    assert calls == [1]
    assert first["body"] == again["body"] == {"n": 1}
    assert again["headers"] == {"Idempotent-Replayed": "true"}
    other_scope = idempotency.run_once("k", "globex:op", {"a": 1}, operation, None)
    assert other_scope["body"] == {"n": 2}


# Without a Lambda context on purpose: Powertools warns it cannot tell the remaining time.
@pytest.mark.filterwarnings("ignore:Couldn't determine the remaining time left:UserWarning")
@pytest.mark.usefixtures("aws")
def test_a_retry_while_the_first_request_still_runs_is_409_in_progress() -> None:
    nested: list[Exception] = []

    def operation() -> idempotency.StoredResponse:
        try:  # the client retries before the first attempt has answered
            idempotency.run_once("k", "acme:op", {"a": 1}, operation, None)
        except Exception as exc:
            nested.append(exc)
        return {"status": 201, "body": {}, "headers": {}}

    assert idempotency.run_once("k", "acme:op", {"a": 1}, operation, None)["status"] == 201
    (error,) = nested
    assert isinstance(error, RequestInProgress)
