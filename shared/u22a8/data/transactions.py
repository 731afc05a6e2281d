"""TransactWriteItems with the behaviour every writer of the models table needs, written once.

Each attempt carries a fresh request token, so an SDK retry of an attempt that did commit is a
no-op rather than a refused second attempt. Throttling, and conflicts with concurrent
transactions that do not clear, become a retryable 503 (nothing was written). A transaction
refused by a condition comes back as :class:`Refused`: per action, its reason code and the item
as it was (``ReturnValuesOnConditionCheckFailure: ALL_OLD``), which tells the caller why.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from u22a8.data import clients
from u22a8.data.items import error_code, raise_if_throttled
from u22a8.entities.errors import ServiceBusy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

CONDITION_FAILED = "ConditionalCheckFailed"
RETRYABLE_REASONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)


@dataclass(frozen=True)
class Refused:
    """Why a transaction was cancelled: per action its reason code and (ALL_OLD) item."""

    codes: list[str]
    items: list[Mapping[str, Any] | None]

    def failed(self, index: int) -> bool:
        """Whether action ``index`` was refused by its condition."""
        return index < len(self.codes) and self.codes[index] == CONDITION_FAILED

    def item(self, index: int) -> Mapping[str, Any] | None:
        return self.items[index] if index < len(self.items) else None


def transact_write(actions: Sequence[Any], attempts: int = 1) -> Refused | None:
    """One TransactWriteItems; ``None`` when it committed, else why a condition refused it.

    With ``attempts`` > 1, a transaction that conflicts with others on the same items is retried
    after a short jittered backoff (the other transaction holds them for milliseconds).
    """
    typed = cast("list[TransactWriteItemTypeDef]", list(actions))
    for attempt in range(1, attempts + 1):
        try:
            clients.dynamodb().transact_write_items(
                TransactItems=typed, ClientRequestToken=str(uuid.uuid4())
            )
        except ClientError as error:
            raise_if_throttled(error)
            if error_code(error) != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons", [])
            codes = [str(reason.get("Code", "None")) for reason in reasons]
            if RETRYABLE_REASONS.intersection(codes):
                if attempt == attempts:
                    raise ServiceBusy(retry_after_s=1) from error
                time.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 - jitter only
                continue
            items: list[Mapping[str, Any] | None] = [reason.get("Item") for reason in reasons]
            return Refused(codes, items)
        return None
    raise AssertionError("unreachable")  # pragma: no cover
