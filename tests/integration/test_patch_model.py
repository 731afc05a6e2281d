"""PATCH /v1/models/{handle}: JSON merge patch in one conditional write."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.helpers import GatewayClient, Reply
from u22a8.api import etags
from u22a8.api.mapping import model_resource
from u22a8.config import get_settings
from u22a8.data import models_repo
from u22a8.entities.model import Model

HANDLE = "acme.m"
PATH = f"/v1/models/{HANDLE}"


@pytest.fixture
def model(api: GatewayClient) -> dict[str, Any]:
    reply = api.post(
        "/v1/models",
        {
            "handle": HANDLE,
            "criteria": ["Clarity", "Flow"],
            "description": "original",
            "auto_prune": {"keep_unnamed": 50, "keep_first_of_month": False},
        },
    )
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.json()
    return created


def _stored() -> Model:
    stored = models_repo.get(HANDLE)
    assert stored is not None
    return stored


def _ok(reply: Reply) -> dict[str, Any]:
    """A successful PATCH answers with the stored model and its current ETag."""
    assert reply.status == 200, reply.body
    assert reply.header("ETag") == etags.etag(_stored())
    body: dict[str, Any] = reply.json()
    assert body == model_resource(_stored())
    return body


def _refused(reply: Reply, status: int, code: str, before: Model) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.header("ETag") is None
    body: dict[str, Any] = reply.json()
    assert body["type"] == f"https://u22a8.ai/problems/{code}"
    assert _stored() == before, "a refused PATCH changed the stored model"
    return body


def _set_state(state: str) -> None:
    boto3.client("dynamodb").update_item(
        TableName=get_settings().models_table,
        Key={"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": "META"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "state"},
        ExpressionAttributeValues={":s": {"S": state}},
    )


# --- merge-patch semantics ---------------------------------------------------------------------


@pytest.mark.usefixtures("model")
def test_patch_changes_only_the_fields_sent(api: GatewayClient) -> None:
    before = api.get(PATH).json()
    body = _ok(api.patch(PATH, {"description": "new"}))
    assert body["description"] == "new"
    assert {k: v for k, v in body.items() if k not in ("description", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("description", "updated_at")
    }
    assert body["updated_at"] >= before["updated_at"]
    assert _stored().revision == 2
    assert api.get(PATH).json() == body


@pytest.mark.usefixtures("model")
def test_an_empty_description_is_a_value_not_a_clear(api: GatewayClient) -> None:
    assert _ok(api.patch(PATH, {"description": ""}))["description"] == ""
    assert _stored().description == ""


def test_patch_moves_updated_at_but_never_created_at(
    api: GatewayClient, model: dict[str, Any]
) -> None:
    body = _ok(api.patch(PATH, {"description": "x"}))
    assert body["created_at"] == model["created_at"]
    assert body["updated_at"] >= model["updated_at"]
    assert body["handle"] == model["handle"]
    assert body["criteria"] == model["criteria"]
    assert body["state"] == "draft"


@pytest.mark.usefixtures("model")
def test_every_patch_bumps_the_etag(api: GatewayClient) -> None:
    etags = [api.get(PATH).header("ETag")]
    for description in ("a", "b", "b"):  # the same value twice still is a write
        etags.append(api.patch(PATH, {"description": description}).header("ETag"))
    assert etags == ['"1"', '"2"', '"3"', '"4"']


@pytest.mark.usefixtures("model")
def test_null_clears_description(api: GatewayClient) -> None:
    assert _ok(api.patch(PATH, {"description": None}))["description"] is None
    assert _stored().description is None


@pytest.mark.usefixtures("model")
def test_null_clears_the_pruning_override(api: GatewayClient) -> None:
    assert _ok(api.patch(PATH, {"auto_prune": None}))["auto_prune"] is None
    assert _stored().auto_prune is None


@pytest.mark.usefixtures("model")
def test_auto_prune_keys_merge_individually(api: GatewayClient) -> None:
    assert _ok(api.patch(PATH, {"auto_prune": {"keep_unnamed": 7}}))["auto_prune"] == {
        "keep_unnamed": 7,
        "keep_first_of_month": False,
    }
    assert _ok(api.patch(PATH, {"auto_prune": {"keep_first_of_month": True}}))["auto_prune"] == {
        "keep_unnamed": 7,
        "keep_first_of_month": True,
    }
    assert _ok(api.patch(PATH, {"auto_prune": {}}))["auto_prune"] == {
        "keep_unnamed": 7,
        "keep_first_of_month": True,
    }


@pytest.mark.usefixtures("model")
def test_null_on_one_auto_prune_key_resets_that_key_to_its_default(api: GatewayClient) -> None:
    body = _ok(api.patch(PATH, {"auto_prune": {"keep_unnamed": None}}))
    assert body["auto_prune"] == {"keep_unnamed": 100, "keep_first_of_month": False}
    stored = _stored().auto_prune
    assert stored is not None
    assert stored.keep_unnamed is None  # reset, not frozen at today's default
    body = _ok(api.patch(PATH, {"auto_prune": {"keep_first_of_month": None}}))
    assert body["auto_prune"] is None  # no key overridden any more: defaults apply


def test_auto_prune_on_a_model_without_override(api: GatewayClient) -> None:
    assert api.post("/v1/models", {"handle": HANDLE, "criteria": ["c"]}).status == 201
    body = _ok(api.patch(PATH, {"auto_prune": {"keep_first_of_month": False}}))
    assert body["auto_prune"] == {"keep_unnamed": 100, "keep_first_of_month": False}


@pytest.mark.usefixtures("model")
def test_zero_data_retention_toggles(api: GatewayClient) -> None:
    assert _ok(api.patch(PATH, {"zero_data_retention": True}))["zero_data_retention"] is True
    assert _ok(api.patch(PATH, {"zero_data_retention": False}))["zero_data_retention"] is False


@pytest.mark.usefixtures("model")
def test_all_fields_in_one_patch(api: GatewayClient) -> None:
    body = _ok(
        api.patch(
            PATH,
            {
                "description": "d" * 2000,
                "zero_data_retention": True,
                "auto_prune": {"keep_unnamed": 0, "keep_first_of_month": True},
            },
        )
    )
    assert body["description"] == "d" * 2000
    assert body["zero_data_retention"] is True
    assert body["auto_prune"] == {"keep_unnamed": 0, "keep_first_of_month": True}
    assert _stored().revision == 2


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("value", [0, 10_000])
def test_keep_unnamed_bounds(api: GatewayClient, value: int) -> None:
    assert (
        _ok(api.patch(PATH, {"auto_prune": {"keep_unnamed": value}}))["auto_prune"]["keep_unnamed"]
        == value
    )


@pytest.mark.parametrize("body", [{}, None])
def test_empty_patch_is_a_200_no_op_keeping_the_etag(
    api: GatewayClient, model: dict[str, Any], body: Any
) -> None:
    before = _stored()
    reply = api.patch(PATH, body)
    assert reply.status == 200, reply.body
    assert reply.header("ETag") == '"1"'
    assert reply.json() == model
    assert _stored() == before


@pytest.mark.usefixtures("model")
def test_merge_patch_content_type_is_accepted(api: GatewayClient) -> None:
    reply = api.patch(
        PATH, {"description": "x"}, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert _ok(reply)["description"] == "x"


@pytest.mark.usefixtures("model")
def test_busy_models_can_be_patched(api: GatewayClient) -> None:
    _set_state("busy")
    body = _ok(api.patch(PATH, {"description": "while training"}))
    assert body["state"] == "busy"
    assert body["description"] == "while training"


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("state", ["ready", "failed"])
def test_ready_and_failed_models_can_be_patched(api: GatewayClient, state: str) -> None:
    _set_state(state)
    assert _ok(api.patch(PATH, {"description": "x"}))["state"] == state


# --- If-Match ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("if_match", ['"1"', "*"])
def test_matching_if_match_is_accepted(api: GatewayClient, if_match: str) -> None:
    body = _ok(api.patch(PATH, {"description": "x"}, headers={"If-Match": if_match}))
    assert body["description"] == "x"


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("if_match", ['"2"', '"0"', "garbage", '"abc"', 'W/"1"'])
def test_if_match_mismatch_is_412(api: GatewayClient, if_match: str) -> None:
    before = _stored()
    body = _refused(
        api.patch(PATH, {"description": "x"}, headers={"If-Match": if_match}),
        412,
        "precondition-failed",
        before,
    )
    assert "If-Match" in body["detail"]


@pytest.mark.usefixtures("model")
def test_stale_etag_after_another_write_is_412(api: GatewayClient) -> None:
    stale = api.get(PATH).header("ETag") or ""
    assert api.patch(PATH, {"description": "first"}).status == 200
    before = _stored()
    _refused(
        api.patch(PATH, {"description": "second"}, headers={"If-Match": stale}),
        412,
        "precondition-failed",
        before,
    )
    fresh = api.get(PATH).header("ETag") or ""
    assert _ok(api.patch(PATH, {"description": "second"}, headers={"If-Match": fresh}))


@pytest.mark.usefixtures("model")
def test_empty_patch_honours_if_match(api: GatewayClient) -> None:
    before = _stored()
    _refused(api.patch(PATH, {}, headers={"If-Match": '"9"'}), 412, "precondition-failed", before)
    assert api.patch(PATH, {}, headers={"If-Match": '"1"'}).status == 200


# --- refusals: the stored model never changes ----------------------------------------------------


@pytest.mark.usefixtures("model")
def test_archived_models_are_409(api: GatewayClient) -> None:
    assert api.delete(PATH).status == 200
    before = _stored()
    _refused(api.patch(PATH, {"description": "x"}), 409, "model-archived", before)
    _refused(api.patch(PATH, {}), 409, "model-archived", before)
    # Archived wins over a stale ETag: the caller cannot fix it by re-reading.
    _refused(
        api.patch(PATH, {"description": "x"}, headers={"If-Match": '"1"'}),
        409,
        "model-archived",
        before,
    )


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize(
    ("body", "locs"),
    [
        ({"zero_data_retention": None}, [["body", "zero_data_retention"]]),
        ({"zero_data_retention": "true"}, [["body", "zero_data_retention"]]),
        ({"description": "x" * 2001}, [["body", "description"]]),
        ({"description": 5}, [["body", "description"]]),
        ({"auto_prune": {"keep_unnamed": -1}}, [["body", "auto_prune", "keep_unnamed"]]),
        ({"auto_prune": {"keep_unnamed": 10_001}}, [["body", "auto_prune", "keep_unnamed"]]),
        ({"auto_prune": {"keep_unnamed": "5"}}, [["body", "auto_prune", "keep_unnamed"]]),
        ({"auto_prune": {"keep_unnamed": 5.5}}, [["body", "auto_prune", "keep_unnamed"]]),
        (
            {"auto_prune": {"keep_first_of_month": 1}},
            [["body", "auto_prune", "keep_first_of_month"]],
        ),
        ({"auto_prune": {"keep_all": True}}, [["body", "auto_prune", "keep_all"]]),
        ({"auto_prune": []}, [["body", "auto_prune"]]),
        ({"handle": "acme.other"}, [["body", "handle"]]),
        ({"criteria": ["x"]}, [["body", "criteria"]]),
        ({"active_version": 2}, [["body", "active_version"]]),
        ({"tags": ["prod"]}, [["body", "tags"]]),
    ],
)
def test_invalid_patches_are_422_and_change_nothing(
    api: GatewayClient, body: dict[str, Any], locs: list[list[Any]]
) -> None:
    before = _stored()
    problem = _refused(api.patch(PATH, body), 422, "validation-error", before)
    assert [e["loc"] for e in problem["errors"]] == locs


@pytest.mark.usefixtures("model")
def test_state_is_refused_with_a_pointer_to_train_and_delete(api: GatewayClient) -> None:
    before = _stored()
    problem = _refused(api.patch(PATH, {"state": "ready"}), 422, "validation-error", before)
    (error,) = problem["errors"]
    assert error["loc"] == ["body", "state"]
    assert error["type"] == "read_only"
    assert "POST /v1/models/{handle}/train" in error["msg"]
    assert "DELETE" in error["msg"]
    assert "state" in problem["detail"]


@pytest.mark.usefixtures("model")
def test_every_unknown_field_is_named_and_valid_fields_are_not_applied(
    api: GatewayClient,
) -> None:
    before = _stored()
    problem = _refused(
        api.patch(PATH, {"description": "valid", "name": 1, "colour": "red", "state": "ready"}),
        422,
        "validation-error",
        before,
    )
    assert sorted(e["loc"][1] for e in problem["errors"]) == ["colour", "name", "state"]
    for name in ("colour", "name", "state"):
        assert name in problem["detail"]


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("raw", [b"{", b'{"description": "x",}', b"\xff\xfe", b"{'a': 1}"])
def test_malformed_json_is_400(api: GatewayClient, raw: bytes) -> None:
    _refused(api.patch(PATH, raw=raw), 400, "malformed-json", _stored())


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("raw", [b"[]", b'"x"', b"null", b"true"])
def test_non_object_bodies_are_422(api: GatewayClient, raw: bytes) -> None:
    problem = _refused(api.patch(PATH, raw=raw), 422, "validation-error", _stored())
    assert [e["loc"] for e in problem["errors"]] == [["body"]]


@pytest.mark.usefixtures("model")
def test_over_one_mebibyte_is_413(api: GatewayClient) -> None:
    raw = b'{"description": "' + b"x" * (1024 * 1024) + b'"}'
    _refused(api.patch(PATH, raw=raw), 413, "payload-too-large", _stored())


@pytest.mark.usefixtures("model")
def test_exactly_one_mebibyte_is_accepted(api: GatewayClient) -> None:
    raw = b'{"description": "x"}'
    raw += b" " * (1024 * 1024 - len(raw))
    assert _ok(api.patch(PATH, raw=raw))["description"] == "x"


@pytest.mark.usefixtures("model")
def test_over_api_gateways_own_limit_is_413_from_the_gateway(api: GatewayClient) -> None:
    reply = api.patch(PATH, raw=b" " * (10 * 1024 * 1024 + 1))
    _refused(reply, 413, "payload-too-large", _stored())


def test_missing_model_is_404(api: GatewayClient) -> None:
    reply = api.patch("/v1/models/acme.ghost", {"description": "x"})
    assert reply.status == 404
    assert reply.json()["type"] == "https://u22a8.ai/problems/model-not-found"
    assert models_repo.get("acme.ghost") is None, "a PATCH must never create a model"
    assert api.patch("/v1/models/acme.ghost", {}).status == 404
    assert api.patch("/v1/models/acme.ghost", {}, headers={"If-Match": "*"}).status == 404
    assert models_repo.get("acme.ghost") is None


def test_another_namespaces_model_is_404_and_untouched(api: GatewayClient, other_key: str) -> None:
    other = api.with_key(other_key)
    assert other.post("/v1/models", {"handle": "globex.m", "criteria": ["c"]}).status == 201
    before = models_repo.get("globex.m")
    for body in ({"description": "pwned"}, {}, {"zero_data_retention": True}):
        reply = api.patch("/v1/models/globex.m", body)
        assert reply.status == 404
        assert reply.json()["type"] == "https://u22a8.ai/problems/model-not-found"
    assert models_repo.get("globex.m") == before


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("handle", ["ACME.M", "acme", "acme.m.x", "acme.-m"])
def test_malformed_handle_is_422(api: GatewayClient, handle: str) -> None:
    before = _stored()
    problem = _refused(
        api.patch(f"/v1/models/{handle}", {"description": "x"}), 422, "validation-error", before
    )
    assert problem["errors"][0]["loc"] == ["path", "handle"]
