"""DynamoDB attribute conversion and throttling detection."""

from __future__ import annotations

from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from u22a8.data.items import (
    THROTTLING_CODES,
    error_code,
    from_item,
    raise_if_throttled,
    to_attr,
    to_item,
)
from u22a8.entities.errors import ServiceBusy


def _client_error(code: str | None) -> ClientError:
    response = {"Error": {"Code": code, "Message": "m"}} if code is not None else {}
    return ClientError(response, "UpdateItem")  # type: ignore[arg-type]


def test_round_trip_of_plain_values() -> None:
    values = {
        "s": "x",
        "i": 3,
        "f": 0.25,
        "b": False,
        "l": [1, "a", 1.5],
        "m": {"k": 2, "n": {"deep": 0.5}},
    }
    assert from_item(to_item(values)) == values


def test_floats_are_stored_as_exact_decimals_at_any_depth() -> None:
    assert to_attr(0.1) == {"N": "0.1"}
    assert to_attr(Decimal("2")) == {"N": "2"}
    assert to_attr({"p": [0.1]}) == {"M": {"p": {"L": [{"N": "0.1"}]}}}
    assert sorted(to_attr(frozenset({0.5, 1.5}))["NS"]) == ["0.5", "1.5"]


def test_none_values_are_left_out_of_items() -> None:
    assert to_item({"a": 1, "b": None}) == {"a": {"N": "1"}}


def test_numbers_come_back_as_int_or_float_and_sets_sorted() -> None:
    item = {"n": {"N": "5"}, "x": {"N": "5.5"}, "ss": {"SS": ["b", "a"]}, "ns": {"NS": ["2", "1"]}}
    assert from_item(item) == {"n": 5, "x": 5.5, "ss": ["a", "b"], "ns": [1, 2]}
    assert type(from_item({"n": {"N": "5"}})["n"]) is int


@pytest.mark.parametrize("code", sorted(THROTTLING_CODES))
def test_throttling_becomes_service_busy(code: str) -> None:
    error = _client_error(code)
    with pytest.raises(ServiceBusy) as caught:
        raise_if_throttled(error)
    assert caught.value.retry_after_s == 1
    assert caught.value.__cause__ is error


@pytest.mark.parametrize("code", ["ConditionalCheckFailedException", "ValidationException", None])
def test_other_errors_pass_through(code: str | None) -> None:
    raise_if_throttled(_client_error(code))  # does not raise


def test_error_code() -> None:
    assert error_code(_client_error("X")) == "X"
    assert error_code(_client_error(None)) == ""
