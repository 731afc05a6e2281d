"""Delivering events to webhook endpoints: fan-out, one signed attempt, backoff, DLQ, disable.

The fan-out turns one bus event into one delivery message per enabled, subscribed endpoint of the
event's namespace. Each message is one attempt: the URL is checked again (DNS rebinding), the
body signed with the endpoint's secrets, POSTed to the checked address, and the attempt recorded.
A failure is retried by a new message (``webhook_backoff``); the last failure is dead-lettered;
an endpoint that has failed every attempt for 3 days is disabled. Nothing here ever carries
sample text: the body holds ids, states, version numbers and error codes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from u22a8.config import get_settings
from u22a8.data import webhook_http, webhook_queue, webhook_secrets, webhooks_repo
from u22a8.domain import clock, webhook_backoff, webhook_urls
from u22a8.domain.webhook_signing import signed_headers
from u22a8.entities.webhook import (
    DISABLED_AFTER_FAILING,
    MODEL_STATE_CHANGED,
    PING,
    DeliveryAttempt,
    Target,
    Webhook,
    WebhookEvent,
)
from u22a8.observability import logger

RUN_FINISHED = "Run Finished"
STATE_CHANGED = "Model State Changed"
_RUN_STATUSES = frozenset({"succeeded", "failed", "cancelled"})
# The fields of a bus event's detail that a webhook body may carry: never sample text.
_RUN_FIELDS = ("handle", "run_id", "status", "version", "error_code")
_STATE_FIELDS = ("handle", "from_state", "to_state", "run_id", "version")

Sender = Callable[[Target, Mapping[str, str], bytes], webhook_http.HttpOutcome]


class Outcome(StrEnum):
    """What handling one delivery message did."""

    DELIVERED = "delivered"
    RETRYING = "retrying"  # failed; the next attempt is queued
    DEAD_LETTERED = "dead-lettered"  # failed for the last time
    DISABLED = "disabled"  # failed, and the endpoint had failed for 3 days: now disabled
    DEFERRED = "deferred"  # not due yet: one more SQS hop
    DROPPED = "dropped"  # the endpoint is gone, disabled or no longer subscribed


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def new_event_id(seed: str | None = None) -> str:
    """``evt_`` + 32 hex; derived from ``seed`` (the bus event's id) when given, so a fan-out
    that runs twice queues the same ``webhook-id`` and receivers can deduplicate."""
    digest = hashlib.sha256(seed.encode()).hexdigest() if seed else secrets.token_hex(16)
    return "evt_" + digest[:32]


def event_from_bus(bus_event: Mapping[str, Any]) -> tuple[str, WebhookEvent] | None:
    """The namespace and webhook event of a model-events bus event; ``None`` for anything else."""
    detail = bus_event.get("detail")
    if not isinstance(detail, Mapping) or not isinstance(detail.get("handle"), str):
        return None
    kind = bus_event.get("detail-type")
    if kind == RUN_FINISHED and detail.get("status") in _RUN_STATUSES:
        event_type, fields = f"run.{detail['status']}", _RUN_FIELDS
    elif kind == STATE_CHANGED:
        event_type, fields = MODEL_STATE_CHANGED, _STATE_FIELDS
    else:
        return None
    data = {name: detail[name] for name in fields if detail.get(name) is not None}
    event = WebhookEvent(
        event_id=new_event_id(str(bus_event.get("id", ""))),
        type=event_type,
        timestamp=str(bus_event.get("time") or _iso(clock.current_time())),
        data=data,
    )
    return detail["handle"].split(".", 1)[0], event


def delivery_message(
    webhook: Webhook, event: WebhookEvent, attempt: int, due: datetime
) -> dict[str, Any]:
    """The SQS message of one attempt of ``event`` to ``webhook``, due at ``due``."""
    return {
        "namespace": webhook.namespace,
        "webhook_id": webhook.webhook_id,
        "event_id": event.event_id,
        "type": event.type,
        "timestamp": event.timestamp,
        "data": dict(event.data),
        "attempt": attempt,
        "due_at": _iso(due),
    }


def fan_out(bus_event: Mapping[str, Any], now: datetime | None = None) -> int:
    """Queue one delivery per enabled endpoint subscribed to the event; how many."""
    parsed = event_from_bus(bus_event)
    if parsed is None:
        return 0
    namespace, event = parsed
    moment = now or clock.current_time()
    messages = [
        delivery_message(webhook, event, 1, moment)
        for webhook in webhooks_repo.list_all(namespace)
        if webhook.enabled and webhook.subscribed(event.type)
    ]
    webhook_queue.send_deliveries(messages)
    return len(messages)


def body_of(message: Mapping[str, Any]) -> bytes:
    """The JSON body a receiver gets: ``{"type", "timestamp", "data"}``."""
    body = {"type": message["type"], "timestamp": message["timestamp"], "data": message["data"]}
    return json.dumps(body, separators=(",", ":")).encode()


def _secrets(webhook_id: str, stored: webhooks_repo.StoredSecrets, now: datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous one for its 24 hours."""
    signing = [webhook_secrets.decrypt(webhook_id, stored.current)]
    if stored.previous and stored.previous_until and _parse(stored.previous_until) > now:
        signing.append(webhook_secrets.decrypt(webhook_id, stored.previous))
    return signing


def deliver(
    message: Mapping[str, Any],
    now: datetime | None = None,
    *,
    send: Sender | None = None,
    resolve: webhook_urls.Resolver | None = None,
) -> Outcome:
    """Handle one delivery message: make its attempt, record it, and queue what comes next."""
    moment = now or clock.current_time()
    namespace, webhook_id = str(message["namespace"]), str(message["webhook_id"])
    attempt = int(message["attempt"])
    log = {"webhook_id": webhook_id, "event_id": message["event_id"], "attempt": attempt}
    due_in = (_parse(str(message["due_at"])) - moment).total_seconds()
    if due_in >= 1:
        webhook_queue.send_delivery(message, webhook_backoff.sqs_delay_s(due_in))
        return Outcome.DEFERRED
    found = webhooks_repo.get(namespace, webhook_id)
    kind = str(message["type"])
    # A ping goes to a disabled endpoint too: it is how a fixed receiver is tested.
    if found is None or not found[0].subscribed(kind) or not (found[0].enabled or kind == PING):
        logger.info("webhook delivery dropped: endpoint gone, disabled or unsubscribed", extra=log)
        return Outcome.DROPPED
    webhook, stored = found
    outcome = _attempt(
        webhook,
        stored,
        message,
        moment,
        send or webhook_http.post,
        resolve or webhook_urls.system_resolver,
    )
    webhooks_repo.put_attempt(
        namespace,
        webhook_id,
        DeliveryAttempt(
            event_id=str(message["event_id"]),
            type=str(message["type"]),
            attempt=attempt,
            status_code=outcome.status_code,
            error=outcome.error,
            at=_iso(moment),
        ),
        moment,
    )
    logger.info(
        "webhook delivery attempted",
        extra={**log, "status_code": outcome.status_code, "error": outcome.error},
    )
    if outcome.ok:
        if webhook.failing_since is not None:
            webhooks_repo.clear_failing(namespace, webhook_id)
        return Outcome.DELIVERED
    return _after_failure(webhook, message, attempt, moment)


def _attempt(
    webhook: Webhook,
    stored: webhooks_repo.StoredSecrets,
    message: Mapping[str, Any],
    now: datetime,
    send: Sender,
    resolve: webhook_urls.Resolver,
) -> webhook_http.HttpOutcome:
    try:
        target = webhook_urls.check(
            webhook.url,
            allow_local_http=bool(get_settings().webhook_allow_local_http),
            resolve=resolve,
        )
    except webhook_urls.UrlRefused as refused:
        return webhook_http.HttpOutcome(None, f"url refused: {refused}")
    body = body_of(message)
    headers = signed_headers(
        _secrets(webhook.webhook_id, stored, now),
        str(message["event_id"]),
        int(now.timestamp()),
        body,
    )
    return send(target, headers, body)


def _after_failure(
    webhook: Webhook, message: Mapping[str, Any], attempt: int, now: datetime
) -> Outcome:
    since = webhooks_repo.mark_failing(webhook.namespace, webhook.webhook_id, _iso(now))
    if since is None:  # deleted meanwhile
        return Outcome.DROPPED
    failing_for = (now - _parse(since)).total_seconds()
    if failing_for >= webhook_backoff.DISABLE_AFTER_S and webhooks_repo.disable(
        webhook.namespace, webhook.webhook_id, DISABLED_AFTER_FAILING, since, _iso(now)
    ):
        logger.warning(
            "webhook endpoint disabled: every attempt failed for 3 days",
            extra={"webhook_id": webhook.webhook_id, "failing_since": since},
        )
        return Outcome.DISABLED
    delay = webhook_backoff.retry_delay_s(attempt)
    if delay is None:
        webhook_queue.dead_letter({**message, "dead_lettered_at": _iso(now)})
        logger.warning(
            "webhook delivery dead-lettered",
            extra={"webhook_id": webhook.webhook_id, "event_id": message["event_id"]},
        )
        return Outcome.DEAD_LETTERED
    due = now + timedelta(seconds=delay)
    retry = {**message, "attempt": attempt + 1, "due_at": _iso(due)}
    webhook_queue.send_delivery(retry, webhook_backoff.sqs_delay_s(delay))
    return Outcome.RETRYING
