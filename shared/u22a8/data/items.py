"""Conversions between DynamoDB attribute values and plain Python values."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from u22a8.entities.errors import ServiceBusy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "LimitExceededException",
    }
)


def to_attr(value: Any) -> AttributeValueTypeDef:
    return _serializer.serialize(_decimals(value))


def _decimals(value: Any) -> Any:
    """Floats become exact Decimals at any depth (boto3 refuses floats, even nested ones)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return {_decimals(v) for v in value}
    return value


def to_item(values: Mapping[str, Any]) -> dict[str, AttributeValueTypeDef]:
    return {key: to_attr(value) for key, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return sorted(_plain(v) for v in value)
    return value


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def raise_if_throttled(error: ClientError) -> None:
    """Throttling after the SDK's own retries becomes a retryable 503, never a 500."""
    if error_code(error) in THROTTLING_CODES:
        raise ServiceBusy(retry_after_s=1) from error
