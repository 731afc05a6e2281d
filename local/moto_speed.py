"""Emulator speed: two of moto's costs that are no property of DynamoDB.

**Transactions.** moto 5.2.5 backs up a transaction by deep-copying the *whole table once per
item written* (``DynamoDBBackend.transact_write_items``), so a 100-sample upload into a table of
10,000 samples deep-copies a million items, and every claim, progress update or publish of a
training run copies every sample of the table twice. Locally that turns a 10,000-sample training
benchmark into an hour of ``copy.deepcopy``.

:func:`item_level_transaction_rollback` keeps moto's transaction logic (conditions, cancellation
reasons, ``ALL_OLD`` items) and replaces only the backup: before the transaction, a deep copy of
each item it names; on any failure, those items are put back exactly (or removed again, if they
did not exist). Rolling back per item is only sound if nothing else writes meanwhile, so it runs
under ``local.moto_fidelity``'s lock, which every DynamoDB request moto serves holds.

**Responses.** moto 5.2's generic response serializer walks botocore's model for every value, and
for each of an ``AttributeValue``'s ten members tries up to eight spellings of its name on the
value: about 0.8 ms of CPU per item returned, so one ``Query`` page of 4,000 samples or one
``GetRecords`` call of 1,000 stream records takes seconds (a purge of 10,000 samples spent 51 of
its 82 s there). moto already holds item values in their wire form (``{"S": "..."}``), so
:func:`wire_form_attribute_values` writes such a value as the serializer would, member for member
(blobs base64-encoded by the serializer's own method), and hands anything else (a value that is
not plain wire form, a customised attribute picker, a response transformer) to moto's own code.
``tests/integration/test_moto_speed.py`` holds the two paths to the same bytes.
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


# --- responses -------------------------------------------------------------------------------

_SERVICES = frozenset({"dynamodb", "dynamodbstreams"})
_STRINGS = ("S", "N")
_STRING_SETS = ("SS", "NS")
_AS_IS = ("NULL", "BOOL")  # booleans: the JSON serializer writes them as they are
_MEMBERS = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")  # the model's order
_MEMBER_SET = frozenset(_MEMBERS)
_NOT_PLAIN: Any = object()  # a value moto's own serializer must handle
_WIRE_MARKER = "__u22a8_wire_form__"


def _wire_form(value: Any, blob: Callable[[Any], str]) -> Any:
    """``value`` (an ``AttributeValue``) as moto's JSON serializer writes it, or ``_NOT_PLAIN``.

    Mirrors the serializer: a member whose value is ``None`` is left out, strings and booleans
    are written as they are, blobs through ``blob`` (the serializer's ``_base64``), a map's
    ``None`` entries are left out and a list's are kept. A map entry named ``""`` is moto's to
    write (its serializer merges that entry's members into the map).
    """
    if type(value) is not dict or not value.keys() <= _MEMBER_SET:
        return _NOT_PLAIN
    out: dict[str, Any] = {}
    for name in _MEMBERS:
        member = value.get(name)
        if member is None:
            continue
        if name in _STRINGS:
            if type(member) is not str:
                return _NOT_PLAIN
            out[name] = member
        elif name in _AS_IS:
            out[name] = member
        elif name == "B":
            if type(member) not in (str, bytes):
                return _NOT_PLAIN
            out[name] = blob(member)
        elif name == "M":
            if type(member) is not dict:
                return _NOT_PLAIN
            entries: dict[str, Any] = {}
            for key, entry in member.items():
                if key == "":  # moto writes such an entry's members into the map itself
                    return _NOT_PLAIN
                if entry is None:
                    continue
                written = _wire_form(entry, blob)
                if written is _NOT_PLAIN:
                    return _NOT_PLAIN
                entries[key] = written
            out[name] = entries
        elif type(member) is not list:  # the sets and "L"
            return _NOT_PLAIN
        elif name in _STRING_SETS:
            if not all(type(element) is str for element in member):
                return _NOT_PLAIN
            out[name] = list(member)
        elif name == "BS":
            if not all(type(element) in (str, bytes) for element in member):
                return _NOT_PLAIN
            out[name] = [blob(element) for element in member]
        else:  # "L"
            elements: list[Any] = []
            for element in member:
                written = None if element is None else _wire_form(element, blob)
                if written is _NOT_PLAIN:
                    return _NOT_PLAIN
                elements.append(written)
            out[name] = elements
    return out


def _plain_picker(picker: Any) -> bool:
    """Whether moto's attribute picker is its default one, with no response transformers: then
    a wire-form dict's member is found under its own name or not at all."""
    from moto.core import serialize

    return (
        type(picker) is serialize.XFormedAttributePicker
        and picker.alias_providers is serialize.DEFAULT_ALIAS_PROVIDERS
        and not picker.response_transformers
    )


def _wrap_structure(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if (
            key
            and shape.name == "AttributeValue"
            and self.service_model.service_name in _SERVICES
            and _plain_picker(self._value_picker)
        ):
            written = _wire_form(value, self._base64)
            if written is not _NOT_PLAIN:
                self._default_serialize(serialized, written, shape, key)
                return
        original(self, serialized, value, shape, key)

    setattr(serialize_structure, _WIRE_MARKER, True)
    return serialize_structure


@patches.guarded("dynamodb-wire-form-responses")
def wire_form_attribute_values() -> None:
    """Apply to moto's JSON response serializer in this process; idempotent."""
    from moto.core.serialize import BaseJSONSerializer

    if getattr(BaseJSONSerializer._serialize_type_structure, _WIRE_MARKER, False):
        return
    BaseJSONSerializer._serialize_type_structure = _wrap_structure(  # type: ignore[method-assign]
        BaseJSONSerializer._serialize_type_structure
    )
