"""Authentication with SAM CLI's gateway: what both gateways do alike (the real authorizer, tenant
isolation, keys from the CLI), and, pinned down, where SAM CLI's emulator differs from API
Gateway and so from ours (README, "Testing with SAM CLI"): it renders none of the template's
gateway responses, and it does not cache the authorizer's answer."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Api, LocalStack
from tests.e2e.test_auth import test_another_namespaces_model_is_exactly_like_a_missing_one

__all__ = ["test_another_namespaces_model_is_exactly_like_a_missing_one"]

SAM_UNAUTHORIZED = {"message": "Unauthorized"}
# A Lambda authorizer refuses a key by failing with the message "Unauthorized", which API Gateway
# (and ours) answers with 401; SAM CLI does not know that convention and answers a failed
# authorizer with 502.
SAM_AUTHORIZER_FAILED = {"message": "Internal server error"}


@pytest.mark.parametrize(
    ("authorization", "status", "body"),
    [
        (None, 401, SAM_UNAUTHORIZED),
        ("Bearer u22a8_thiskeywasneverissued0000000000000000000000", 502, SAM_AUTHORIZER_FAILED),
        ("Basic dXNlcjpwYXNz", 502, SAM_AUTHORIZER_FAILED),
    ],
    ids=["missing", "unknown", "not-bearer"],
)
def test_requests_without_a_valid_key_are_refused_in_sams_own_words(
    stack: LocalStack, authorization: str | None, status: int, body: dict[str, str]
) -> None:
    """Refused either way, but not with the template's 401 problem: SAM CLI renders no gateway
    responses."""
    headers = {"Authorization": authorization} if authorization else {}
    response = Api(stack.url, None).get("/v1/models", headers=headers)
    assert response.status_code == status, response.text
    assert response.json() == body
    assert "WWW-Authenticate" not in response.headers


def test_a_key_from_the_cli_works_and_once_revoked_is_refused_at_once(stack: LocalStack) -> None:
    """SAM CLI calls the authorizer on every request: a revocation has no cache to outlive (on
    API Gateway, and ours, a key in use keeps working for ``AuthorizerCacheTtlSeconds``)."""
    key_id, key = stack.issue_key("umbrella")
    client = Api(stack.url, key)
    listed = client.get("/v1/models")
    assert listed.status_code == 200, listed.text
    assert listed.json()["data"] == []
    assert stack.cli("keys", "revoke", key_id).returncode == 0
    refused = client.get("/v1/models")
    assert refused.status_code == 502, refused.text
    assert refused.json() == SAM_AUTHORIZER_FAILED


def test_an_unknown_route_is_sams_403(api: Api) -> None:
    """API Gateway answers "Missing Authentication Token" (403), which the template turns into a
    404 problem; SAM CLI answers the 403 as is."""
    response = api.get("/v1/nothing-here")
    assert response.status_code == 403, response.text
    assert response.json() == {"message": "Missing Authentication Token"}
