"""Bodies too large for Lambda get the API's 413 problem, not API Gateway's own error: the local
gateway applies the template's WAF rule before anything else, and Lambda's request limit after
building the proxy event, as AWS does."""

from __future__ import annotations

import pytest

from local.gateway import Gateway
from tests.helpers import GatewayClient, Reply
from u22a8.data import models_repo

PATH = "/v1/models"
PROBLEM = "https://u22a8.ai/problems/payload-too-large"


def _body(size: int) -> bytes:
    start = b'{"handle": "acme.big", "criteria": ["c"], "description": "'
    return start + b"x" * (size - len(start) - 2) + b'"}'


def _invocations(gateway: Gateway) -> int:
    return sum(pool.invocations for pool in gateway.pools.values())


@pytest.mark.parametrize("size", [3_000_000, 7 * 1024 * 1024, 10 * 1024 * 1024])
def test_a_body_lambda_cannot_take_is_the_firewalls_413_problem(
    gateway: Gateway, acme_key: str, size: int
) -> None:
    reply = GatewayClient(gateway, acme_key).request("POST", PATH, raw=_body(size))
    assert reply.status == 413, reply.body[:200]
    assert reply.header("Content-Type") == "application/json"  # all WAF can send
    problem = reply.json()
    assert problem["type"] == PROBLEM
    assert problem["status"] == 413
    assert _invocations(gateway) == 0  # neither the authorizer nor a handler ran
    assert models_repo.get("acme.big") is None


def test_a_body_over_one_mebibyte_that_lambda_can_take_gets_the_handlers_problem(
    api: GatewayClient,
) -> None:
    reply: Reply = api.request("POST", PATH, raw=_body(2 * 1024 * 1024))
    assert reply.status == 413, reply.body[:200]
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.json()["type"] == PROBLEM
    assert reply.json()["request_id"] == reply.header("x-amzn-RequestId")
    assert models_repo.get("acme.big") is None


def test_without_the_firewall_lambda_refuses_the_event_and_the_client_gets_no_problem(
    aws: dict[str, str], acme_key: str
) -> None:
    """Why the firewall is there: API Gateway's answer when Lambda refuses the event."""
    gateway = Gateway(firewall=False)
    reply = GatewayClient(gateway, acme_key).request("POST", PATH, raw=_body(7 * 1024 * 1024))
    assert reply.status == 413
    assert reply.header("Content-Type") == "application/json"
    assert "type" not in reply.json()
    assert gateway.pools["CreateModelFunction"].invocations == 0
    assert models_repo.get("acme.big") is None
