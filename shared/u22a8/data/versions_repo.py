"""DynamoDB access for published versions and the model's tags.

Item design (docs/data-model.md): versions live in their model's partition, ``pk = MODEL#<handle>``,
``sk = VERSION#<n zero-padded to 6>``, so string order is numeric order and "newest first" is one
descending query. Tags are the model item's ``tag_map`` (tag to version number): a tag names at
most one version, and moving it is one write of the model.

Two writes need more than one item, so they are transactions whose conditions make the race
between tagging and pruning safe:

- a tag PUT checks that the version exists (``ConditionCheck``) while it updates the model;
- a prune deletes versions only while the model's ``revision`` is the one it planned with, and
  every tag change and publish bumps ``revision``.

So a version is either deleted before it is tagged (the PUT is then 404) or tagged before it is
deleted (the prune is then refused and starts over with the new tags).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients, cursors, inline_artifacts
from u22a8.data.items import error_code, from_item, raise_if_throttled, to_attr, to_item
from u22a8.data.keys import VERSION_SK_PREFIX, model_key, model_pk, version_key, version_sk
from u22a8.data.model_update import ModelUpdate
from u22a8.data.models_repo import ConditionFailure, WriteRefused, model_from_item
from u22a8.data.pages import query_items
from u22a8.data.transactions import Refused, transact_write
from u22a8.entities.errors import ServiceBusy
from u22a8.entities.model import Model, ModelState
from u22a8.entities.version import Version

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

VERSION_KEYS = frozenset({"pk", "sk"})
# A version item's sort key (its number, six digits), as a cursor must carry it.
_VERSION_SK_SHAPE = re.compile(re.escape(VERSION_SK_PREFIX) + "[0-9]{6}")
# One ConditionCheck of the model plus up to 99 deletes: DynamoDB's 100 actions per transaction.
MAX_DELETES_PER_TRANSACTION = 99


class VersionMissing(Exception):
    pass


class TagMissing(Exception):
    pass


class ModelChanged(Exception):
    """The model's revision is no longer the one a prune was planned with; ``deleted`` are the
    versions whose transactions committed before that was noticed."""

    def __init__(self, handle: str, deleted: list[int]) -> None:
        super().__init__(f"model {handle} changed while pruning")
        self.deleted = deleted


@dataclass(frozen=True)
class StoredVersionPage:
    versions: list[Version]
    next_cursor: str | None


def _table() -> str:
    return get_settings().models_table


# --- mapping -----------------------------------------------------------------------------------


def item_from_version(handle: str, version: Version) -> dict[str, AttributeValueTypeDef]:
    """The stored item. No ``gsi1`` attributes: a version must never appear in model listings."""
    return to_item(
        {
            "pk": model_pk(handle),
            "sk": version_sk(version.version),
            "version_id": version.version_id,
            "version": version.version,
            "created_at": version.created_at,
            "run_id": version.run_id,
            "params": dict(version.params),
            "metrics": dict(version.metrics),
            "artifact_key": version.artifact_key,
            "sample_count": version.sample_count,
        }
    )


def version_from_item(item: Mapping[str, Any]) -> Version:
    values = from_item(item)
    return Version(
        version_id=values["version_id"],
        version=values["version"],
        created_at=values["created_at"],
        run_id=values.get("run_id"),
        params=values.get("params", {}),
        metrics=values.get("metrics", {}),
        artifact_key=values.get("artifact_key"),
        sample_count=values.get("sample_count"),
    )


# --- calls -------------------------------------------------------------------------------------


def _transact(actions: list[TransactWriteItemTypeDef]) -> Refused | None:
    return transact_write(actions)


def put(handle: str, version: Version) -> None:
    """Store a version (refusing to overwrite one): seeds tests and tools; the workflow's publish
    puts it in its own transaction with :func:`put_action`."""
    try:
        clients.dynamodb().put_item(**put_action(handle, version)["Put"])
    except ClientError as error:
        raise_if_throttled(error)
        raise


def put_action(handle: str, version: Version) -> TransactWriteItemTypeDef:
    """The version's ``Put``, for a transaction (versions are immutable: never overwritten)."""
    return {
        "Put": {
            "TableName": _table(),
            "Item": item_from_version(handle, version),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def get(handle: str, version: int) -> Version | None:
    try:
        response = clients.dynamodb().get_item(
            TableName=_table(), Key=version_key(handle, version), ConsistentRead=True
        )
    except ClientError as error:
        raise_if_throttled(error)
        raise
    item = response.get("Item")
    return version_from_item(item) if item else None


def list_page(handle: str, limit: int, cursor: str | None) -> StoredVersionPage:
    """Up to ``limit`` versions, newest first, from one consistent query.

    One extra item is asked for, so the last page has no cursor. The cursor must point into this
    model's versions (422 otherwise).
    """
    partition = model_pk(handle)
    params: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {
            ":pk": {"S": partition},
            ":prefix": {"S": VERSION_SK_PREFIX},
        },
        "ScanIndexForward": False,
        "Limit": limit + 1,
        "ConsistentRead": True,
    }
    if cursor:
        params["ExclusiveStartKey"] = cursors.decode(
            cursor, {"pk": partition, "sk": _VERSION_SK_SHAPE}
        )
    try:
        response = clients.dynamodb().query(**params)
    except ClientError as error:
        raise_if_throttled(error)
        raise
    versions = [version_from_item(item) for item in response.get("Items", [])]
    if len(versions) > limit:
        versions = versions[:limit]
        next_key = version_key(handle, versions[-1].version)
        return StoredVersionPage(versions, cursors.encode(next_key))
    last_key = response.get("LastEvaluatedKey")
    return StoredVersionPage(versions, cursors.encode(last_key) if last_key else None)


def all_versions(handle: str) -> list[Version]:
    """Every version of the model without params and metrics (what pruning needs), paging
    through the query; a model keeps at most a few hundred versions under any sane policy."""
    params: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {
            ":pk": {"S": model_pk(handle)},
            ":prefix": {"S": VERSION_SK_PREFIX},
        },
        "ProjectionExpression": "version_id, version, created_at, artifact_key",
        "ConsistentRead": True,
    }
    return [version_from_item(item) for item in query_items(params)]


def delete_unless_model_changed(handle: str, versions: Sequence[Version], revision: int) -> None:
    """Delete the versions' items (and their artifacts' copies in the table), each transaction
    conditional on the model still being at ``revision`` (so no tag or publish happened since
    the prune was planned).

    Raises :class:`ModelChanged` on refusal. Transactions already committed stay committed (it
    names their versions), which is safe: those versions were prunable at that revision.
    """
    deleted: list[int] = []
    # A version is its item and every chunk its artifact's copy can have.
    per_transaction = MAX_DELETES_PER_TRANSACTION // (1 + inline_artifacts.MAX_CHUNKS)
    for start in range(0, len(versions), per_transaction):
        chunk = versions[start : start + per_transaction]
        actions: list[TransactWriteItemTypeDef] = [
            {
                "ConditionCheck": {
                    "TableName": _table(),
                    "Key": model_key(handle),
                    "ConditionExpression": "revision = :revision",
                    "ExpressionAttributeValues": {":revision": {"N": str(revision)}},
                }
            }
        ]
        for version in chunk:
            actions.append(
                {"Delete": {"TableName": _table(), "Key": version_key(handle, version.version)}}
            )
            actions.extend(inline_artifacts.delete_actions(handle, version.version_id))
        refused = _transact(actions)
        if refused is not None:
            if refused.failed(0):
                raise ModelChanged(handle, deleted)
            raise RuntimeError(f"version delete refused: {refused.codes}")
        deleted.extend(version.version for version in chunk)


def set_tag(handle: str, tag: str, version: int, now: str) -> None:
    """Point ``tag`` at ``version`` (moving it if it named another): one transaction of the
    model's update and a check that the version exists.

    Raises :class:`WriteRefused` (the model as it was) when the model is missing or archived, and
    :class:`VersionMissing` when the version is. Models written before ``tag_map`` existed are
    given the whole map in a second transaction (a nested SET needs the map to exist).
    """
    check: TransactWriteItemTypeDef = {
        "ConditionCheck": {
            "TableName": _table(),
            "Key": version_key(handle, version),
            "ConditionExpression": "attribute_exists(sk)",
        }
    }
    has_map = True  # every model created since tags exist has one
    for _ in range(3):  # map present, absent, present again if a racer created it meanwhile
        update = ModelUpdate(_table(), model_key(handle))
        if has_map:
            update.set("tag_map.#tag = :n").revised(now).live().where("attribute_exists(tag_map)")
            update.names({"#tag": tag}).values({":n": {"N": str(version)}})
        else:
            update.set("tag_map = :map").revised(now).live()
            update.where("attribute_not_exists(tag_map)").values({":map": to_attr({tag: version})})
        refused = _transact([update.transact_item(), check])
        if refused is None:
            return
        old = refused.items[0]
        existing = model_from_item(old) if refused.failed(0) and old else None
        if refused.failed(0) and (existing is None or existing.state is ModelState.ARCHIVED):
            raise WriteRefused(ConditionFailure(existing))
        if refused.failed(1):
            raise VersionMissing(version)
        if not refused.failed(0):
            raise RuntimeError(f"tag write refused: {refused.codes}")
        has_map = not has_map  # only the map's presence differed from what was assumed
    raise ServiceBusy(retry_after_s=1)


def remove_tag(handle: str, tag: str, now: str) -> Model:
    """Remove a tag in one conditional UpdateItem; returns the model as written.

    Raises :class:`WriteRefused` when the model is missing or archived, :class:`TagMissing` when it
    has no such tag.
    """
    update = ModelUpdate(_table(), model_key(handle)).revised(now).live()
    update.remove("tag_map.#tag").where("attribute_exists(tag_map.#tag)").names({"#tag": tag})
    try:
        response = clients.dynamodb().update_item(**update.request(), ReturnValues="ALL_NEW")
    except ClientError as error:
        raise_if_throttled(error)
        if error_code(error) == "ConditionalCheckFailedException":
            old: Mapping[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]
            existing = model_from_item(old) if old else None
            if existing is None or existing.state is ModelState.ARCHIVED:
                raise WriteRefused(ConditionFailure(existing)) from error
            raise TagMissing(tag) from error
        raise
    return model_from_item(response["Attributes"])
