"""Webhook endpoints as the domain sees them: where a namespace's events go, and what happened.

Endpoint ids start with the time (epoch milliseconds), so a namespace's endpoints sort by creation
and "newest first" is a reverse range read, as for runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from u22a8.entities.ids import require_id, time_ordered_id

WEBHOOK_ID_PREFIX = "wh_"
WEBHOOK_ID_PATTERN = r"^wh_[0-9a-f]{24}$"
_WEBHOOK_ID_RE = re.compile(WEBHOOK_ID_PATTERN)

RUN_SUCCEEDED = "run.succeeded"
RUN_FAILED = "run.failed"
RUN_CANCELLED = "run.cancelled"
MODEL_STATE_CHANGED = "model.state_changed"
PING = "webhook.ping"
ALL_EVENTS = "*"
# What an endpoint can subscribe to (``*`` alone means all of them); pings go to every endpoint.
EVENT_TYPES = (RUN_SUCCEEDED, RUN_FAILED, RUN_CANCELLED, MODEL_STATE_CHANGED)

DISABLED_AFTER_FAILING = (
    "Every delivery attempt failed for 3 days, so the endpoint was disabled. Fix the receiver, "
    "then PATCH enabled to true."
)


@dataclass(frozen=True)
class Webhook:
    """One endpoint. Its secrets are never here: only the delivery function can read them."""

    webhook_id: str
    namespace: str
    url: str
    events: tuple[str, ...]
    description: str | None
    enabled: bool
    created_at: str
    updated_at: str
    disabled_reason: str | None = None
    failing_since: str | None = None  # first failed attempt since the last success

    def subscribed(self, event_type: str) -> bool:
        """Whether an event of ``event_type`` goes to this endpoint (a ping always does)."""
        return event_type == PING or ALL_EVENTS in self.events or event_type in self.events


@dataclass(frozen=True)
class NewWebhook:
    """A created endpoint with its secret, which is shown to the caller this once."""

    webhook: Webhook
    secret: str


@dataclass(frozen=True)
class WebhookPage:
    webhooks: list[Webhook]
    next_cursor: str | None


@dataclass(frozen=True)
class WebhookChanges:
    """A merge patch: ``None`` leaves a field alone; ``clear_description`` removes it."""

    url: str | None = None
    events: tuple[str, ...] | None = None
    description: str | None = None
    clear_description: bool = False
    enabled: bool | None = None

    @property
    def empty(self) -> bool:
        return (
            self.url is None
            and self.events is None
            and self.description is None
            and not self.clear_description
            and self.enabled is None
        )


@dataclass(frozen=True)
class WebhookEvent:
    """What one delivery carries: ``data`` holds ids, states, versions and error codes only."""

    event_id: str  # the ``webhook-id`` header: the same on every retry
    type: str
    timestamp: str  # when the event happened (RFC 3339), not when it was sent
    data: Mapping[str, Any]


@dataclass(frozen=True)
class DeliveryAttempt:
    """One attempt to deliver an event to an endpoint, as ``GET …/deliveries`` shows it."""

    event_id: str
    type: str
    attempt: int
    status_code: int | None  # the receiver's answer; ``None`` when there was none
    error: str | None  # why it failed, ``None`` on success
    at: str

    @property
    def succeeded(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class DeliveryPage:
    attempts: list[DeliveryAttempt]
    next_cursor: str | None


def new_webhook_id(now_ms: int | None = None) -> str:
    """``wh_`` + 12 hex of epoch milliseconds + 12 random hex: unique, and sorts by creation."""
    return time_ordered_id(WEBHOOK_ID_PREFIX, 6, now_ms)


def require_valid_webhook_id(webhook_id: str) -> str:
    """A malformed id is the caller's mistake (422), never a lookup."""
    require_id(
        webhook_id,
        _WEBHOOK_ID_RE,
        what="webhook id",
        loc=("path", "id"),
        msg="must be 'wh_' and 24 lowercase hex digits, as returned at creation",
        code="webhook_id_format",
    )
    return webhook_id


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: the checked addresses to connect to, and what to send as Host."""

    scheme: str
    host: str  # as written in the URL (for Host and TLS SNI)
    port: int
    path: str  # path and query, never empty
    addresses: tuple[str, ...]  # every address the host resolved to, all checked
