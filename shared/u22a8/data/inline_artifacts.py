"""A version's artifact, copied into the table next to its version item.

S3 stays the store of record for every artifact (``data.artifacts``). A version whose artifact is
at most :func:`inline_limit_bytes` (about 3 MiB) also gets a copy in its model's partition, in
chunks of at most ``CHUNK_BYTES`` (an item holds at most 400 KB): ``pk = MODEL#<handle>``,
``sk = ARTIFACT#<version_id>#<chunk, 3 digits>``, binary ``artifact`` and the number of chunks
``chunks``. The publish transaction writes them with the version item (a transaction holds 4 MB
in all) and the prune deletes them with it.

The score function then loads such a version with the DynamoDB client it already has: a cold
container skips creating an S3 client (botocore parsing S3's service model and endpoint rules
costs about an eighth of a Lambda cold start) and opening a second connection. The keys sort
outside ``VERSION#``, so listing versions never reads these items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from u22a8.config import get_settings
from u22a8.data.keys import model_pk
from u22a8.data.pages import query_items

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

#: Bytes per chunk item, under DynamoDB's 400 KB per item with room for the keys.
CHUNK_BYTES = 350_000
#: Largest artifact copied: nine chunks, so the publish transaction (its version item and two
#: updates besides) stays under DynamoDB's 4 MB per transaction.
MAX_CHUNKS = 9
ARTIFACT_PREFIX = "ARTIFACT#"


def inline_limit_bytes() -> int:
    return CHUNK_BYTES * MAX_CHUNKS


def fits(size: int) -> bool:
    return 0 < size <= inline_limit_bytes()


def _prefix(version_id: str) -> str:
    return f"{ARTIFACT_PREFIX}{version_id}#"


def _key(handle: str, version_id: str, index: int) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": model_pk(handle)}, "sk": {"S": f"{_prefix(version_id)}{index:03d}"}}


def put_actions(handle: str, version_id: str, blob: bytes) -> list[TransactWriteItemTypeDef]:
    """The chunks' ``Put``s, for the publish transaction; refused if ``blob`` does not fit."""
    if not fits(len(blob)):
        raise ValueError(f"an artifact of {len(blob)} bytes is not copied into the table")
    table = get_settings().models_table
    pieces = [blob[start : start + CHUNK_BYTES] for start in range(0, len(blob), CHUNK_BYTES)]
    return [
        {
            "Put": {
                "TableName": table,
                "Item": {
                    **_key(handle, version_id, index),
                    "artifact": {"B": piece},
                    "chunks": {"N": str(len(pieces))},
                },
            }
        }
        for index, piece in enumerate(pieces)
    ]


def delete_actions(handle: str, version_id: str) -> list[TransactWriteItemTypeDef]:
    """``Delete``s of every chunk the copy can have, for the prune transaction (deleting a chunk
    that does not exist changes nothing, so no read is needed to know how many there are)."""
    table = get_settings().models_table
    return [
        {"Delete": {"TableName": table, "Key": _key(handle, version_id, index)}}
        for index in range(MAX_CHUNKS)
    ]


def get(handle: str, version_id: str) -> bytes | None:
    """The copied artifact, or ``None`` when the version has no (complete) copy: too large to
    copy, or published before copies existed. The caller then reads S3."""
    params: dict[str, Any] = {
        "TableName": get_settings().models_table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {
            ":pk": {"S": model_pk(handle)},
            ":prefix": {"S": _prefix(version_id)},
        },
        "ConsistentRead": True,  # all chunks of the transaction that wrote them, or none
    }
    items = list(query_items(params))
    if not items or any(int(item["chunks"]["N"]) != len(items) for item in items):
        return None
    return b"".join(bytes(item["artifact"]["B"]) for item in items)
