"""``local.moto_speed``: item-level rollback keeps moto's transaction semantics exactly, and
wire-form item values come out byte for byte as moto's own serializer writes them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.core.serialize import BaseJSONSerializer, XFormedAttributePicker, get_serializer_class
from moto.core.utils import get_service_model
from moto.dynamodb.models import dynamodb_backends

from local.moto_speed import item_level_transaction_rollback, wire_form_attribute_values

TABLE = "speed"
# Only local/ is under test here, which coverage does not measure: its tracer would only slow the
# property tests down (about 2.7 times).
pytestmark = pytest.mark.no_cover


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    item_level_transaction_rollback()
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def _key(sk: str) -> dict[str, Any]:
    return {"pk": {"S": "m"}, "sk": {"S": sk}}


def _get(client: Any, sk: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = client.get_item(TableName=TABLE, Key=_key(sk)).get("Item")
    return item


def test_a_cancelled_transaction_leaves_every_item_as_it_was(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item={**_key("META"), "n": {"N": "1"}})
    dynamodb.put_item(TableName=TABLE, Item={**_key("GONE"), "v": {"S": "kept"}})
    dynamodb.put_item(TableName=TABLE, Item={**_key("TAKEN"), "v": {"S": "first"}})

    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": _key("META"),
                        "UpdateExpression": "SET n = n + :one, added = :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {"Put": {"TableName": TABLE, "Item": {**_key("NEW"), "v": {"S": "x"}}}},
                {"Delete": {"TableName": TABLE, "Key": _key("GONE")}},
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": {**_key("TAKEN"), "v": {"S": "second"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )

    reasons = [r["Code"] for r in refused.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert _get(dynamodb, "META") == {**_key("META"), "n": {"N": "1"}}
    assert _get(dynamodb, "NEW") is None
    assert _get(dynamodb, "GONE") == {**_key("GONE"), "v": {"S": "kept"}}
    assert _get(dynamodb, "TAKEN") == {**_key("TAKEN"), "v": {"S": "first"}}


def test_a_committed_transaction_applies_every_item(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item={**_key("META"), "n": {"N": "1"}})
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": _key("META"),
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"Put": {"TableName": TABLE, "Item": {**_key("NEW"), "v": {"S": "x"}}}},
        ]
    )
    assert _get(dynamodb, "META") == {**_key("META"), "n": {"N": "2"}}
    assert _get(dynamodb, "NEW") == {**_key("NEW"), "v": {"S": "x"}}


def test_tables_still_deep_copy_outside_transactions(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item={**_key("META"), "n": {"N": "1"}})
    table = dynamodb_backends["123456789012"]["us-east-1"].tables[TABLE]
    clone = copy.deepcopy(table)
    assert clone is not table
    assert clone.name == TABLE
    assert clone.items is not table.items
    assert clone.items == table.items


# --- wire-form responses -----------------------------------------------------------------------

_STRING = st.text(max_size=12)
_NUMBER = st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{1,3})?", fullmatch=True)
_BLOB = st.binary(max_size=8) | st.text(max_size=8)  # moto holds some blobs as str, some bytes
_LEAVES = (
    st.builds(lambda v: {"S": v}, _STRING)
    | st.builds(lambda v: {"N": v}, _NUMBER)
    | st.builds(lambda v: {"B": v}, _BLOB)
    | st.builds(lambda v: {"SS": v}, st.lists(_STRING, max_size=3))
    | st.builds(lambda v: {"NS": v}, st.lists(_NUMBER, max_size=3))
    | st.builds(lambda v: {"BS": v}, st.lists(_BLOB, max_size=3))
    | st.just({"NULL": True})
    | st.builds(lambda v: {"BOOL": v}, st.booleans())
)
# What moto's own code must handle: other spellings, several members, members set to None or to
# a value of another type, non-dicts.
_ODD = st.dictionaries(
    st.sampled_from(["S", "N", "B", "SS", "M", "L", "BOOL", "s", "ListAttributeValue", "x"]),
    st.none() | st.integers() | _STRING | st.lists(_STRING, max_size=2),
    max_size=3,
) | st.sampled_from([None, 7, "S", ["S"]])


def _values(odd: bool) -> st.SearchStrategy[Any]:
    leaves = _LEAVES | _ODD if odd else _LEAVES
    return st.recursive(
        leaves,
        lambda inner: (
            st.builds(lambda v: {"M": v}, st.dictionaries(_STRING, inner | st.none(), max_size=3))
            | st.builds(lambda v: {"L": v}, st.lists(inner | st.none(), max_size=3))
        ),
        max_leaves=12,
    )


def _item(odd: bool) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(_STRING, _values(odd), max_size=4)


def _serialize(service: str, operation: str, result: Any, *, patched: bool) -> Any:
    """The response moto's server sends for ``result``, with or without the patch, or the
    exception's type when the serializer refuses it."""
    model = get_service_model(service).operation_model(operation)
    serializer = get_serializer_class(service, model.service_model.protocol)(
        operation_model=model, value_picker=XFormedAttributePicker()
    )
    method = vars(BaseJSONSerializer)["_serialize_type_structure"]
    original = getattr(method, "__wrapped__", method)
    with pytest.MonkeyPatch.context() as patch:
        if not patched:
            patch.setattr(BaseJSONSerializer, "_serialize_type_structure", original)
        try:
            return serializer.serialize(result)["body"]
        except Exception as refused:  # compared with the other path's, not hidden
            return type(refused)


def _results(item: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [
        ("dynamodb", "GetItem", {"Item": item}),
        ("dynamodb", "Query", {"Items": [item, item], "Count": 2, "ScannedCount": 2}),
        (
            "dynamodbstreams",
            "GetRecords",
            {"Records": [{"eventName": "REMOVE", "dynamodb": {"Keys": item, "OldImage": item}}]},
        ),
    ]


@settings(max_examples=150, deadline=None)
@given(item=_item(odd=False))
def test_wire_form_values_are_written_byte_for_byte_as_moto_writes_them(
    item: dict[str, Any],
) -> None:
    wire_form_attribute_values()
    for service, operation, result in _results(item):
        expected = _serialize(service, operation, result, patched=False)
        assert isinstance(expected, str)
        assert _serialize(service, operation, result, patched=True) == expected


@settings(max_examples=300, deadline=None)
@given(item=_item(odd=True))
def test_anything_else_is_left_to_moto_and_comes_out_the_same(item: dict[str, Any]) -> None:
    wire_form_attribute_values()
    for service, operation, result in _results(item):
        expected = _serialize(service, operation, result, patched=False)
        assert _serialize(service, operation, result, patched=True) == expected


def test_a_response_transformer_or_another_picker_takes_moto_s_own_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from local import moto_speed

    wire_form_attribute_values()
    calls: list[Any] = []
    monkeypatch.setattr(moto_speed, "_wire_form", lambda value, blob: calls.append(value))
    picker = XFormedAttributePicker(response_transformers={"Item.x": lambda value: value})
    model = get_service_model("dynamodb").operation_model("GetItem")
    serializer = get_serializer_class("dynamodb", "json")(
        operation_model=model, value_picker=picker
    )
    body = serializer.serialize({"Item": {"x": {"S": "kept"}}})["body"]
    assert body == '{"Item": {"x": {"S": "kept"}}}'
    assert not calls
