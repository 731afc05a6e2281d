"""Reading every page of a DynamoDB query, for the reads that need all of a partition range."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from u22a8.data import clients
from u22a8.data.items import raise_if_throttled


def query_items(params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item ``Query(**params)`` matches, page after page, as pages arrive. Throttling after
    the SDK's retries becomes a retryable 503 (``ServiceBusy``)."""
    page = dict(params)
    while True:
        try:
            response = clients.dynamodb().query(**page)
        except ClientError as error:
            raise_if_throttled(error)
            raise
        yield from response.get("Items", [])
        last_key = response.get("LastEvaluatedKey")
        if not last_key:
            return
        page["ExclusiveStartKey"] = last_key
