"""DynamoDB access for the model item.

Item design (single table, see docs/data-model.md): ``pk = MODEL#<handle>``, ``sk = META``;
listing by namespace through ``gsi1`` (``gsi1pk = NS#<namespace>#LIVE|ARCHIVED``,
``gsi1sk = <created_at>#<handle>``, newest first). Every write bumps ``revision``, the ETag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients, cursors
from u22a8.data.items import from_item, raise_if_throttled, to_attr, to_item
from u22a8.data.keys import META_SK, model_key, model_pk
from u22a8.data.model_update import ModelUpdate
from u22a8.entities.model import (
    AutoPrune,
    AutoPruneChanges,
    LastOperation,
    Model,
    ModelChanges,
    ModelPage,
    ModelState,
    OperationError,
    Unset,
)
from u22a8.entities.version import tags_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

LISTING_INDEX = "gsi1"
# Set (true) by the sample write that takes samples_since_version to the retrain threshold and
# removed by a run's claim: what RetrainFunction's stream filter matches (docs/training-design.md).
RETRAIN_DUE = "retrain_due"


def listing_pk(namespace: str, archived: bool) -> str:
    return f"NS#{namespace}#{'ARCHIVED' if archived else 'LIVE'}"


@dataclass(frozen=True)
class ConditionFailure:
    """Why a conditional write was refused, read from the item as it was (``ALL_OLD``)."""

    existing: Model | None


class WriteRefused(Exception):
    def __init__(self, failure: ConditionFailure) -> None:
        super().__init__("conditional write refused")
        self.failure = failure


class HandleExists(Exception):
    pass


def _table() -> str:
    return get_settings().models_table


# --- mapping -----------------------------------------------------------------------------------


def _operation_from(raw: Mapping[str, Any] | None) -> LastOperation | None:
    if not raw:
        return None
    error = raw.get("error")
    return LastOperation(
        kind=raw["kind"],
        status=raw["status"],
        started_at=raw["started_at"],
        run_id=raw.get("run_id"),
        finished_at=raw.get("finished_at"),
        progress=raw.get("progress"),
        error=OperationError(code=error["code"], message=error["message"]) if error else None,
    )


def model_from_item(item: Mapping[str, Any]) -> Model:
    values = from_item(item)
    keep_unnamed = values.get("prune_keep_unnamed")
    keep_first = values.get("prune_keep_first_of_month")
    tag_map: dict[str, int] = dict(values.get("tag_map") or {})
    auto_prune = (
        AutoPrune(keep_unnamed=keep_unnamed, keep_first_of_month=keep_first)
        if keep_unnamed is not None or keep_first is not None
        else None
    )
    return Model(
        handle=values["handle"],
        criteria=tuple(values["criteria"]),
        state=ModelState(values["state"]),
        created_at=values["created_at"],
        updated_at=values["updated_at"],
        revision=values["revision"],
        task=values.get("task", "scoring"),
        objective=values.get("objective", "balanced_cosine"),
        description=values.get("description"),
        zero_data_retention=values.get("zero_data_retention", False),
        auto_prune=auto_prune,
        active_version_id=values.get("active_version_id"),
        active_version=values.get("active_version"),
        # The API's tags are derived, never stored: those of tag_map naming the active version.
        tags=tags_of(tag_map, values.get("active_version")),
        tag_map=tag_map,
        last_operation=_operation_from(values.get("last_operation")),
        current_run_id=values.get("current_run_id"),
        data_epoch=values.get("data_epoch"),
    )


def item_from_model(model: Model) -> dict[str, AttributeValueTypeDef]:
    archived = model.state is ModelState.ARCHIVED
    return to_item(
        {
            "pk": model_pk(model.handle),
            "sk": META_SK,
            "gsi1pk": listing_pk(model.namespace, archived),
            "gsi1sk": f"{model.created_at}#{model.handle}",
            "handle": model.handle,
            "namespace": model.namespace,
            "criteria": list(model.criteria),
            "task": model.task,
            "objective": model.objective,
            "description": model.description,
            "zero_data_retention": model.zero_data_retention,
            "prune_keep_unnamed": model.auto_prune.keep_unnamed if model.auto_prune else None,
            "prune_keep_first_of_month": (
                model.auto_prune.keep_first_of_month if model.auto_prune else None
            ),
            "state": model.state.value,
            # Always a map (empty at creation), so a tag PUT can SET tag_map.#tag in one write.
            "tag_map": dict(model.tag_map),
            "revision": model.revision,
            "created_at": model.created_at,
            "updated_at": model.updated_at,
        }
    )


# --- cursors -----------------------------------------------------------------------------------


def encode_cursor(last_key: Mapping[str, Any]) -> str:
    return cursors.encode(last_key)


# What a listing key's timestamp (``created_at``) and model name look like.
_TIMESTAMP = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z"
_NAME = r"[a-z0-9][a-z0-9-]{0,62}"


def decode_cursor(cursor: str, namespace: str, archived: bool) -> dict[str, AttributeValueTypeDef]:
    """The start key of a page of ``namespace``'s listing; 422 for a cursor of any other listing
    or one not of a model listing's key shape, so one cannot page into another tenant's
    listing nor send DynamoDB a key of one's own making."""
    handle = re.escape(namespace) + r"\." + _NAME
    shape: cursors.Shape = {
        "gsi1pk": listing_pk(namespace, archived),
        "gsi1sk": re.compile(f"{_TIMESTAMP}#{handle}"),
        "pk": re.compile(re.escape(model_pk("")) + handle),
        "sk": META_SK,
    }
    return cursors.decode(cursor, shape, _same_model)


def _same_model(key: Mapping[str, str]) -> bool:
    """The listing key's sort key ends with the handle its partition key names."""
    return model_pk(key["gsi1sk"].split("#", 1)[1]) == key["pk"]


# --- operations --------------------------------------------------------------------------------


def put_new(model: Model) -> None:
    """Create the item; a handle that exists (archived or not) is refused by the condition."""
    try:
        clients.dynamodb().put_item(
            TableName=_table(),
            Item=item_from_model(model),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as error:
        raise_if_throttled(error)
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise HandleExists(model.handle) from error
        raise


def get(handle: str) -> Model | None:
    try:
        response = clients.dynamodb().get_item(
            TableName=_table(),
            Key=model_key(handle),
            ConsistentRead=True,
        )
    except ClientError as error:
        raise_if_throttled(error)
        raise
    item = response.get("Item")
    return model_from_item(item) if item else None


def list_page(
    namespace: str,
    archived: bool,
    state: ModelState | None,
    limit: int,
    cursor: str | None,
) -> ModelPage:
    """Newest first. A state filter may need several queries to fill a page; each query asks for
    no more than is still missing, so the cursor always points right after the last item shown."""
    partition = listing_pk(namespace, archived)
    start_key = decode_cursor(cursor, namespace, archived) if cursor else None
    models: list[Model] = []
    filter_state = state if state is not None and not archived else None
    for _ in range(10):
        params: dict[str, Any] = {
            "TableName": _table(),
            "IndexName": LISTING_INDEX,
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": {"S": partition}},
            "ScanIndexForward": False,
            "Limit": limit - len(models),
        }
        if filter_state is not None:
            params["FilterExpression"] = "#state = :s"
            params["ExpressionAttributeNames"] = {"#state": "state"}
            params["ExpressionAttributeValues"][":s"] = {"S": filter_state.value}
        if start_key:
            params["ExclusiveStartKey"] = start_key
        try:
            response = clients.dynamodb().query(**params)
        except ClientError as error:
            raise_if_throttled(error)
            raise
        models.extend(model_from_item(item) for item in response.get("Items", []))
        start_key = response.get("LastEvaluatedKey")
        if not start_key or len(models) >= limit:
            break
    return ModelPage(models=models, next_cursor=encode_cursor(start_key) if start_key else None)


def _update(handle: str, now: str, expected_revision: int | None) -> ModelUpdate:
    """A change of a live model the API shows (new revision), at ``expected_revision`` if given."""
    return ModelUpdate(_table(), model_key(handle)).revised(now).live().expecting(expected_revision)


def _conditional_update_item(update: ModelUpdate) -> Mapping[str, Any]:
    """One conditional UpdateItem answering the item as stored; on refusal the old item tells the
    caller why (no extra read)."""
    try:
        response = clients.dynamodb().update_item(**update.request(), ReturnValues="ALL_NEW")
    except ClientError as error:
        raise_if_throttled(error)
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            old: Mapping[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
            raise WriteRefused(ConditionFailure(model_from_item(old) if old else None)) from error
        raise
    return response["Attributes"]


def apply_changes(
    handle: str, changes: ModelChanges, expected_revision: int | None, now: str
) -> Model:
    """Apply a merge patch in exactly one conditional write."""
    sets: list[str] = []
    removes: list[str] = []
    names: dict[str, str] = {}
    values: dict[str, AttributeValueTypeDef] = {}
    if not isinstance(changes.description, Unset):
        names["#description"] = "description"
        if changes.description is None:
            removes.append("#description")
        else:
            sets.append("#description = :description")
            values[":description"] = to_attr(changes.description)
    if not isinstance(changes.zero_data_retention, Unset):
        sets.append("zero_data_retention = :zdr")
        values[":zdr"] = {"BOOL": changes.zero_data_retention}
        if changes.zero_data_retention:
            # In the same write: the retention epoch hides every sample stored so far from
            # lists, reads and runs; purge_pending hands their deletion to the purge (stream).
            sets += [
                "data_epoch = :now",
                "purge_pending = :now",
                "sample_count = :zero_samples",
                "samples_since_version = :zero_samples",
            ]
            values[":zero_samples"] = {"N": "0"}
    prune = changes.auto_prune
    if prune is None:
        removes.extend(["prune_keep_unnamed", "prune_keep_first_of_month"])
    elif isinstance(prune, AutoPruneChanges):
        for attribute, value in (
            ("prune_keep_unnamed", prune.keep_unnamed),
            ("prune_keep_first_of_month", prune.keep_first_of_month),
        ):
            if value is None:
                removes.append(attribute)
            elif not isinstance(value, Unset):
                sets.append(f"{attribute} = :{attribute}")
                values[f":{attribute}"] = to_attr(value)
    update = _update(handle, now, expected_revision).set(*sets).remove(*removes)
    return model_from_item(_conditional_update_item(update.names(names).values(values)))


def archive(
    handle: str, namespace: str, expected_revision: int | None, now: str
) -> tuple[Model, ModelState]:
    """Move the model to ``archived`` and into the archived listing, in one conditional write;
    the archived model and the state it left.

    The write keeps that state as ``state_before_archive`` (an update's right-hand side reads the
    item as it was), so the one write tells it without a read. A busy model is refused (its run
    must be stopped first, or it would keep the model busy forever); the refusal's old item names
    the run (``current_run_id``).
    """
    update = (
        _update(handle, now, expected_revision)
        .set("state_before_archive = #state", "#state = :archived_state")
        .set("gsi1pk = :archived_listing")
        .where("#state <> :busy")
        .values(
            {
                ":busy": {"S": ModelState.BUSY.value},
                ":archived_state": {"S": ModelState.ARCHIVED.value},
                ":archived_listing": {"S": listing_pk(namespace, archived=True)},
            }
        )
    )
    item = _conditional_update_item(update)
    return model_from_item(item), ModelState(item["state_before_archive"]["S"])
