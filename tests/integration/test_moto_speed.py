"""``local.moto_speed``: item-level rollback keeps moto's transaction semantics exactly."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends

from local.moto_speed import item_level_transaction_rollback

TABLE = "speed"


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
