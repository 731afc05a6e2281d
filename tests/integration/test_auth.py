"""Authentication at the gateway: the TOKEN authorizer and the 401 gateway response."""

from __future__ import annotations

import pytest

from local.gateway import Gateway
from tests.helpers import GatewayClient, Reply
from u22a8.data import models_repo
from u22a8.domain.keys_service import authenticate, issue_key, revoke_key


def _assert_401(reply: Reply) -> None:
    assert reply.status == 401, reply.body
    assert reply.header("WWW-Authenticate") == "Bearer"
    assert reply.header("Content-Type") == "application/problem+json"
    body = reply.json()
    assert body["type"] == "https://u22a8.ai/problems/unauthorized"
    assert body["status"] == 401
    assert body["request_id"] == reply.header("x-amzn-RequestId")


REQUESTS = [
    ("GET", "/v1/models", None),
    ("GET", "/v1/models/acme.m", None),
    ("POST", "/v1/models", {"handle": "acme.new", "criteria": ["c"]}),
    ("PATCH", "/v1/models/acme.m", {"description": "x"}),
    ("DELETE", "/v1/models/acme.m", None),
]


@pytest.fixture
def existing(api: GatewayClient) -> None:
    assert api.post("/v1/models", {"handle": "acme.m", "criteria": ["c"]}).status == 201


@pytest.mark.usefixtures("existing")
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer u22a8_not-a-key",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer a b",
        "u22a8_no-scheme",
    ],
)
def test_missing_unknown_or_malformed_keys_are_401_and_change_nothing(
    gateway: Gateway, authorization: str | None
) -> None:
    before = models_repo.get("acme.m")
    headers = {} if authorization is None else {"Authorization": authorization}
    client = GatewayClient(gateway, None)
    for method, path, body in REQUESTS:
        reply = client.request(method, path, body, headers=headers)
        assert reply.status == 401, (method, path, reply.body)
        _assert_401(reply)
    assert models_repo.get("acme.m") == before
    assert models_repo.get("acme.new") is None


def test_the_bearer_scheme_is_case_insensitive(gateway: Gateway, acme_key: str) -> None:
    client = GatewayClient(gateway, None)
    assert client.get("/v1/models", headers={"Authorization": f"bearer {acme_key}"}).status == 200


def test_a_revoked_key_is_refused_once_the_authorizer_cache_expires(
    gateway: Gateway, acme_key: str
) -> None:
    client = GatewayClient(gateway, acme_key)
    assert client.get("/v1/models").status == 200
    record = authenticate(f"Bearer {acme_key}")
    assert record is not None
    assert revoke_key(record.key_id) is not None
    gateway.flush_authorizer_cache()
    _assert_401(client.get("/v1/models"))


def test_each_key_sees_only_its_namespace(gateway: Gateway) -> None:
    first = GatewayClient(gateway, issue_key("acme").key)
    second = GatewayClient(gateway, issue_key("acme").key)
    other = GatewayClient(gateway, issue_key("globex").key)
    assert first.post("/v1/models", {"handle": "acme.shared", "criteria": ["c"]}).status == 201
    assert second.get("/v1/models/acme.shared").status == 200
    assert other.get("/v1/models/acme.shared").status == 404
    assert other.get("/v1/models").json()["data"] == []


def test_a_bad_key_is_401_without_an_authorizer_error_and_its_deny_is_cached(
    gateway: Gateway,
) -> None:
    """The authorizer answers a bad key with a Deny (not an exception, which Lambda would count
    in the Errors metric its alarm watches); API Gateway caches that answer per token like an
    Allow, and its ACCESS_DENIED response is the template's 401 problem."""
    authorizer = gateway.pools[gateway.authorizer.function]
    client = GatewayClient(gateway, "u22a8_not-a-key")
    for method, path, body in REQUESTS:
        _assert_401(client.request(method, path, body))
    assert authorizer.errors == 0
    assert authorizer.invocations == 1
