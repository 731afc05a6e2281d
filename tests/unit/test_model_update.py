"""The builder of the model item's conditional updates: what it writes into the request."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from u22a8.data.model_update import ModelUpdate

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

KEY: dict[str, AttributeValueTypeDef] = {"pk": {"S": "MODEL#acme.m"}, "sk": {"S": "META"}}


def _update() -> ModelUpdate:
    return ModelUpdate("models", KEY)


def test_a_revised_live_update_at_a_revision() -> None:
    update = _update().revised("2026-05-01T09:00:00.000Z").live().expecting(7)
    update.set("#description = :description").values({":description": {"S": "d"}})
    update.names({"#description": "description"})
    assert update.request() == {
        "TableName": "models",
        "Key": KEY,
        "UpdateExpression": (
            "SET revision = revision + :one, updated_at = :now, #description = :description"
        ),
        "ConditionExpression": (
            "attribute_exists(pk) AND #state <> :archived AND revision = :expected"
        ),
        "ExpressionAttributeNames": {"#state": "state", "#description": "description"},
        "ExpressionAttributeValues": {
            ":one": {"N": "1"},
            ":now": {"S": "2026-05-01T09:00:00.000Z"},
            ":archived": {"S": "archived"},
            ":expected": {"N": "7"},
            ":description": {"S": "d"},
        },
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def test_without_an_expected_revision_there_is_no_revision_condition() -> None:
    request = _update().live().expecting(None).set("x = :x").values({":x": {"N": "1"}}).request()
    assert request["ConditionExpression"] == "attribute_exists(pk) AND #state <> :archived"
    assert ":expected" not in request["ExpressionAttributeValues"]


def test_clauses_are_grouped_by_verb_whatever_order_they_come_in() -> None:
    update = _update().add("sample_count :delta").remove("a").set("b = :b").remove("c")
    assert update.expression == "SET b = :b REMOVE a, c ADD sample_count :delta"


def test_an_update_without_conditions_names_or_values_omits_them() -> None:
    """DynamoDB refuses empty ExpressionAttributeNames/Values maps."""
    request = _update().remove("purge_pending").request(old_on_refusal=False)
    assert request == {
        "TableName": "models",
        "Key": KEY,
        "UpdateExpression": "REMOVE purge_pending",
    }


def test_an_update_that_changes_nothing_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="must change something"):
        _update().live().request()


def test_one_clause_of_any_verb_is_a_change() -> None:
    assert _update().set("a = :a").request()["UpdateExpression"] == "SET a = :a"
    assert _update().remove("a").request()["UpdateExpression"] == "REMOVE a"
    assert _update().add("n :one").request()["UpdateExpression"] == "ADD n :one"


def test_the_transaction_action_is_the_same_request() -> None:
    update = _update().set("x = :x").values({":x": {"N": "1"}}).where("attribute_exists(pk)")
    assert update.transact_item() == {"Update": update.request()}
