"""Where the first answer of an idempotent request is kept, for the api's ``Idempotency-Key``.

The api runs the operation through Powertools' idempotency (the stored records' keys name its
runner, so the runner stays in the api); the store is storage, which the api reaches only through
the domain (the import-linter contracts in pyproject.toml).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from u22a8.data import idempotency_store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer


def persistence_layer() -> DynamoDBPersistenceLayer:
    """The idempotency table's persistence layer (a new one each call: the api caches it)."""
    return idempotency_store.persistence_layer()
