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
# The authorizer refuses a bad key with a Deny policy (not an error, so its Errors alarm stays
# quiet); API Gateway renders the template's ACCESS_DENIED response, a 401 problem, and so does
# ours. SAM CLI renders no gateway responses: it answers a Deny with its default 403.
SAM_DENIED = {"message": "User is not authorized to access this resource"}


@pytest.mark.parametrize(
    ("authorization", "status", "body"),
    [
        (None, 401, SAM_UNAUTHORIZED),
        ("Bearer u22a8_thiskeywasneverissued0000000000000000000000", 403, SAM_DENIED),
        ("Basic dXNlcjpwYXNz", 403, SAM_DENIED),
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
    assert refused.status_code == 403, refused.text
    assert refused.json() == SAM_DENIED


def test_an_unknown_route_is_sams_403(api: Api) -> None:
    """API Gateway answers "Missing Authentication Token" (403), which the template turns into a
    404 problem; SAM CLI answers the 403 as is."""
    response = api.get("/v1/nothing-here")
    assert response.status_code == 403, response.text
    assert response.json() == {"message": "Missing Authentication Token"}
