"""Explicit mapping between webhook endpoints and their public JSON shapes. A secret appears only
in the answers that create one (create, rotate-secret); its ciphertext never leaves ``data``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from u22a8.entities.errors import FieldError, InvalidInput
from u22a8.entities.webhook import (
    ALL_EVENTS,
    DeliveryAttempt,
    DeliveryPage,
    NewWebhook,
    Webhook,
    WebhookChanges,
    WebhookPage,
)

if TYPE_CHECKING:  # annotations only: handlers that parse no body never import pydantic_core
    from u22a8.api.webhook_schemas import WebhookPatchBody


def events_of(events: list[str], loc: tuple[str, ...] = ("body", "events")) -> tuple[str, ...]:
    """The subscribed events, each once, in the order sent; ``*`` only alone (422 otherwise)."""
    unique = tuple(dict.fromkeys(events))
    if ALL_EVENTS in unique and len(unique) > 1:
        raise InvalidInput(
            'Invalid fields: events. "*" already means every event; send ["*"] alone.',
            [FieldError(loc=loc, msg='"*" must be the only event', type="events_wildcard")],
        )
    return unique


def changes_from_patch(patch: WebhookPatchBody) -> WebhookChanges:
    description = patch.get("description")
    return WebhookChanges(
        url=patch.get("url"),
        events=events_of(patch["events"]) if "events" in patch else None,
        description=description,
        clear_description="description" in patch and description is None,
        enabled=patch.get("enabled"),
    )


def webhook_resource(webhook: Webhook) -> dict[str, Any]:
    """``WebhookOut`` in the OpenAPI document."""
    return {
        "id": webhook.webhook_id,
        "url": webhook.url,
        "events": list(webhook.events),
        "description": webhook.description,
        "enabled": webhook.enabled,
        "disabled_reason": webhook.disabled_reason,
        "created_at": webhook.created_at,
        "updated_at": webhook.updated_at,
    }


def webhook_with_secret(created: NewWebhook) -> dict[str, Any]:
    """``WebhookWithSecret``: the endpoint and its new secret, shown this once."""
    return {**webhook_resource(created.webhook), "secret": created.secret}


def webhook_page(page: WebhookPage) -> dict[str, Any]:
    return {"data": [webhook_resource(w) for w in page.webhooks], "next_cursor": page.next_cursor}


def delivery_resource(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "event_id": attempt.event_id,
        "type": attempt.type,
        "attempt": attempt.attempt,
        "status_code": attempt.status_code,
        "error": attempt.error,
        "at": attempt.at,
    }


def delivery_page(page: DeliveryPage) -> dict[str, Any]:
    return {
        "data": [delivery_resource(a) for a in page.attempts],
        "next_cursor": page.next_cursor,
    }
