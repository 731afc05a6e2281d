"""Bad requests over HTTP: each is a problem+json with the right status, and changes nothing."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Api, LocalStack, assert_problem

pytestmark = pytest.mark.e2e

ONE_MIB = 1024 * 1024


def test_malformed_json_is_400(api: Api) -> None:
    response = api.post("/v1/models", data=b'{"handle": "demo.x", "criteria": [')
    assert_problem(response, 400)


def test_body_over_one_mib_is_413(api: Api, stack: LocalStack) -> None:
    model = api.create_model(stack.namespace)
    padding = "x" * ONE_MIB
    for method, path in (
        ("POST", "/v1/models"),
        ("PATCH", f"/v1/models/{model['handle']}"),
    ):
        data = json.dumps({"description": padding}).encode()
        assert len(data) > ONE_MIB
        assert_problem(api.request(method, path, data=data), 413)
    assert api.get(f"/v1/models/{model['handle']}").json() == model


def test_body_over_the_gateway_limit_is_413_without_reaching_a_handler(api: Api) -> None:
    """API Gateway itself refuses bodies over 10 MiB, with the template's REQUEST_TOO_LARGE."""
    response = api.post("/v1/models", data=b"x" * (10 * ONE_MIB + 1))
    assert_problem(response, 413)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nothing"),
        ("GET", "/v1/models/demo.x/extra"),
        ("PUT", "/v1/models"),
        ("GET", "/"),
        ("HEAD", "/v1/models"),
        ("OPTIONS", "/v1/models"),
    ],
)
def test_unknown_routes_are_404_problems(api: Api, method: str, path: str) -> None:
    response = api.request(method, path)
    if method == "HEAD":  # no body to inspect, but the same status and type
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/problem+json"
        return
    assert_problem(response, 404)


def test_patch_with_bad_fields_names_each_one_and_changes_nothing(
    api: Api, stack: LocalStack
) -> None:
    model = api.create_model(stack.namespace, description="original")
    path = f"/v1/models/{model['handle']}"
    before = api.get(path)

    response = api.patch(
        path,
        {
            "description": 5,
            "zero_data_retention": "yes",
            "auto_prune": {"keep_unnamed": "10", "keep_forever": True},
            "colour": "blue",
            "state": "ready",
        },
    )
    problem = assert_problem(response, 422)
    locations = {tuple(error["loc"]) for error in problem["errors"]}
    assert {
        ("body", "description"),
        ("body", "zero_data_retention"),
        ("body", "auto_prune", "keep_unnamed"),
        ("body", "auto_prune", "keep_forever"),
        ("body", "colour"),
        ("body", "state"),
    } <= locations
    for name in ("description", "zero_data_retention", "keep_unnamed", "colour", "state"):
        assert name in problem["detail"]
    state_error = next(e for e in problem["errors"] if e["loc"] == ["body", "state"])
    assert "train" in state_error["msg"]  # says how to change the state instead

    after = api.get(path)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]


def test_patch_of_state_alone_is_422(api: Api, stack: LocalStack) -> None:
    model = api.create_model(stack.namespace)
    problem = assert_problem(api.patch(f"/v1/models/{model['handle']}", {"state": "archived"}), 422)
    assert [e["loc"] for e in problem["errors"]] == [["body", "state"]]
    assert api.get(f"/v1/models/{model['handle']}").json()["state"] == "draft"
