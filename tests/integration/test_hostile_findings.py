"""One test per finding of the hostile-input run (issue 12), through the gateway into the real
handlers: each request here was a 500, or was accepted when the contract refuses it. Each also
checks that the refused request changed nothing.
"""

from __future__ import annotations

from base64 import urlsafe_b64encode
from typing import Any

import pytest

from tests.helpers import GatewayClient, Reply
from tests.integration.run_helpers import PATH, TRAIN, create, problem, started
from u22a8.data import models_repo

BIG_INT = b"9" * 4301
DEEP = b'{"a":' * 1500 + b"1" + b"}" * 1500
# Every route that reads a body, with a body it would accept.
BODY_ROUTES: list[tuple[str, str, bytes]] = [
    ("POST", "/v1/models", b'{"handle": "acme.new", "criteria": ["A"]}'),
    ("PATCH", PATH, b'{"description": "d"}'),
    ("POST", f"{PATH}/samples", b'{"samples": [{"text": "t", "scores": {"Clarity": 1}}]}'),
    ("POST", TRAIN, b'{"effort": "low"}'),
    ("PUT", f"{PATH}/tags/prod", b'{"version": 1}'),
    ("POST", f"{PATH}/score", b'{"texts": ["t"]}'),
]
LIST_ROUTES = ["/v1/models", f"{PATH}/runs", f"{PATH}/samples", f"{PATH}/versions"]
IF_MATCH_ROUTES = [("PATCH", PATH, b"{}"), ("DELETE", PATH, b""), ("POST", TRAIN, b"{}")]


@pytest.fixture
def model(api: GatewayClient) -> dict[str, Any]:
    return create(api)


JSON = {"Content-Type": "application/json"}


def _send(
    api: GatewayClient, method: str, path: str, raw: bytes, headers: dict[str, str] | None = None
) -> Reply:
    """The request with exactly ``headers`` (JSON when not given) and the key."""
    sent = {"Authorization": f"Bearer {api.key}", **(JSON if headers is None else headers)}
    reply = api.gateway.handle(method, path, sent, raw, {})
    return Reply(reply.status, reply.headers, reply.body)


def _unchanged(before: Any) -> None:
    """The model is exactly as it was, and no other model was created."""
    assert models_repo.get("acme.m") == before
    assert models_repo.get("acme.new") is None


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize(("method", "path", "_valid"), BODY_ROUTES)
@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (DEEP, "deeper than 32"),
        (b'{"n": ' + BIG_INT + b"}", "4301 characters"),
        (b'{"handle": "acme.a", "handle": "acme.b"}', "appears twice"),
        ('{"texts": ["t"]}'.encode("utf-16"), "not valid UTF-8"),
        (b'{"texts": ["\\udc00"]}', "unpaired surrogate"),
    ],
)
def test_a_body_that_is_not_strict_json_is_400_saying_why(
    api: GatewayClient, method: str, path: str, _valid: bytes, raw: bytes, says: str
) -> None:
    before = models_repo.get("acme.m")
    body = problem(_send(api, method, path, raw), 400, "malformed-json")
    assert says in body["detail"]
    _unchanged(before)


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize(("method", "path", "valid"), BODY_ROUTES)
@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}],
)
def test_a_body_of_another_media_type_or_none_is_415(
    api: GatewayClient, method: str, path: str, valid: bytes, headers: dict[str, str]
) -> None:
    before = models_repo.get("acme.m")
    body = problem(_send(api, method, path, valid, headers), 415, "unsupported-media-type")
    assert "application/json" in body["detail"]
    _unchanged(before)


@pytest.mark.usefixtures("model")
def test_merge_patch_json_is_read_by_patch_only(api: GatewayClient) -> None:
    merge_patch = {"Content-Type": "application/merge-patch+json; charset=utf-8"}
    assert _send(api, "PATCH", PATH, b'{"description": "d"}', merge_patch).status == 200
    before = models_repo.get("acme.m")
    reply = _send(api, "PUT", f"{PATH}/tags/prod", b'{"version": 1}', merge_patch)
    problem(reply, 415, "unsupported-media-type")
    _unchanged(before)


@pytest.mark.usefixtures("model")
def test_an_empty_body_needs_no_media_type(api: GatewayClient) -> None:
    run_id = started(_send(api, "POST", TRAIN, b"", {}))
    assert run_id.startswith("run_")


@pytest.mark.usefixtures("model")
def test_duplicate_keys_create_nothing(api: GatewayClient) -> None:
    raw = b'{"handle": "acme.a", "handle": "acme.b", "criteria": ["A"]}'
    problem(_send(api, "POST", "/v1/models", raw), 400, "malformed-json")
    assert models_repo.get("acme.a") is None
    assert models_repo.get("acme.b") is None


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize(("method", "path", "raw"), IF_MATCH_ROUTES)
@pytest.mark.parametrize(
    "if_match", ['"²"', '"' + "9" * 4301 + '"', "garbage", 'W/"1"', "1", '"1", "2"']
)
def test_an_if_match_this_server_never_issued_is_an_honest_412(
    api: GatewayClient, method: str, path: str, raw: bytes, if_match: str
) -> None:
    before = models_repo.get("acme.m")
    reply = _send(api, method, path, raw, {**JSON, "If-Match": if_match})
    body = problem(reply, 412, "precondition-failed")
    assert "not an ETag this server issued" in body["detail"]
    assert "has changed" not in body["detail"]
    _unchanged(before)


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize(("method", "path", "raw"), IF_MATCH_ROUTES)
def test_a_revision_ahead_of_the_model_is_412_never_issued(
    api: GatewayClient, method: str, path: str, raw: bytes
) -> None:
    before = models_repo.get("acme.m")
    reply = _send(api, method, path, raw, {**JSON, "If-Match": '"99"'})
    body = problem(reply, 412, "precondition-failed")
    assert "never issued" in body["detail"]
    _unchanged(before)


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("path", LIST_ROUTES)
@pytest.mark.parametrize("limit", ["²", "１", "1.5", "1" * 4301, "٣"])  # noqa: RUF001
def test_a_limit_that_is_not_ascii_digits_is_422_on_every_listing(
    api: GatewayClient, path: str, limit: str
) -> None:
    body = problem(api.get(f"{path}?limit={limit}"), 422, "validation-error")
    assert body["errors"][0]["loc"] == ["query", "limit"]


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("path", LIST_ROUTES)
def test_an_edited_cursor_is_422_invalid_cursor_on_every_listing(
    api: GatewayClient, path: str
) -> None:
    forged = urlsafe_b64encode(b'{"pk": "MODEL#acme.m", "sk": {"N": "1"}}').decode().rstrip("=")
    for cursor in (forged, "not-a-cursor", "A" * 2000):
        problem(api.get(f"{path}?cursor={cursor}"), 422, "invalid-cursor")
