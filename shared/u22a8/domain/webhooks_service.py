"""Webhook endpoints of a namespace: create, read, patch, delete, rotate the secret, ping.

An endpoint of another namespace answers exactly like a missing one (404). A URL is checked by
the guard (``webhook_urls``) at create and patch; a refusal is 422 on ``url`` and stores nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from u22a8.config import get_settings
from u22a8.data import webhook_queue, webhook_secrets, webhooks_repo
from u22a8.domain import clock, webhook_urls
from u22a8.domain.webhook_delivery import delivery_message, new_event_id
from u22a8.domain.webhook_signing import new_secret
from u22a8.entities.errors import FieldError, InvalidInput, WebhookLimitReached, WebhookNotFound
from u22a8.entities.webhook import (
    PING,
    DeliveryPage,
    NewWebhook,
    Webhook,
    WebhookChanges,
    WebhookEvent,
    WebhookPage,
    new_webhook_id,
    require_valid_webhook_id,
)

PREVIOUS_SECRET_SIGNS_FOR = timedelta(hours=24)
# Endpoints per namespace: every event fans out to each, so the count bounds an event's cost.
MAX_ENDPOINTS = 20


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_url(url: str, resolve: webhook_urls.Resolver | None = None) -> None:
    """422 on ``body.url`` unless the guard accepts ``url``."""
    try:
        webhook_urls.check(
            url,
            allow_local_http=bool(get_settings().webhook_allow_local_http),
            resolve=resolve or webhook_urls.system_resolver,
        )
    except webhook_urls.UrlRefused as refused:
        raise InvalidInput(
            f"The url cannot receive webhooks: {refused}.",
            [FieldError(loc=("body", "url"), msg=str(refused), type="url_refused")],
        ) from refused


def create_webhook(
    namespace: str,
    url: str,
    events: tuple[str, ...],
    description: str | None,
    now: datetime | None = None,
) -> NewWebhook:
    check_url(url)
    moment = now or clock.current_time()
    webhook_id = new_webhook_id(int(moment.timestamp() * 1000))
    created = _iso(moment)
    webhook = Webhook(
        webhook_id=webhook_id,
        namespace=namespace,
        url=url,
        events=events,
        description=description,
        enabled=True,
        created_at=created,
        updated_at=created,
    )
    secret = new_secret()
    if not webhooks_repo.put_new(
        webhook, webhook_secrets.encrypt(webhook_id, secret), MAX_ENDPOINTS
    ):
        raise WebhookLimitReached(MAX_ENDPOINTS)
    return NewWebhook(webhook, secret)


def get_webhook(namespace: str, webhook_id: str) -> Webhook:
    require_valid_webhook_id(webhook_id)
    found = webhooks_repo.get(namespace, webhook_id)
    if found is None:
        raise WebhookNotFound(webhook_id)
    return found[0]


def list_webhooks(namespace: str, limit: int, cursor: str | None) -> WebhookPage:
    return webhooks_repo.list_page(namespace, limit, cursor)


def patch_webhook(namespace: str, webhook_id: str, changes: WebhookChanges) -> Webhook:
    """One conditional write (a GET for ``{}``); a new URL is checked first."""
    require_valid_webhook_id(webhook_id)
    if changes.empty:
        return get_webhook(namespace, webhook_id)
    if changes.url is not None:
        check_url(changes.url)
    updated = webhooks_repo.update(namespace, webhook_id, changes, _iso(clock.current_time()))
    if updated is None:
        raise WebhookNotFound(webhook_id)
    return updated


def delete_webhook(namespace: str, webhook_id: str) -> None:
    """Nothing more is delivered to it: the delivery function finds no endpoint and drops."""
    require_valid_webhook_id(webhook_id)
    if not webhooks_repo.delete(namespace, webhook_id):
        raise WebhookNotFound(webhook_id)


def rotate_secret(namespace: str, webhook_id: str, now: datetime | None = None) -> NewWebhook:
    """A new secret, shown once; the old one keeps signing alongside for 24 hours."""
    require_valid_webhook_id(webhook_id)
    moment = now or clock.current_time()
    secret = new_secret()
    rotated = webhooks_repo.rotate_secret(
        namespace,
        webhook_id,
        webhook_secrets.encrypt(webhook_id, secret),
        _iso(moment + PREVIOUS_SECRET_SIGNS_FOR),
        _iso(moment),
    )
    if rotated is None:
        raise WebhookNotFound(webhook_id)
    return NewWebhook(rotated, secret)


def ping(namespace: str, webhook_id: str, now: datetime | None = None) -> WebhookEvent:
    """Queue a ``webhook.ping`` for the endpoint (delivered, signed and retried like any event),
    so the API never waits on the receiver."""
    webhook = get_webhook(namespace, webhook_id)
    moment = now or clock.current_time()
    event = WebhookEvent(
        event_id=new_event_id(),
        type=PING,
        timestamp=_iso(moment),
        data={"webhook_id": webhook.webhook_id},
    )
    webhook_queue.send_delivery(delivery_message(webhook, event, 1, moment))
    return event


def list_deliveries(
    namespace: str, webhook_id: str, limit: int, cursor: str | None
) -> DeliveryPage:
    get_webhook(namespace, webhook_id)
    return webhooks_repo.list_attempts(namespace, webhook_id, limit, cursor)
