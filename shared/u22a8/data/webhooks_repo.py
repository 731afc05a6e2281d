"""WebhooksTable: a namespace's endpoints and their delivery attempts (docs/webhooks.md).

Endpoint ``pk = NS#<namespace>``, ``sk = WEBHOOK#<id>``: listing and fan-out are one Query of the
namespace. Attempt ``pk = NS#<namespace>#WEBHOOK#<id>``, ``sk = DELIVERY#<at>#<event id>#<nn>``:
newest first is a reverse Query; attempts expire after 30 days (TTL ``expires_at``). Secrets are
stored only as KMS ciphertexts (``u22a8.data.webhook_secrets``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients, cursors
from u22a8.data.items import error_code, from_item, raise_if_throttled, to_attr, to_item
from u22a8.data.pages import query_items
from u22a8.data.transactions import transact_write
from u22a8.entities.webhook import (
    WEBHOOK_ID_PATTERN,
    DeliveryAttempt,
    DeliveryPage,
    Webhook,
    WebhookChanges,
    WebhookPage,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

WEBHOOK_SK_PREFIX = "WEBHOOK#"
COUNT_SK = "COUNT#WEBHOOKS"  # the namespace's endpoint count (outside ``WEBHOOK#``: never listed)
DELIVERY_SK_PREFIX = "DELIVERY#"
KEYS = frozenset({"pk", "sk"})
# What a cursor's sort key may be, per listing (u22a8.data.cursors: a strict shape, not a prefix).
_SK_SHAPES = {
    WEBHOOK_SK_PREFIX: re.compile(re.escape(WEBHOOK_SK_PREFIX) + WEBHOOK_ID_PATTERN.strip("^$")),
    DELIVERY_SK_PREFIX: re.compile(
        re.escape(DELIVERY_SK_PREFIX)
        + r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#evt_[0-9a-f]{32}#\d{2}"
    ),
}
ATTEMPT_TTL = timedelta(days=30)


@dataclass(frozen=True)
class StoredSecrets:
    """An endpoint's secrets as stored: KMS ciphertexts, and until when the previous one signs."""

    current: bytes
    previous: bytes | None = None
    previous_until: str | None = None


def _table() -> str:
    return get_settings().webhooks_table


def namespace_pk(namespace: str) -> str:
    return f"NS#{namespace}"


def _key(namespace: str, webhook_id: str) -> dict[str, AttributeValueTypeDef]:
    return {
        "pk": {"S": namespace_pk(namespace)},
        "sk": {"S": f"{WEBHOOK_SK_PREFIX}{webhook_id}"},
    }


def attempts_pk(namespace: str, webhook_id: str) -> str:
    return f"NS#{namespace}#WEBHOOK#{webhook_id}"


def webhook_from_item(item: Mapping[str, Any]) -> Webhook:
    plain = from_item(item)
    return Webhook(
        webhook_id=plain["webhook_id"],
        namespace=plain["namespace"],
        url=plain["url"],
        events=tuple(plain["events"]),
        description=plain.get("description"),
        enabled=bool(plain["enabled"]),
        created_at=plain["created_at"],
        updated_at=plain["updated_at"],
        disabled_reason=plain.get("disabled_reason"),
        failing_since=plain.get("failing_since"),
    )


def secrets_from_item(item: Mapping[str, Any]) -> StoredSecrets:
    previous = item.get("previous_secret", {}).get("B")
    return StoredSecrets(
        current=bytes(item["secret"]["B"]),
        previous=bytes(previous) if previous is not None else None,
        previous_until=item.get("previous_secret_until", {}).get("S"),
    )


def _call(method: str, **params: Any) -> Any:
    """One DynamoDB call; throttling becomes a retryable 503, a refused condition ``None``."""
    try:
        return getattr(clients.dynamodb(), method)(TableName=_table(), **params)
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return None
        raise_if_throttled(error)
        raise


# --- endpoints ---------------------------------------------------------------------------------


def _count_key(namespace: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": namespace_pk(namespace)}, "sk": {"S": COUNT_SK}}


def put_new(webhook: Webhook, secret: bytes, max_endpoints: int) -> bool:
    """Store a new endpoint and count it, in one transaction; ``False`` (nothing written) when
    the namespace already has ``max_endpoints``."""
    item = to_item(
        {
            "webhook_id": webhook.webhook_id,
            "namespace": webhook.namespace,
            "url": webhook.url,
            "events": list(webhook.events),
            "description": webhook.description,
            "enabled": webhook.enabled,
            "created_at": webhook.created_at,
            "updated_at": webhook.updated_at,
        }
    )
    item.update(_key(webhook.namespace, webhook.webhook_id))
    item["secret"] = {"B": secret}
    refused = transact_write(
        [
            {
                "Update": {
                    "TableName": _table(),
                    "Key": _count_key(webhook.namespace),
                    "UpdateExpression": "ADD endpoints :one",
                    "ConditionExpression": "attribute_not_exists(endpoints) OR endpoints < :max",
                    "ExpressionAttributeValues": {
                        ":one": {"N": "1"},
                        ":max": {"N": str(max_endpoints)},
                    },
                }
            },
            {
                "Put": {
                    "TableName": _table(),
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ],
        attempts=3,
    )
    if refused is not None and refused.failed(1):
        raise RuntimeError(f"webhook id {webhook.webhook_id} collided")  # 48 random bits + time
    return refused is None


def get(namespace: str, webhook_id: str) -> tuple[Webhook, StoredSecrets] | None:
    response = _call("get_item", Key=_key(namespace, webhook_id), ConsistentRead=True)
    item = response.get("Item")
    return (webhook_from_item(item), secrets_from_item(item)) if item else None


def list_page(namespace: str, limit: int, cursor: str | None) -> WebhookPage:
    """Up to ``limit`` endpoints, newest first; the cursor must be this namespace's (422)."""
    params = _page_params(namespace_pk(namespace), WEBHOOK_SK_PREFIX, limit, cursor)
    response = _call("query", **params)
    webhooks = [webhook_from_item(item) for item in response.get("Items", [])]
    return WebhookPage(*_trim(webhooks, limit, response, lambda w: _key(namespace, w.webhook_id)))


def list_all(namespace: str) -> list[Webhook]:
    """Every endpoint of the namespace (the fan-out's read)."""
    params = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {
            ":pk": {"S": namespace_pk(namespace)},
            ":prefix": {"S": WEBHOOK_SK_PREFIX},
        },
    }
    return [webhook_from_item(item) for item in query_items(params)]


def update(namespace: str, webhook_id: str, changes: WebhookChanges, now: str) -> Webhook | None:
    """Apply a merge patch in one conditional write; ``None`` when there is no such endpoint.
    Enabling an endpoint forgets why it was disabled and since when it failed."""
    sets = {"updated_at": now}
    values: dict[str, Any] = {}
    removes: list[str] = []
    if changes.url is not None:
        values["url"] = changes.url
    if changes.events is not None:
        values["events"] = list(changes.events)
    if changes.description is not None:
        values["description"] = changes.description
    elif changes.clear_description:
        removes.append("description")
    if changes.enabled is not None:
        values["enabled"] = changes.enabled
        if changes.enabled:
            removes += ["disabled_reason", "failing_since"]
    names = {f"#{k}": k for k in [*sets, *values, *removes]}
    expression = "SET " + ", ".join(f"#{k} = :{k}" for k in [*sets, *values])
    if removes:
        expression += " REMOVE " + ", ".join(f"#{k}" for k in removes)
    response = _call(
        "update_item",
        Key=_key(namespace, webhook_id),
        UpdateExpression=expression,
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={f":{k}": to_attr(v) for k, v in {**sets, **values}.items()},
        ReturnValues="ALL_NEW",
    )
    return webhook_from_item(response["Attributes"]) if response else None


def delete(namespace: str, webhook_id: str) -> bool:
    """Delete the endpoint and uncount it, in one transaction; whether there was such an
    endpoint (its attempts expire on their own)."""
    refused = transact_write(
        [
            {
                "Delete": {
                    "TableName": _table(),
                    "Key": _key(namespace, webhook_id),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": _table(),
                    "Key": _count_key(namespace),
                    "UpdateExpression": "ADD endpoints :minus_one",
                    "ExpressionAttributeValues": {":minus_one": {"N": "-1"}},
                }
            },
        ],
        attempts=3,
    )
    return refused is None


def rotate_secret(
    namespace: str, webhook_id: str, secret: bytes, previous_until: str, now: str
) -> Webhook | None:
    """Make ``secret`` current and keep the current one signing until ``previous_until``: one
    write, which copies the stored ciphertext without reading it."""
    response = _call(
        "update_item",
        Key=_key(namespace, webhook_id),
        UpdateExpression=(
            "SET previous_secret = secret, secret = :secret, "
            "previous_secret_until = :until, updated_at = :now"
        ),
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={
            ":secret": {"B": secret},
            ":until": {"S": previous_until},
            ":now": {"S": now},
        },
        ReturnValues="ALL_NEW",
    )
    return webhook_from_item(response["Attributes"]) if response else None


def mark_failing(namespace: str, webhook_id: str, now: str) -> str | None:
    """Since when the endpoint has failed every attempt (``now`` unless it already was);
    ``None`` when it is gone."""
    response = _call(
        "update_item",
        Key=_key(namespace, webhook_id),
        UpdateExpression="SET failing_since = if_not_exists(failing_since, :now)",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={":now": {"S": now}},
        ReturnValues="ALL_NEW",
    )
    return str(response["Attributes"]["failing_since"]["S"]) if response else None


def clear_failing(namespace: str, webhook_id: str) -> None:
    """A successful attempt: the endpoint is no longer failing (no write when it was not)."""
    _call(
        "update_item",
        Key=_key(namespace, webhook_id),
        UpdateExpression="REMOVE failing_since",
        ConditionExpression="attribute_exists(failing_since)",
    )


def disable(namespace: str, webhook_id: str, reason: str, failing_since: str, now: str) -> bool:
    """Disable an endpoint that is still enabled and still failing since ``failing_since`` (a
    success or a re-enable meanwhile wins); whether this call disabled it."""
    response = _call(
        "update_item",
        Key=_key(namespace, webhook_id),
        UpdateExpression="SET enabled = :no, disabled_reason = :reason, updated_at = :now",
        ConditionExpression="enabled = :yes AND failing_since = :since",
        ExpressionAttributeValues={
            ":no": {"BOOL": False},
            ":yes": {"BOOL": True},
            ":reason": {"S": reason},
            ":since": {"S": failing_since},
            ":now": {"S": now},
        },
    )
    return response is not None


# --- delivery attempts -------------------------------------------------------------------------


def put_attempt(namespace: str, webhook_id: str, attempt: DeliveryAttempt, now: datetime) -> None:
    item = to_item(
        {
            "pk": attempts_pk(namespace, webhook_id),
            "sk": f"{DELIVERY_SK_PREFIX}{attempt.at}#{attempt.event_id}#{attempt.attempt:02d}",
            "event_id": attempt.event_id,
            "type": attempt.type,
            "attempt": attempt.attempt,
            "status_code": attempt.status_code,
            "error": attempt.error,
            "at": attempt.at,
            "expires_at": int((now + ATTEMPT_TTL).timestamp()),
        }
    )
    _call("put_item", Item=item)


def list_attempts(namespace: str, webhook_id: str, limit: int, cursor: str | None) -> DeliveryPage:
    """Up to ``limit`` attempts, newest first; the cursor must be this endpoint's (422)."""
    partition = attempts_pk(namespace, webhook_id)
    params = _page_params(partition, DELIVERY_SK_PREFIX, limit, cursor)
    response = _call("query", **params)
    rows = [(item, _attempt_from_item(item)) for item in response.get("Items", [])]
    page, next_cursor = _trim(rows, limit, response, lambda row: {k: row[0][k] for k in KEYS})
    return DeliveryPage([attempt for _, attempt in page], next_cursor)


def _attempt_from_item(item: Mapping[str, Any]) -> DeliveryAttempt:
    plain = from_item(item)
    return DeliveryAttempt(
        event_id=plain["event_id"],
        type=plain["type"],
        attempt=int(plain["attempt"]),
        status_code=plain.get("status_code"),
        error=plain.get("error"),
        at=plain["at"],
    )


def _page_params(partition: str, prefix: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """A newest-first page query; one extra item is asked for, so the last page has no cursor."""
    params: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": partition}, ":prefix": {"S": prefix}},
        "ScanIndexForward": False,
        "Limit": limit + 1,
        "ConsistentRead": True,
    }
    if cursor:
        params["ExclusiveStartKey"] = cursors.decode(
            cursor, {"pk": partition, "sk": _SK_SHAPES[prefix]}
        )
    return params


def _trim[RowT](
    rows: list[RowT], limit: int, response: Mapping[str, Any], key: Any
) -> tuple[list[RowT], str | None]:
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, cursors.encode(key(rows[-1]))
    last_key = response.get("LastEvaluatedKey")
    return rows, cursors.encode(last_key) if last_key else None
