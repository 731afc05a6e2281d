"""Authentication (the real TOKEN authorizer behind the gateway), tenant isolation, and the
operator CLI (``python -m u22a8.cli keys ...``) run against the stack's moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import Api, LocalStack, assert_problem, new_handle

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer u22a8_thiskeywasneverissued0000000000000000000000",
        "Basic dXNlcjpwYXNz",
    ],
    ids=["missing", "unknown", "not-bearer"],
)
def test_requests_without_a_valid_key_are_401_bearer_problems(
    stack: LocalStack, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = Api(stack.url, None).get("/v1/models", headers=headers)
    problem = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "Bearer" in problem["detail"]


def _same_problem(left: dict[str, Any], right: dict[str, Any], handles: tuple[str, str]) -> None:
    """Equal but for the request id and the handle each one names."""
    normalized = [
        json.dumps({**p, "request_id": None}).replace(handle, "<handle>")
        for p, handle in zip((left, right), handles, strict=True)
    ]
    assert normalized[0] == normalized[1]


def test_another_namespaces_model_is_exactly_like_a_missing_one(
    api: Api, globex: Api, stack: LocalStack
) -> None:
    theirs = api.create_model(stack.namespace, description="not for globex")
    missing = new_handle(stack.namespace)

    for method, body in (("GET", None), ("PATCH", {"description": "mine"}), ("DELETE", None)):
        hidden = globex.request(method, f"/v1/models/{theirs['handle']}", body)
        absent = globex.request(method, f"/v1/models/{missing}", body)
        _same_problem(
            assert_problem(hidden, 404),
            assert_problem(absent, 404),
            (theirs["handle"], missing),
        )
        assert hidden.headers.keys() == absent.headers.keys()

    assert api.get(f"/v1/models/{theirs['handle']}").json() == theirs
    assert theirs["handle"] not in [m["handle"] for m in globex.get("/v1/models").json()["data"]]


def test_keys_issued_listed_and_revoked_through_the_cli(stack: LocalStack) -> None:
    """A revoked key that was never used is refused at once.

    (A key used before its revocation keeps working until the gateway's cached authorizer answer
    expires, ``AuthorizerCacheTtlSeconds``, exactly as on API Gateway; see the next test.)
    """
    key_id, key = stack.issue_key("initech")
    listed = stack.cli("keys", "list", "--namespace", "initech", "--json")
    assert listed.returncode == 0, listed.stderr
    records = {r["key_id"]: r for r in map(json.loads, listed.stdout.splitlines())}
    assert records[key_id]["namespace"] == "initech"
    assert records[key_id]["revoked_at"] is None
    assert key not in listed.stdout  # only ids and hashes are stored, never the key

    revoked = stack.cli("keys", "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    relisted = stack.cli("keys", "list", "--namespace", "initech", "--json")
    records = {r["key_id"]: r for r in map(json.loads, relisted.stdout.splitlines())}
    assert records[key_id]["revoked_at"] is not None

    response = Api(stack.url, key).get("/v1/models")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"

    unknown = stack.cli("keys", "revoke", "key_doesnotexist")
    assert unknown.returncode == 1
    assert "no key" in unknown.stderr


def test_a_revoked_key_works_until_the_cached_authorization_expires(stack: LocalStack) -> None:
    """API Gateway caches the authorizer's answer per key for ``AuthorizerCacheTtlSeconds``
    (300 s by default): a revocation takes effect for a key in use only when that expires. The
    local gateway behaves the same, which this pins down (and the README should say)."""
    key_id, key = stack.issue_key("umbrella")
    client = Api(stack.url, key)
    assert client.get("/v1/models").status_code == 200
    assert stack.cli("keys", "revoke", key_id).returncode == 0
    assert client.get("/v1/models").status_code == 200
