"""DynamoDB access for API keys (table ``KEYS_TABLE``: ``pk = key_hash``, GSI ``by_key_id``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.data.items import from_item, raise_if_throttled, to_item
from u22a8.entities.api_key import ApiKeyRecord

KEY_ID_INDEX = "by_key_id"


def _table() -> str:
    return get_settings().keys_table


def _record(item: dict[str, Any]) -> ApiKeyRecord:
    values = from_item(item)
    return ApiKeyRecord(
        key_id=values["key_id"],
        key_hash=values["key_hash"],
        namespace=values["namespace"],
        created_at=values["created_at"],
        description=values.get("description"),
        revoked_at=values.get("revoked_at"),
    )


def put(record: ApiKeyRecord) -> None:
    clients.dynamodb().put_item(
        TableName=_table(),
        Item=to_item(
            {
                "key_hash": record.key_hash,
                "key_id": record.key_id,
                "namespace": record.namespace,
                "created_at": record.created_at,
                "description": record.description,
            }
        ),
        ConditionExpression="attribute_not_exists(key_hash)",
    )


def find_by_hash(key_hash: str) -> ApiKeyRecord | None:
    """The authorizer's only call: one strongly consistent read, so a new key works at once."""
    try:
        response = clients.dynamodb().get_item(
            TableName=_table(), Key={"key_hash": {"S": key_hash}}, ConsistentRead=True
        )
    except ClientError as error:
        raise_if_throttled(error)
        raise
    item = response.get("Item")
    return _record(item) if item else None


def find_by_id(key_id: str) -> ApiKeyRecord | None:
    response = clients.dynamodb().query(
        TableName=_table(),
        IndexName=KEY_ID_INDEX,
        KeyConditionExpression="key_id = :id",
        ExpressionAttributeValues={":id": {"S": key_id}},
    )
    items = response.get("Items", [])
    return find_by_hash(items[0]["key_hash"]["S"]) if items else None


def mark_revoked(key_hash: str, now: str) -> None:
    clients.dynamodb().update_item(
        TableName=_table(),
        Key={"key_hash": {"S": key_hash}},
        UpdateExpression="SET revoked_at = if_not_exists(revoked_at, :now)",
        ConditionExpression="attribute_exists(key_hash)",
        ExpressionAttributeValues={":now": {"S": now}},
    )


def scan_all() -> Iterator[ApiKeyRecord]:
    paginator = clients.dynamodb().get_paginator("scan")
    for page in paginator.paginate(TableName=_table()):
        for item in page.get("Items", []):
            yield _record(item)
