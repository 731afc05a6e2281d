"""The sparse index ``gsi2`` of busy models, read by the stuck-run sweeper.

A model item carries ``gsi2pk = BUSY`` exactly while a run holds it (set by the claim, removed by
every release: publish, failure, cancel, reconcile), so the index holds only busy models and a
sweep costs one small Query however many models exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.data.items import from_item, raise_if_throttled
from u22a8.data.keys import model_pk

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

BUSY_INDEX = "gsi2"
BUSY = "BUSY"
_MODEL_PREFIX = model_pk("")


@dataclass(frozen=True)
class BusyModel:
    """A busy model as the index shows it (eventually consistent: re-check before acting)."""

    handle: str
    run_id: str | None
    started_at: str | None


def busy_models(page_size: int = 100) -> Iterator[BusyModel]:
    """Every model the index lists as busy, page by page."""
    start_key: dict[str, AttributeValueTypeDef] | None = None
    while True:
        params: dict[str, Any] = {
            "TableName": get_settings().models_table,
            "IndexName": BUSY_INDEX,
            "KeyConditionExpression": "gsi2pk = :busy",
            "ExpressionAttributeValues": {":busy": {"S": BUSY}},
            "ProjectionExpression": "pk, current_run_id, last_operation",
            "Limit": page_size,
        }
        if start_key:
            params["ExclusiveStartKey"] = start_key
        try:
            response = clients.dynamodb().query(**params)
        except ClientError as error:
            raise_if_throttled(error)
            raise
        for item in response.get("Items", []):
            values = from_item(item)
            operation = values.get("last_operation") or {}
            yield BusyModel(
                handle=str(values["pk"]).removeprefix(_MODEL_PREFIX),
                run_id=values.get("current_run_id"),
                started_at=operation.get("started_at"),
            )
        start_key = response.get("LastEvaluatedKey")
        if not start_key:
            return
