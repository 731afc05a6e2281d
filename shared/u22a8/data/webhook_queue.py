"""SQS for webhooks: one message per (event, endpoint) on the deliveries queue, so one slow or
failing receiver never holds up another; exhausted deliveries go to the dead-letter queue."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.data.items import error_code
from u22a8.entities.errors import ServiceBusy

MAX_BATCH = 10  # SendMessageBatch's limit


def _body(message: Mapping[str, Any]) -> str:
    return json.dumps(dict(message), separators=(",", ":"), sort_keys=True)


_THROTTLED = frozenset({"ThrottlingException", "RequestThrottled", "OverLimit"})


def send_delivery(message: Mapping[str, Any], delay_s: int = 0) -> None:
    """Queue one attempt; SQS throttling is a retryable 503 for the API (a ping)."""
    try:
        clients.sqs().send_message(
            QueueUrl=get_settings().webhook_deliveries_queue_url,
            MessageBody=_body(message),
            DelaySeconds=delay_s,
        )
    except ClientError as error:
        if error_code(error) in _THROTTLED:
            raise ServiceBusy(retry_after_s=1) from error
        raise


def send_deliveries(messages: Sequence[Mapping[str, Any]]) -> None:
    """Queue every message, ten per call; raises when any was refused (the fan-out is retried
    and the receiver deduplicates by ``webhook-id``)."""
    url = get_settings().webhook_deliveries_queue_url
    for start in range(0, len(messages), MAX_BATCH):
        chunk = messages[start : start + MAX_BATCH]
        entries: list[Any] = [{"Id": str(i), "MessageBody": _body(m)} for i, m in enumerate(chunk)]
        response = clients.sqs().send_message_batch(QueueUrl=url, Entries=entries)
        failed = response.get("Failed", [])
        if failed:
            codes = sorted({entry.get("Code", "") for entry in failed})
            raise RuntimeError(f"{len(failed)} deliveries could not be queued: {codes}")


def dead_letter(message: Mapping[str, Any]) -> None:
    clients.sqs().send_message(
        QueueUrl=get_settings().webhook_dead_letter_queue_url, MessageBody=_body(message)
    )
