"""The idempotency table as Powertools' persistence layer, on the container's one DynamoDB client
(a second client would cost a cold start about 60 ms more: README, Performance)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from u22a8.config import get_settings
from u22a8.data import clients

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer


def persistence_layer() -> DynamoDBPersistenceLayer:
    """A persistence layer for the idempotency table. Powertools' idempotency is imported only
    here, so requests without an ``Idempotency-Key`` (and cold starts) do not pay for it."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=get_settings().idempotency_table, boto3_client=clients.dynamodb()
    )
