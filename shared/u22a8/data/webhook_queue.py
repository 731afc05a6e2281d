"""SQS for webhooks: one message per (event, endpoint) on the deliveries queue, so one slow or
failing receiver never holds up another; exhausted deliveries go to the dead-letter queue."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from u22a8.config import get_settings
from u22a8.data import clients

MAX_BATCH = 10  # SendMessageBatch's limit


def _body(message: Mapping[str, Any]) -> str:
    return json.dumps(dict(message), separators=(",", ":"), sort_keys=True)


def send_delivery(message: Mapping[str, Any], delay_s: int = 0) -> None:
    clients.sqs().send_message(
        QueueUrl=get_settings().webhook_deliveries_queue_url,
        MessageBody=_body(message),
        DelaySeconds=delay_s,
    )


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
