"""Storage side of the zero-data-retention purge: deleting a model's samples and dataset snapshots
in bounded batches, and the ``purge_pending`` marker on the model item that drives it.

The PATCH that turns zero-data-retention on sets ``data_epoch`` and ``purge_pending`` (both the
PATCH's time). The purge deletes what was stored at or before the epoch, batch by batch; after
each batch it bumps ``purge_batches`` on the model item (a change the ModelsTable stream carries
to the next batch), and when nothing is left it removes the marker. Every write is conditioned on
the marker still being the one the batch was for, and deletes are idempotent, so a batch that
crashed half way is simply done again. See docs/training-design.md, "Zero-data-retention".
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients, samples_repo
from u22a8.data.items import error_code, from_item, raise_if_throttled
from u22a8.data.keys import model_key, model_pk
from u22a8.data.model_update import ModelUpdate
from u22a8.entities.errors import ServiceBusy
from u22a8.entities.purge import PendingPurge

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import WriteRequestTypeDef

PURGE_INDEX = "gsi3"
# BatchWriteItem takes at most 25 requests; unprocessed ones are retried this often.
_BATCH_WRITE_MAX = 25
_UNPROCESSED_ATTEMPTS = 8
# S3 ListObjectsV2 and DeleteObjects take at most 1,000 keys.
_S3_PAGE = 1000


def _table() -> str:
    return get_settings().models_table


def pending() -> Iterator[PendingPurge]:
    """Every model with a purge under way (the sparse index holds only those)."""
    params: dict[str, Any] = {"TableName": _table(), "IndexName": PURGE_INDEX}
    while True:
        try:
            response = clients.dynamodb().scan(**params)
        except ClientError as error:
            raise_if_throttled(error)
            raise
        for item in response.get("Items", []):
            values = from_item(item)
            token = values.get("purge_pending")
            if values.get("handle") and token:
                yield PendingPurge(values["handle"], token, values.get("data_epoch") or token)
        last_key = response.get("LastEvaluatedKey")
        if not last_key:
            return
        params["ExclusiveStartKey"] = last_key


def delete_samples_before(handle: str, data_epoch: str, limit: int) -> int:
    """Delete up to ``limit`` of the model's samples stored at or before the epoch; how many.

    Keys only are read (one query), then deleted 25 a ``BatchWriteItem``, unprocessed items
    retried with backoff. Samples stored after the epoch (zero-data-retention turned off again)
    are outside the key range, so they are never touched.
    """
    first, last = samples_repo.key_range(data_epoch, before=True)
    try:
        response = clients.dynamodb().query(
            TableName=_table(),
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues={
                ":pk": {"S": model_pk(handle)},
                ":first": {"S": first},
                ":last": {"S": last},
            },
            ProjectionExpression="pk, sk",
            Limit=limit,
            ConsistentRead=True,
        )
    except ClientError as error:
        raise_if_throttled(error)
        raise
    keys = response.get("Items", [])
    for start in range(0, len(keys), _BATCH_WRITE_MAX):
        requests: list[WriteRequestTypeDef] = [
            {"DeleteRequest": {"Key": {"pk": key["pk"], "sk": key["sk"]}}}
            for key in keys[start : start + _BATCH_WRITE_MAX]
        ]
        _batch_delete(requests)
    return len(keys)


def _batch_delete(requests: list[WriteRequestTypeDef]) -> None:
    for attempt in range(_UNPROCESSED_ATTEMPTS):
        try:
            response = clients.dynamodb().batch_write_item(RequestItems={_table(): requests})
        except ClientError as error:
            raise_if_throttled(error)
            raise
        unprocessed = response.get("UnprocessedItems", {}).get(_table(), [])
        requests = cast("list[WriteRequestTypeDef]", list(unprocessed))
        if not requests:
            return
        # DynamoDB asks to back off before resending what it could not take (throttling).
        time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter only
    raise ServiceBusy(retry_after_s=1)


def delete_snapshots_before(handle: str, data_epoch: str, limit: int = _S3_PAGE) -> int:
    """Delete up to ``limit`` dataset snapshots of the model written at or before the epoch; how
    many were found. Snapshots of runs started later are left to their runs."""
    s3 = clients.s3()
    bucket = get_settings().artifacts_bucket
    epoch = datetime.fromisoformat(data_epoch)
    listed = s3.list_objects_v2(
        Bucket=bucket, Prefix=f"datasets/{handle}/", MaxKeys=min(limit, _S3_PAGE)
    )
    keys = [
        obj["Key"]
        for obj in listed.get("Contents", [])
        if "Key" in obj and ("LastModified" not in obj or obj["LastModified"] <= epoch)
    ]
    if keys:
        result = s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True}
        )
        if result.get("Errors"):
            raise RuntimeError(f"could not delete {len(result['Errors'])} snapshots of {handle}")
    return len(keys)


def _marker_update(handle: str, token: str) -> ModelUpdate:
    """A write of the marker that only the purge it was for may make."""
    update = ModelUpdate(_table(), model_key(handle)).where("purge_pending = :token")
    return update.values({":token": {"S": token}})


def _send(update: ModelUpdate) -> bool:
    """``False`` when the marker is gone (finished by another batch) or belongs to a newer
    purge."""
    try:
        clients.dynamodb().update_item(**update.request(old_on_refusal=False))
    except ClientError as error:
        raise_if_throttled(error)
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def record_batch(handle: str, token: str, deleted: int) -> bool:
    """Count a finished batch on the model item: the change the stream turns into the next one.
    Leaves ``revision`` alone (nothing of the API's model changed)."""
    update = _marker_update(handle, token).add("purge_batches :one", "purge_deleted :deleted")
    return _send(update.values({":one": {"N": "1"}, ":deleted": {"N": str(deleted)}}))


def finish(handle: str, token: str) -> bool:
    """Remove the marker: nothing of the purge is left."""
    return _send(
        _marker_update(handle, token).remove("purge_pending", "purge_batches", "purge_deleted")
    )
