"""The one builder of conditional updates of a model's item (``sk = META``).

Six repositories change the model item: PATCH and archive (``models_repo``), a sample write's
counters (``samples_repo``), a run's claim and release (``runs_repo``), progress and publish
(``training_repo``), tags (``versions_repo``) and the purge marker (``purge_repo``). Each says what
it changes and under which conditions; this writes the request one way for all of them: the
clauses grouped, the conditions AND-ed in the order given, only the names and values the caller
bound (DynamoDB refuses unused or empty maps), and the old item returned on a refusal so that the
caller can tell why without another read. Building makes no call: the caller sends the request
alone (``UpdateItem``) or inside a transaction, so each operation keeps its number of calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, cast

from u22a8.entities.model import ModelState

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef


class ModelUpdate:
    """A conditional update of one model item, built clause by clause."""

    def __init__(self, table: str, key: Mapping[str, AttributeValueTypeDef]) -> None:
        self._table = table
        self._key = dict(key)
        self._sets: list[str] = []
        self._removes: list[str] = []
        self._adds: list[str] = []
        self._conditions: list[str] = []
        self._names: dict[str, str] = {}
        self._values: dict[str, AttributeValueTypeDef] = {}

    def set(self, *clauses: str) -> Self:
        self._sets.extend(clauses)
        return self

    def remove(self, *paths: str) -> Self:
        self._removes.extend(paths)
        return self

    def add(self, *clauses: str) -> Self:
        self._adds.extend(clauses)
        return self

    def where(self, *conditions: str) -> Self:
        """AND ``conditions`` to the update's; a condition with an OR comes parenthesised."""
        self._conditions.extend(conditions)
        return self

    def names(self, names: Mapping[str, str]) -> Self:
        self._names.update(names)
        return self

    def values(self, values: Mapping[str, AttributeValueTypeDef]) -> Self:
        self._values.update(values)
        return self

    def revised(self, now: str) -> Self:
        """A change the API's model shows: a new ``revision`` (so a new ETag) and ``updated_at``.
        Bookkeeping the API does not show (progress, counters, markers) leaves both alone."""
        return self.set("revision = revision + :one", "updated_at = :now").values(
            {":one": {"N": "1"}, ":now": {"S": now}}
        )

    def live(self) -> Self:
        """Only a model that exists and is not archived: what every API write of it requires."""
        return (
            self.where("attribute_exists(pk)", "#state <> :archived")
            .names({"#state": "state"})
            .values({":archived": {"S": ModelState.ARCHIVED.value}})
        )

    def expecting(self, revision: int | None) -> Self:
        """Only at ``revision`` (``If-Match``); no condition when ``None``."""
        if revision is None:
            return self
        return self.where("revision = :expected").values({":expected": {"N": str(revision)}})

    @property
    def expression(self) -> str:
        clauses = (("SET", self._sets), ("REMOVE", self._removes), ("ADD", self._adds))
        return " ".join(f"{verb} {', '.join(parts)}" for verb, parts in clauses if parts)

    @property
    def condition(self) -> str:
        return " AND ".join(self._conditions)

    def request(self, *, old_on_refusal: bool = True) -> dict[str, Any]:
        """The update's parameters: an ``UpdateItem``'s (add ``ReturnValues`` to read the item as
        written) or a transaction's ``Update``. ``old_on_refusal``: a refusal carries the item as
        it was (``ALL_OLD``)."""
        if not self._sets and not self._removes and not self._adds:
            raise ValueError("a model update must change something")
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": self._key,
            "UpdateExpression": self.expression,
        }
        if self._conditions:
            request["ConditionExpression"] = self.condition
        if self._names:
            request["ExpressionAttributeNames"] = dict(self._names)
        if self._values:
            request["ExpressionAttributeValues"] = dict(self._values)
        if old_on_refusal:
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return request

    def transact_item(self) -> TransactWriteItemTypeDef:
        """The update as one action of a ``TransactWriteItems``."""
        return cast("TransactWriteItemTypeDef", {"Update": self.request()})
