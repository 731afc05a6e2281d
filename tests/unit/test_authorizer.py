"""The TOKEN authorizer: one policy for the whole stage, and API Gateway's 401 contract."""

from __future__ import annotations

import io
import json

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.authorizer import app as authorizer
from local.gateway import _allows
from tests.helpers import lambda_context
from u22a8.domain.keys_service import Principal
from u22a8.observability import logger

METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/v1/models/acme.m"


def _event(token: str | None = "Bearer u22a8_k", method_arn: str = METHOD_ARN) -> dict[str, str]:
    event = {"type": "TOKEN", "methodArn": method_arn}
    if token is not None:
        event["authorizationToken"] = token
    return event


def _context() -> LambdaContext:
    return lambda_context("AuthorizerFunction")


@pytest.fixture
def known_key(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    seen: list[str | None] = []

    def authenticate(header: str | None) -> Principal | None:
        seen.append(header)
        if header == "Bearer u22a8_k":
            return Principal(key_id="key_0123456789abcdef", namespace="acme")
        return None

    monkeypatch.setattr(authorizer, "authenticate", authenticate)
    return seen


def test_allows_every_route_of_the_stage(known_key: list[str | None]) -> None:
    result = authorizer.handler(_event(), _context())
    assert known_key == ["Bearer u22a8_k"]
    assert result["principalId"] == "key_0123456789abcdef"
    assert result["context"] == {"namespace": "acme", "key_id": "key_0123456789abcdef"}
    (statement,) = result["policyDocument"]["Statement"]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*",
    }
    # The cached policy must also cover the key's other requests (API Gateway reuses it).
    prefix = "arn:aws:execute-api:us-east-1:123456789012:abc123"
    for other in (
        f"{prefix}/prod/POST/v1/models",
        f"{prefix}/prod/PATCH/v1/models/acme.other",
        f"{prefix}/prod/DELETE/v1/models/acme.m",
        f"{prefix}/prod/GET/v1/models",
    ):
        assert _allows(result, other)
    assert not _allows(result, f"{prefix}/staging/GET/v1/models")
    assert not _allows(
        result, "arn:aws:execute-api:us-east-1:123456789012:other/prod/GET/v1/models"
    )


def test_stage_wildcard_for_a_root_resource() -> None:
    arn = "arn:aws:execute-api:eu-west-1:1:api/dev/GET/"
    assert authorizer._stage_wildcard(arn) == "arn:aws:execute-api:eu-west-1:1:api/dev/*/*"


@pytest.mark.parametrize("token", ["Bearer unknown", "Basic u22a8_k", None])
def test_unknown_or_missing_keys_are_denied_without_a_lambda_error(
    known_key: list[str | None], token: str | None
) -> None:
    """A bad key is an answer (Deny), not an exception: raising would count as a Lambda error and
    fire the authorizer's Errors alarm on every ordinary 401."""
    result = authorizer.handler(_event(token), _context())
    assert result["principalId"] == "anonymous"
    assert "context" not in result
    (statement,) = result["policyDocument"]["Statement"]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Deny",
        "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*",
    }
    # Cached per token like an Allow: the key's other requests are refused without a new call.
    prefix = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod"
    for other in (f"{prefix}/POST/v1/models", f"{prefix}/DELETE/v1/models/acme.m", METHOD_ARN):
        assert not _allows(result, other)


def test_a_failure_to_check_the_key_still_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not knowing is not a Deny: API Gateway answers a raising authorizer with 503 (the
    template's AUTHORIZER_FAILURE), so a throttled table never reads as a bad key."""

    def authenticate(header: str | None) -> Principal | None:
        raise TimeoutError("the keys table did not answer")

    monkeypatch.setattr(authorizer, "authenticate", authenticate)
    with pytest.raises(TimeoutError):
        authorizer.handler(_event(), _context())


def test_a_denied_request_does_not_log_the_previous_callers_identity(
    known_key: list[str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The authorizer container is reused: keys appended for one caller must not leak."""
    stream = io.StringIO()
    # The authorizer logs through the shared Powertools logger.
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    authorizer.handler(_event(), _context())
    authorizer.handler(_event("Bearer unknown"), _context())
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (allowed,) = (line for line in lines if line["message"] == "request authorized")
    assert allowed["key_id"] == "key_0123456789abcdef"
    (denied,) = (line for line in lines if "denied" in line["message"])
    assert "key_id" not in denied
    assert "namespace" not in denied
