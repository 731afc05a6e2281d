"""The shared HTTP edge: body parsing, error collection and the resolver's error mapping.

A resolver from ``make_resolver`` is driven with hand-made API Gateway proxy events: no AWS.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.helpers import lambda_context
from u22a8.api import http
from u22a8.api.powertools_rest import APIGatewayRestResolver, Response
from u22a8.api.schemas import PATCH_MODEL_BODY
from u22a8.entities import errors


def _event(
    method: str = "POST",
    path: str = "/t",
    body: str | None = None,
    *,
    base64_encoded: bool = False,
    headers: dict[str, str] | None = None,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"} if headers is None else headers,
        "multiValueHeaders": None,
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": "req-123",
            "accountId": "123456789012",
            "apiId": "local",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"namespace": "acme"} if authorizer is None else authorizer,
        },
        "body": body,
        "isBase64Encoded": base64_encoded,
    }


@pytest.fixture
def app() -> APIGatewayRestResolver:
    app = http.make_resolver()

    @app.post("/t")
    def echo() -> Response[str]:
        return http.json_response(200, {"body": http.json_body(app)})

    @app.get("/who")
    def who() -> Response[str]:
        return http.json_response(
            200,
            {"namespace": http.caller_namespace(app), "if_match": http.header(app, "If-Match")},
        )

    @app.get("/crash")
    def crash() -> Response[str]:
        raise RuntimeError("secret internals /var/task/app.py line 3")

    @app.get("/refuse")
    def refuse() -> Response[str]:
        raise errors.ServiceBusy(retry_after_s=2)

    return app


def _call(app: APIGatewayRestResolver, event: dict[str, Any]) -> tuple[int, dict[str, Any], Any]:
    result = app.resolve(event, lambda_context("unit"))
    headers = dict(result.get("headers") or {})
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key] = ", ".join(values)
    return result["statusCode"], headers, json.loads(result["body"])


# --- json_body ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "parsed"), [(None, {}), ("", {}), ("  \n", {}), ("[1]", [1])])
def test_json_body(app: APIGatewayRestResolver, raw: str | None, parsed: Any) -> None:
    status, _, body = _call(app, _event(body=raw))
    assert status == 200
    assert body == {"body": parsed}


def test_base64_body_is_decoded(app: APIGatewayRestResolver) -> None:
    raw = base64.b64encode(json.dumps({"a": "é"}).encode()).decode()
    status, _, body = _call(app, _event(body=raw, base64_encoded=True))
    assert (status, body) == (200, {"body": {"a": "é"}})


@pytest.mark.parametrize(
    ("raw", "base64_encoded"),
    [
        ("{", False),
        ("{'a': 1}", False),
        ("nan-ish", False),
        ("not base64!", True),
        (base64.b64encode(b"\xff\xfe{}").decode(), True),  # base64 of bytes that are not UTF-8
    ],
)
def test_malformed_bodies_are_400(
    app: APIGatewayRestResolver, raw: str, base64_encoded: bool
) -> None:
    status, headers, body = _call(app, _event(body=raw, base64_encoded=base64_encoded))
    assert status == 400
    assert headers["Content-Type"] == "application/problem+json"
    assert body["type"] == "https://u22a8.ai/problems/malformed-json"
    assert body["request_id"] == "req-123"


def test_body_limit_is_one_mebibyte(app: APIGatewayRestResolver) -> None:
    at_limit = "{}" + " " * (http.MAX_BODY_BYTES - 2)
    assert _call(app, _event(body=at_limit))[0] == 200
    status, _, body = _call(app, _event(body=at_limit + " "))
    assert status == 413
    assert body["type"] == "https://u22a8.ai/problems/payload-too-large"


def test_body_limit_counts_bytes_not_characters(app: APIGatewayRestResolver) -> None:
    # 'é' is two bytes in UTF-8: half a mebibyte of characters is over the limit.
    text = json.dumps({"d": "é" * (http.MAX_BODY_BYTES // 2)}, ensure_ascii=False)
    assert len(text) < http.MAX_BODY_BYTES
    assert _call(app, _event(body=text))[0] == 413


# --- resolver error mapping ---------------------------------------------------------------------


def test_unexpected_exception_is_a_500_problem_without_internals(
    app: APIGatewayRestResolver,
) -> None:
    status, headers, body = _call(app, _event("GET", "/crash"))
    assert status == 500
    assert headers["Content-Type"] == "application/problem+json"
    assert body["type"] == "https://u22a8.ai/problems/internal-error"
    assert body["request_id"] == "req-123"
    text = json.dumps(body)
    assert "secret" not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text


def test_domain_error_headers_reach_the_response(app: APIGatewayRestResolver) -> None:
    status, headers, body = _call(app, _event("GET", "/refuse"))
    assert status == 503
    assert headers["Retry-After"] == "2"
    assert body["status"] == 503


def test_unknown_route_is_a_404_problem(app: APIGatewayRestResolver) -> None:
    status, headers, body = _call(app, _event("GET", "/nowhere"))
    assert status == 404
    assert headers["Content-Type"] == "application/problem+json"
    assert body["type"] == "https://u22a8.ai/problems/not-found"


def test_caller_namespace_and_case_insensitive_headers(app: APIGatewayRestResolver) -> None:
    status, _, body = _call(app, _event("GET", "/who", headers={"if-match": '"3"'}))
    assert status == 200
    assert body == {"namespace": "acme", "if_match": '"3"'}
    status, _, body = _call(app, _event("GET", "/who", headers=None))
    assert body == {"namespace": "acme", "if_match": None}


@pytest.mark.parametrize("authorizer", [{}, {"namespace": ""}, {"principalId": "key_x"}])
def test_missing_authorizer_namespace_is_a_500_never_a_default_tenant(
    app: APIGatewayRestResolver, authorizer: dict[str, Any]
) -> None:
    status, _, body = _call(app, _event("GET", "/who", authorizer=authorizer))
    assert status == 500
    assert body["type"] == "https://u22a8.ai/problems/internal-error"


# --- parse_body ---------------------------------------------------------------------------------


def _invalid(payload: Any, read_only: dict[str, str] | None = None) -> errors.InvalidInput:
    with pytest.raises(errors.InvalidInput) as caught:
        http.parse_body(payload, PATCH_MODEL_BODY, read_only)
    return caught.value


def test_parse_body_accepts_a_valid_object() -> None:
    assert http.parse_body({"description": "x"}, PATCH_MODEL_BODY) == {"description": "x"}


@pytest.mark.parametrize("payload", [[], [{"description": "x"}], "x", 1, None, True])
def test_parse_body_requires_an_object(payload: Any) -> None:
    error = _invalid(payload)
    assert [(e.loc, e.type) for e in error.errors] == [(("body",), "object_type")]


def test_parse_body_collects_every_error_at_once() -> None:
    error = _invalid(
        {
            "state": "ready",
            "foo": 1,
            "bar": None,
            "description": 5,
            "zero_data_retention": "true",
            "auto_prune": {"keep_unnamed": -1, "keep_first_of_month": "yes", "extra": 1},
        },
        {"state": "read-only: use train or DELETE"},
    )
    by_loc = {e.loc: e for e in error.errors}
    assert set(by_loc) == {
        ("body", "state"),
        ("body", "foo"),
        ("body", "bar"),
        ("body", "description"),
        ("body", "zero_data_retention"),
        ("body", "auto_prune", "keep_unnamed"),
        ("body", "auto_prune", "keep_first_of_month"),
        ("body", "auto_prune", "extra"),
    }
    assert by_loc[("body", "state")].type == "read_only"
    assert by_loc[("body", "state")].msg == "read-only: use train or DELETE"
    assert by_loc[("body", "foo")].msg == "unknown field"
    assert by_loc[("body", "foo")].type == "extra_forbidden"
    assert by_loc[("body", "auto_prune", "extra")].msg == "unknown field"
    for name in ("state", "foo", "bar", "description", "auto_prune.keep_unnamed"):
        assert name in error.detail


def test_read_only_fields_alone_are_refused() -> None:
    error = _invalid({"state": "ready"}, {"state": "use train"})
    assert [(e.loc, e.msg) for e in error.errors] == [(("body", "state"), "use train")]
    assert error.detail == "Invalid fields: state."


def test_json_response() -> None:
    response = http.json_response(201, {"a": 1}, {"ETag": '"1"'})
    assert response.status_code == 201
    assert response.body == '{"a":1}'
    assert response.headers["ETag"] == '"1"'
    assert http.json_response(200, []).body == "[]"
