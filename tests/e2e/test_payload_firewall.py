"""Over real HTTP, a body Lambda could not take is answered by the template's WAF rule (the API's
413 problem, as application/json) before API Gateway routes it, as on AWS."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Api, assert_problem

pytestmark = pytest.mark.e2e

PROBLEM = "https://u22a8.ai/problems/payload-too-large"


@pytest.mark.parametrize("size", [3_000_000, 7 * 1024 * 1024])
def test_a_body_lambda_cannot_take_is_the_firewalls_413(api: Api, size: int) -> None:
    response = api.post("/v1/models", data=b" " * size)
    assert response.status_code == 413, response.text[:200]
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["type"] == PROBLEM
    assert response.json()["status"] == 413


def test_below_the_firewall_the_handler_answers_its_own_problem(api: Api) -> None:
    response = api.post("/v1/models", data=b" " * (2 * 1024 * 1024))
    assert_problem(response, 413)
    assert response.json()["type"] == PROBLEM
