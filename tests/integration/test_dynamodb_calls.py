"""How many DynamoDB calls each request makes: PATCH and DELETE one conditional write, GET one read.

Every call the handlers make on the shared client is recorded (operation and table). The
authorizer's key lookup is cached by the gateway after the first request, so a recorded request
shows only what its handler did.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import GatewayClient
from u22a8.config import get_settings
from u22a8.data import clients

HANDLE = "acme.m"
PATH = f"/v1/models/{HANDLE}"


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def before_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        request = json.loads(params["body"] or b"{}")
        self.calls.append((model.name, request.get("TableName", ""), request))

    def take(self) -> list[str]:
        """Operations on the models table since the last take (and nothing on other tables)."""
        models_table = get_settings().models_table
        calls, self.calls = self.calls, []
        assert all(table == models_table for _, table, _ in calls), calls
        return [operation for operation, _, _ in calls]

    def last_request(self) -> dict[str, Any]:
        return self.calls[-1][2]


@pytest.fixture
def recorder(api: GatewayClient) -> Iterator[Recorder]:
    reply = api.post("/v1/models", {"handle": HANDLE, "criteria": ["c"]})
    assert reply.status == 201, reply.body  # also warms the authorizer cache for this key
    recorder = Recorder()
    client = clients.dynamodb()
    client.meta.events.register("before-call.dynamodb", recorder.before_call)
    yield recorder
    client.meta.events.unregister("before-call.dynamodb", recorder.before_call)


def test_patch_is_exactly_one_conditional_update_item(
    api: GatewayClient, recorder: Recorder
) -> None:
    assert api.patch(PATH, {"description": "x"}).status == 200
    request = recorder.last_request()
    assert recorder.take() == ["UpdateItem"]
    # Conditional on the model existing (a PATCH never creates) and not being archived.
    assert "attribute_exists(pk)" in request["ConditionExpression"]
    assert "revision = :expected" not in request["ConditionExpression"]  # no If-Match sent
    assert request["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"


def test_patch_with_if_match_puts_the_revision_in_the_condition(
    api: GatewayClient, recorder: Recorder
) -> None:
    assert api.patch(PATH, {"description": "x"}, headers={"If-Match": '"1"'}).status == 200
    request = recorder.last_request()
    assert recorder.take() == ["UpdateItem"]
    assert "revision = :expected" in request["ConditionExpression"]
    assert request["ExpressionAttributeValues"][":expected"] == {"N": "1"}


@pytest.mark.parametrize(
    ("prepare", "path", "headers", "status"),
    [
        (None, "/v1/models/acme.ghost", {}, 404),
        ("archive", PATH, {}, 409),
        (None, PATH, {"If-Match": '"7"'}, 412),
    ],
)
def test_a_refused_patch_is_still_only_one_update_item(
    api: GatewayClient,
    recorder: Recorder,
    prepare: str | None,
    path: str,
    headers: dict[str, str],
    status: int,
) -> None:
    if prepare == "archive":
        assert api.delete(PATH).status == 200
        recorder.take()
    reply = api.patch(path, {"description": "x"}, headers=headers)
    assert reply.status == status, reply.body
    assert recorder.take() == ["UpdateItem"]


def test_an_invalid_patch_makes_no_call(api: GatewayClient, recorder: Recorder) -> None:
    assert api.patch(PATH, {"state": "ready"}).status == 422
    assert api.patch(PATH, raw=b"{").status == 400
    assert api.patch("/v1/models/BAD", {"description": "x"}).status == 422
    assert api.patch("/v1/models/globex.m", {"description": "x"}).status == 404
    assert recorder.take() == []


def test_an_empty_patch_is_one_read_and_no_write(api: GatewayClient, recorder: Recorder) -> None:
    assert api.patch(PATH, {}).status == 200
    assert recorder.take() == ["GetItem"]


def test_get_is_one_consistent_read(api: GatewayClient, recorder: Recorder) -> None:
    assert api.get(PATH).status == 200
    request = recorder.last_request()
    assert recorder.take() == ["GetItem"]
    assert request["ConsistentRead"] is True
    assert api.get("/v1/models/acme.ghost").status == 404
    assert recorder.take() == ["GetItem"]


def test_a_foreign_or_malformed_handle_is_answered_without_a_lookup(
    api: GatewayClient, recorder: Recorder
) -> None:
    assert api.get("/v1/models/globex.m").status == 404
    assert api.get("/v1/models/Not-Valid").status == 422
    assert api.delete("/v1/models/globex.m").status == 404
    assert recorder.take() == []


@pytest.mark.parametrize("times", [1, 2])
def test_delete_is_one_conditional_update_item(
    api: GatewayClient, recorder: Recorder, times: int
) -> None:
    for _ in range(times):  # the second time is the no-op on an archived model
        assert api.delete(PATH).status == 200
        assert recorder.take() == ["UpdateItem"]


def test_delete_refusals_are_one_update_item(api: GatewayClient, recorder: Recorder) -> None:
    assert api.delete("/v1/models/acme.ghost").status == 404
    assert recorder.take() == ["UpdateItem"]
    assert api.delete(PATH, headers={"If-Match": '"5"'}).status == 412
    assert recorder.take() == ["UpdateItem"]


def test_create_is_one_conditional_put_item(api: GatewayClient, recorder: Recorder) -> None:
    assert api.post("/v1/models", {"handle": "acme.new", "criteria": ["c"]}).status == 201
    request = recorder.last_request()
    assert recorder.take() == ["PutItem"]
    assert request["ConditionExpression"] == "attribute_not_exists(pk)"
    assert api.post("/v1/models", {"handle": "acme.new", "criteria": ["c"]}).status == 409
    assert recorder.take() == ["PutItem"]


def test_list_is_one_query_per_page(api: GatewayClient, recorder: Recorder) -> None:
    assert api.get("/v1/models?limit=5").status == 200
    request = recorder.last_request()
    assert recorder.take() == ["Query"]
    assert request["IndexName"] == "gsi1"
    assert request["ScanIndexForward"] is False
    assert request["Limit"] == 5


def test_a_page_of_runs_is_one_query_and_an_empty_one_checks_the_model(
    api: GatewayClient, recorder: Recorder
) -> None:
    assert api.get(f"{PATH}/runs").status == 200  # no runs yet: is there such a model?
    assert recorder.take() == ["Query", "GetItem"]
    assert api.post(f"{PATH}/train", {}).status == 202
    recorder.calls.clear()  # the claim (a transaction) and its reads
    assert api.get(f"{PATH}/runs").status == 200  # runs listed: the model exists
    assert recorder.take() == ["Query"]
