"""Emulator speed: keep moto's ``TransactWriteItems`` from costing time in the size of the table.

moto 5.2.5 backs up a transaction by deep-copying the *whole table once per item written*
(``DynamoDBBackend.transact_write_items``), so a 100-sample upload into a table of 10,000 samples
deep-copies a million items, and every claim, progress update or publish of a training run copies
every sample of the table twice. Locally that turns a 10,000-sample training benchmark into an
hour of ``copy.deepcopy``, and it is no property of DynamoDB.

:func:`item_level_transaction_rollback` keeps moto's transaction logic (conditions, cancellation
reasons, ``ALL_OLD`` items) and replaces only the backup: before the transaction, a deep copy of
each item it names; on any failure, those items are put back exactly (or removed again, if they
did not exist). Rolling back per item is only sound if nothing else writes meanwhile, so it runs
under ``local.moto_fidelity``'s lock, which every DynamoDB request moto serves holds.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any

from local import moto_fidelity, patches

_MARKER = "__u22a8_item_rollback__"
_no_table_copies = threading.local()


def _rollback_point(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """``(table, hash, range, deep copy of the item or None)`` for each item the transaction
    names; tables that do not exist are left to moto's own error."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    saved: list[tuple[Any, ...]] = []
    for entry in transact_items:
        for op in entry.values():
            if not isinstance(op, Mapping) or op.get("TableName") not in backend.tables:
                continue
            table = backend.tables[op["TableName"]]
            key = op.get("Key") or op.get("Item") or {}
            if table.hash_key_attr not in key:
                continue
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = None
            if table.range_key_attr is not None:
                if table.range_key_attr not in key:
                    continue
                range_value = DynamoType(key[table.range_key_attr])
            current = table.get_item(hash_value, range_value)
            saved.append((table, hash_value, range_value, copy.deepcopy(current)))
    return saved


def _roll_back(saved: list[tuple[Any, ...]]) -> None:
    for table, hash_value, range_value, item in reversed(saved):
        if range_value is not None:
            if item is None:
                table.items[hash_value].pop(range_value, None)
            else:
                table.items[hash_value][range_value] = item
        elif item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item


def _wrap(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with moto_fidelity._LOCK:  # every DynamoDB request moto serves holds it
            saved = _rollback_point(self, transact_items)
            _no_table_copies.active = True
            try:
                original(self, transact_items)
            except Exception:
                _roll_back(saved)
                raise
            finally:
                _no_table_copies.active = False

    setattr(transact_write_items, _MARKER, True)
    return transact_write_items


def _table_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
    """Inside a wrapped transaction, moto's whole-table backup is the table itself (a no-op)."""
    if getattr(_no_table_copies, "active", False):
        return self
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    for name, value in vars(self).items():
        setattr(clone, name, copy.deepcopy(value, memo))
    return clone


@patches.guarded("dynamodb-item-rollback")
def item_level_transaction_rollback() -> None:
    """Apply to moto's DynamoDB in this process (after ``serialize_dynamodb``); idempotent."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    moto_fidelity.serialize_dynamodb()
    if getattr(DynamoDBBackend.transact_write_items, _MARKER, False):
        return
    DynamoDBBackend.transact_write_items = _wrap(  # type: ignore[method-assign]
        DynamoDBBackend.transact_write_items
    )
    setattr(Table, "__deepcopy__", _table_deepcopy)  # noqa: B010 - moto's class, untyped here
