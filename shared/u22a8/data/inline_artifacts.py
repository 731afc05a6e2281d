"""A small version's artifact, copied into the table next to its version item.

S3 stays the store of record for every artifact (``data.artifacts``). A version whose artifact
fits in a DynamoDB item also gets a copy as ``pk = MODEL#<handle>``, ``sk = ARTIFACT#<version_id>``
(binary ``artifact``), written by the publish transaction with the version item and deleted by
the prune with it. The score function then loads such a version with the DynamoDB client it
already has: a cold container skips creating an S3 client (botocore parsing S3's service model
and endpoint rules costs about an eighth of a Lambda cold start) and opening a second
connection. The key sorts outside ``VERSION#``, so listing versions never reads these items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.data.items import raise_if_throttled
from u22a8.data.models_repo import model_pk

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

#: Largest artifact copied into the table: an item is at most 400 KB, and the publish
#: transaction (4 MB in all) holds this item, the version item and two updates.
INLINE_LIMIT_BYTES = 300 * 1024
ARTIFACT_PREFIX = "ARTIFACT#"


def fits(size: int) -> bool:
    return 0 < size <= INLINE_LIMIT_BYTES


def _key(handle: str, version_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": model_pk(handle)}, "sk": {"S": f"{ARTIFACT_PREFIX}{version_id}"}}


def put_action(handle: str, version_id: str, blob: bytes) -> TransactWriteItemTypeDef:
    """The copy's ``Put``, for the publish transaction; refused if ``blob`` does not fit."""
    if not fits(len(blob)):
        raise ValueError(f"an artifact of {len(blob)} bytes is not copied into the table")
    return {
        "Put": {
            "TableName": get_settings().models_table,
            "Item": {**_key(handle, version_id), "artifact": {"B": blob}},
        }
    }


def delete_action(handle: str, version_id: str) -> TransactWriteItemTypeDef:
    """The copy's ``Delete``, for the prune transaction (nothing happens when there is none)."""
    return {"Delete": {"TableName": get_settings().models_table, "Key": _key(handle, version_id)}}


def get(handle: str, version_id: str) -> bytes | None:
    """The copied artifact, or ``None`` when the version has none (too large to copy, or
    published before copies existed): the caller then reads S3. An eventually consistent read
    is enough, as a miss right after the publish just falls back to S3."""
    try:
        response = clients.dynamodb().get_item(
            TableName=get_settings().models_table,
            Key=_key(handle, version_id),
            ProjectionExpression="artifact",
        )
    except ClientError as error:
        raise_if_throttled(error)
        raise
    value = response.get("Item", {}).get("artifact", {}).get("B")
    return bytes(value) if value is not None else None
