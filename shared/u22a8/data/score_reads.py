"""The reads a score request makes: one GetItem each, asking only for what scoring uses.

Scoring is the API's hot path. The model item holds the whole model (criteria, description, last
operation, counters...) and scoring needs only its version pointers, so the read projects those:
less to send and to parse (the read costs the same capacity either way), and the score function
imports neither the model entity nor the repositories that write these items (about 7 ms of its
cold start, ``bench/cold_start.py``).

Every projection names ``pk``, which every item has: an existing item always comes back with at
least its key, so "found" never depends on which optional attributes it happens to hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.data.items import from_item, raise_if_throttled
from u22a8.data.keys import model_key, version_key
from u22a8.entities.version import VersionPointers, VersionRef

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, GetItemOutputTypeDef

POINTER_ATTRIBUTES = ("pk", "active_version", "active_version_id", "tag_map")
VERSION_REF_ATTRIBUTES = ("pk", "version_id", "artifact_key")


def _get(
    key: dict[str, AttributeValueTypeDef], attributes: tuple[str, ...]
) -> GetItemOutputTypeDef:
    try:
        return clients.dynamodb().get_item(
            TableName=get_settings().models_table,
            Key=key,
            ConsistentRead=True,
            ProjectionExpression=", ".join(attributes),
        )
    except ClientError as error:
        raise_if_throttled(error)
        raise


def version_pointers(handle: str) -> VersionPointers | None:
    """The model's active version and tags; ``None`` when there is no such model."""
    item = _get(model_key(handle), POINTER_ATTRIBUTES).get("Item")
    if not item:
        return None
    values = from_item(item)
    return VersionPointers(
        active_version=values.get("active_version"),
        active_version_id=values.get("active_version_id"),
        tag_map=dict(values.get("tag_map") or {}),
    )


def version_ref(handle: str, number: int) -> VersionRef | None:
    """Version ``number``'s id and artifact key; ``None`` when there is no such version."""
    item = _get(version_key(handle, number), VERSION_REF_ATTRIBUTES).get("Item")
    if not item:
        return None
    values = from_item(item)
    return VersionRef(version_id=values["version_id"], artifact_key=values.get("artifact_key"))
