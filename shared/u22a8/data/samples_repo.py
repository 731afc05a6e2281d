"""DynamoDB access for labelled samples.

Item design: samples live in their model's partition, ``pk = MODEL#<handle>``,
``sk = SAMPLE#<sample_id>``, with ``sample_id``, ``text``, ``scores`` (a map) and ``created_at``.
Sample ids sort by creation, so a query of the partition lists samples in insertion order.

Every write also updates the model item in the same transaction, conditioned on the model's state,
so a concurrent archive or zero-data-retention PATCH can never let a sample slip in. The counters
it keeps there (``sample_count``, ``samples_since_version``) leave ``revision`` (the ETag) alone:
the model's public representation does not change when samples are added.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients, cursors
from u22a8.data.items import error_code, from_item, raise_if_throttled
from u22a8.data.keys import model_key, model_pk
from u22a8.data.model_update import ModelUpdate
from u22a8.data.models_repo import RETRAIN_DUE, ConditionFailure, WriteRefused, model_from_item
from u22a8.data.transactions import CONDITION_FAILED, transact_write
from u22a8.entities.model import ModelState
from u22a8.entities.sample import SAMPLE_ID_PATTERN, SAMPLE_ID_PREFIX, Sample, SamplePage
from u22a8.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

SAMPLE_SK_PREFIX = "SAMPLE#"
# Sorts after every character of a sample id (lowercase hex): the upper bound of a key range.
_AFTER_EVERY_ID = "~"
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SAMPLE_KEYS = frozenset({"pk", "sk"})
# A sample item's sort key, as a cursor must carry it (u22a8.data.cursors).
_SAMPLE_SK_SHAPE = re.compile(re.escape(SAMPLE_SK_PREFIX) + SAMPLE_ID_PATTERN.strip("^$"))
# DynamoDB allows 100 actions per transaction: the samples plus the model's counter update.
MAX_SAMPLES_PER_TRANSACTION = 99
# DynamoDB numbers cannot be smaller in magnitude than 1e-130; such labels are stored as 0.
_SMALLEST_NUMBER = 1e-130
# Cancellation reasons that mean "nothing was written, try again", not a refused condition.
# Counted on the model: all stored samples, and those added since the active version.
_ADD_COUNTERS = ("sample_count", "samples_since_version")


class SampleMissing(Exception):
    pass


class _Cancelled(Exception):
    """A transaction was refused by a condition; ``codes[i]`` is the reason of action ``i``."""

    def __init__(self, codes: list[str], items: list[Mapping[str, Any] | None]) -> None:
        super().__init__(f"transaction cancelled: {codes}")
        self.codes = codes
        self.items = items


def _table() -> str:
    return get_settings().models_table


def sample_sk(sample_id: str) -> str:
    return f"{SAMPLE_SK_PREFIX}{sample_id}"


def _epoch_ms(epoch: str) -> int:
    moment = datetime.fromisoformat(epoch)
    return (moment - _UNIX_EPOCH) // timedelta(milliseconds=1)


def key_range(epoch: str | None, before: bool = False) -> tuple[str, str]:
    """The ``sk`` range (``BETWEEN``) of the samples stored after the retention epoch, or with
    ``before`` of those stored at or before it (what the purge deletes).

    Sample ids start with their creation time in hex milliseconds, so the epoch is a key bound:
    a query never reads the samples it must not show. Without an epoch every sample is after it.
    """
    first, last = f"{SAMPLE_SK_PREFIX}{SAMPLE_ID_PREFIX}", f"{SAMPLE_SK_PREFIX}{_AFTER_EVERY_ID}"
    if epoch is None:
        return (first, first) if before else (first, last)
    millis = _epoch_ms(epoch)
    if before:
        return first, f"{SAMPLE_SK_PREFIX}{SAMPLE_ID_PREFIX}{millis:012x}{_AFTER_EVERY_ID}"
    return f"{SAMPLE_SK_PREFIX}{SAMPLE_ID_PREFIX}{millis + 1:012x}", last


def range_condition(epoch: str | None) -> tuple[str, dict[str, AttributeValueTypeDef]]:
    """A query's key condition and values for the model's samples after the retention epoch."""
    first, last = key_range(epoch)
    return "pk = :pk AND sk BETWEEN :first AND :last", {
        ":first": {"S": first},
        ":last": {"S": last},
    }


# --- mapping -----------------------------------------------------------------------------------


def _number(value: float) -> AttributeValueTypeDef:
    value = float(value) + 0.0  # folds -0.0 into 0.0
    return {"N": "0" if abs(value) < _SMALLEST_NUMBER else str(Decimal(str(value)))}


def item_from_sample(handle: str, sample: Sample) -> dict[str, AttributeValueTypeDef]:
    return {
        "pk": {"S": model_pk(handle)},
        "sk": {"S": sample_sk(sample.sample_id)},
        "sample_id": {"S": sample.sample_id},
        "text": {"S": sample.text},
        "scores": {"M": {name: _number(score) for name, score in sample.scores.items()}},
        "created_at": {"S": sample.created_at},
    }


def sample_from_item(item: Mapping[str, Any]) -> Sample:
    values = from_item(item)
    return Sample(
        sample_id=values["sample_id"],
        text=values["text"],
        scores={name: float(score) for name, score in values["scores"].items()},
        created_at=values["created_at"],
    )


# --- transactions ------------------------------------------------------------------------------


def _sample_key(handle: str, sample_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": model_pk(handle)}, "sk": {"S": sample_sk(sample_id)}}


def _stored_at(sample_id: str) -> str:
    """When a sample was stored, from its id (hex epoch ms after the prefix), as ``created_at``
    and ``data_epoch`` are written, so the two compare as strings."""
    millis = int(sample_id[len(SAMPLE_ID_PREFIX) : len(SAMPLE_ID_PREFIX) + 12], 16)
    try:
        moment = _UNIX_EPOCH + timedelta(milliseconds=millis)
    except OverflowError:
        # A well-formed id from after year 9999 names no sample we stored: it compares as the
        # latest possible time, and the lookup then finds nothing (404).
        return "9999-12-31T23:59:59.999Z"
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class _Retrain:
    """How an upload's counter update keeps the retrain marker (``RETRAIN_DUE``).

    ``mark``: set it. Otherwise the update is guarded: it passes only when the marker is already
    there or the new count stays below ``threshold``, so the one write that takes
    ``samples_since_version`` to the threshold is refused and sent again with ``mark``.
    """

    threshold: int
    mark: bool


def _count(
    handle: str,
    delta: int,
    counters: Sequence[str],
    live_only: bool,
    accepting_samples: bool,
    after_epoch: str | None = None,
    retrain: _Retrain | None = None,
) -> TransactWriteItemTypeDef:
    """The model's counter update; its condition is what makes a sample write legal. With
    ``after_epoch`` (a sample's storage time) it also requires the sample to be newer than the
    retention epoch: an older one is gone, even if the purge has not deleted it yet."""
    update = ModelUpdate(_table(), model_key(handle))
    if live_only:
        update.live()
    else:
        update.where("attribute_exists(pk)")
    update.add(*(f"{name} :delta" for name in counters)).values({":delta": {"N": str(delta)}})
    if retrain is not None and retrain.mark:
        update.set(f"{RETRAIN_DUE} = :due").values({":due": {"BOOL": True}})
    elif retrain is not None:
        update.where(
            f"(attribute_exists({RETRAIN_DUE}) OR attribute_not_exists(samples_since_version)"
            " OR samples_since_version < :below)"
        ).values({":below": {"N": str(retrain.threshold - delta)}})
    if after_epoch is not None:
        update.where("(attribute_not_exists(data_epoch) OR data_epoch < :stored_at)")
        update.values({":stored_at": {"S": after_epoch}})
    if accepting_samples:
        update.where("(attribute_not_exists(zero_data_retention) OR zero_data_retention = :no)")
        update.values({":no": {"BOOL": False}})
    return update.transact_item()


def _put(handle: str, sample: Sample) -> TransactWriteItemTypeDef:
    return {
        "Put": {
            "TableName": _table(),
            "Item": item_from_sample(handle, sample),
            "ConditionExpression": "attribute_not_exists(pk)",  # never overwrite a sample
        }
    }


def _delete(handle: str, sample_id: str, must_exist: bool) -> TransactWriteItemTypeDef:
    delete: dict[str, Any] = {"TableName": _table(), "Key": _sample_key(handle, sample_id)}
    if must_exist:
        delete["ConditionExpression"] = "attribute_exists(sk)"
    return {"Delete": delete}  # type: ignore[typeddict-item]


def _transact(actions: list[TransactWriteItemTypeDef]) -> None:
    """One TransactWriteItems; a refusal by a condition is raised as :class:`_Cancelled`."""
    refused = transact_write(actions)
    if refused is not None:
        raise _Cancelled(refused.codes, refused.items)


def _model_refusal(cancelled: _Cancelled) -> WriteRefused | None:
    """The model update's refusal (action 0), with the model as it was; ``None`` if it passed."""
    if not cancelled.codes or cancelled.codes[0] != CONDITION_FAILED:
        return None
    old = cancelled.items[0]
    return WriteRefused(ConditionFailure(model_from_item(old) if old else None))


def _chunks(samples: Sequence[Sample]) -> Iterator[Sequence[Sample]]:
    for start in range(0, len(samples), MAX_SAMPLES_PER_TRANSACTION):
        yield samples[start : start + MAX_SAMPLES_PER_TRANSACTION]


# --- operations --------------------------------------------------------------------------------


def add(handle: str, samples: Sequence[Sample]) -> None:
    """Store the samples, 99 a transaction, each with the model's conditional counter update.

    Raises :class:`WriteRefused` (with the model as it was) when the model is missing, archived or
    has zero-data-retention on. Should a later transaction of a large upload fail, the ones already
    committed are deleted again, so a failed upload leaves nothing behind and a retry cannot store
    duplicates.
    """
    committed: list[Sample] = []
    threshold = get_settings().retrain_threshold
    for chunk in _chunks(samples):
        try:
            _store(handle, chunk, threshold)
        except Exception as error:
            if committed:
                _undo(handle, committed)
            if isinstance(error, _Cancelled):
                refusal = _model_refusal(error)
                if refusal is None:
                    raise RuntimeError(f"sample write refused: {error.codes}") from error
                raise refusal from error
            raise
        committed.extend(chunk)


def _store(handle: str, chunk: Sequence[Sample], threshold: int) -> None:
    """One chunk's transaction. The write that takes the model to the retrain threshold is
    refused by the guard alone (the model is there, live and accepting samples) and is sent
    again setting the marker the retrain filter matches: a stream record's numbers are strings,
    which AWS's filters cannot compare with a threshold (docs/training-design.md)."""

    def actions(mark: bool) -> list[TransactWriteItemTypeDef]:
        update = _count(
            handle,
            len(chunk),
            _ADD_COUNTERS,
            live_only=True,
            accepting_samples=True,
            retrain=_Retrain(threshold, mark),
        )
        return [update, *(_put(handle, sample) for sample in chunk)]

    try:
        _transact(actions(mark=len(chunk) >= threshold))
    except _Cancelled as cancelled:
        refusal = _model_refusal(cancelled)
        model = refusal.failure.existing if refusal is not None else None
        if model is None or model.state is ModelState.ARCHIVED or model.zero_data_retention:
            raise
        _transact(actions(mark=True))


def _undo(handle: str, committed: Sequence[Sample]) -> None:
    """Best effort: delete samples of a failed upload and take back their counts."""
    for chunk in _chunks(committed):
        actions = [
            _count(handle, -len(chunk), _ADD_COUNTERS, live_only=False, accepting_samples=False)
        ]
        actions.extend(_delete(handle, sample.sample_id, must_exist=False) for sample in chunk)
        try:
            _transact(actions)
        except Exception:
            logger.exception(
                "could not undo a partial sample upload",
                extra={"handle": handle, "sample_ids": [s.sample_id for s in committed]},
            )
            return


def delete(handle: str, sample_id: str) -> None:
    """Delete one sample in one transaction with the model's conditional count update.

    Raises :class:`WriteRefused` when the model is missing or archived, or the sample predates
    its retention epoch (purged, or about to be), :class:`SampleMissing` when it has no such
    sample.
    """
    actions = [
        _count(
            handle,
            -1,
            ("sample_count",),
            live_only=True,
            accepting_samples=False,
            after_epoch=_stored_at(sample_id),
        ),
        _delete(handle, sample_id, must_exist=True),
    ]
    try:
        _transact(actions)
    except _Cancelled as cancelled:
        refusal = _model_refusal(cancelled)
        if refusal is not None:
            existing = refusal.failure.existing
            if existing is not None and existing.state is not ModelState.ARCHIVED:
                # Only the epoch refused: a sample of before zero-data-retention, no longer
                # counted. It is deleted alone (if the purge has not deleted it already).
                _delete_uncounted(handle, sample_id)
                return
            raise refusal from cancelled
        if cancelled.codes[1:2] == [CONDITION_FAILED]:
            raise SampleMissing(sample_id) from cancelled
        raise RuntimeError(f"sample delete refused: {cancelled.codes}") from cancelled


def _delete_uncounted(handle: str, sample_id: str) -> None:
    try:
        clients.dynamodb().delete_item(
            TableName=_table(),
            Key=_sample_key(handle, sample_id),
            ConditionExpression="attribute_exists(sk)",
        )
    except ClientError as error:
        raise_if_throttled(error)
        if error_code(error) == "ConditionalCheckFailedException":
            raise SampleMissing(sample_id) from error
        raise


def cursor_after(handle: str, sample_id: str) -> str:
    """The cursor of the page that starts right after ``sample_id``."""
    return cursors.encode(_sample_key(handle, sample_id))


def list_page(
    handle: str, limit: int, cursor: str | None, data_epoch: str | None = None
) -> SamplePage:
    """Up to ``limit`` samples in insertion order, from one strongly consistent query; only those
    stored after the retention epoch ``data_epoch``.

    One extra item is asked for, so the last page has no cursor (no empty page at the end). A page
    holds fewer than ``limit`` samples when DynamoDB's 1 MB per query is reached first.
    """
    partition = model_pk(handle)
    condition, bounds = range_condition(data_epoch)
    params: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": {":pk": {"S": partition}, **bounds},
        "Limit": limit + 1,
        "ConsistentRead": True,
    }
    if cursor:
        start = cursors.decode(cursor, {"pk": partition, "sk": _SAMPLE_SK_SHAPE})
        # A cursor from before the retention epoch points at purged samples: start after them.
        if str(start["sk"].get("S", "")) >= bounds[":first"]["S"]:
            params["ExclusiveStartKey"] = start
    try:
        response = clients.dynamodb().query(**params)
    except ClientError as error:
        raise_if_throttled(error)
        raise
    samples = [sample_from_item(item) for item in response.get("Items", [])]
    if len(samples) > limit:
        samples = samples[:limit]
        return SamplePage(samples, cursor_after(handle, samples[-1].sample_id))
    last_key = response.get("LastEvaluatedKey")
    return SamplePage(samples, cursors.encode(last_key) if last_key else None)
