"""``client.webhooks``: the namespace's webhook endpoints, per the contract's Webhooks section."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from u22a8.client.pages import Pager
from u22a8.client.session import Session, path
from u22a8.client.types import Delivery, Webhook, WebhookPatch, WebhookWithSecret

MERGE_PATCH = "application/merge-patch+json"


class Webhooks:
    def __init__(self, session: Session) -> None:
        self._session = session

    def create(
        self, url: str, events: Sequence[str], *, description: str | None = None
    ) -> WebhookWithSecret:
        """A new endpoint; its ``secret`` (``whsec_...``) is in this answer only."""
        body: dict[str, Any] = {"url": url, "events": list(events)}
        if description is not None:
            body["description"] = description
        created: WebhookWithSecret = self._session.request("POST", "/v1/webhooks", body=body).json()
        return created

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Pager[Webhook]:
        def fetch(page_cursor: str | None) -> Any:
            params = {"limit": limit, "cursor": page_cursor}
            return self._session.request("GET", "/v1/webhooks", params=params).json()

        return Pager(fetch, cursor)

    def get(self, webhook_id: str) -> Webhook:
        found: Webhook = self._session.request("GET", path("/v1/webhooks/{}", webhook_id)).json()
        return found

    def patch(self, webhook_id: str, changes: WebhookPatch) -> Webhook:
        """Merge-patch ``url``, ``events``, ``description`` or ``enabled``."""
        changed: Webhook = self._session.request(
            "PATCH", path("/v1/webhooks/{}", webhook_id), body=changes, content_type=MERGE_PATCH
        ).json()
        return changed

    def delete(self, webhook_id: str) -> None:
        """Remove the endpoint; nothing more is delivered to it."""
        self._session.request("DELETE", path("/v1/webhooks/{}", webhook_id))

    def rotate_secret(self, webhook_id: str) -> WebhookWithSecret:
        """A new secret, shown once; the old one keeps signing beside it for 24 h."""
        rotated: WebhookWithSecret = self._session.request(
            "POST", path("/v1/webhooks/{}/rotate-secret", webhook_id)
        ).json()
        return rotated

    def ping(self, webhook_id: str) -> dict[str, Any] | None:
        """Deliver a ``webhook.ping`` event now (its outcome shows in ``deliveries``); the
        answer's body, if it has one."""
        answer = self._session.request("POST", path("/v1/webhooks/{}/ping", webhook_id)).json()
        return answer if isinstance(answer, dict) else None

    def deliveries(
        self, webhook_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Pager[Delivery]:
        """Recent delivery attempts, newest first."""

        def fetch(page_cursor: str | None) -> Any:
            params = {"limit": limit, "cursor": page_cursor}
            target = path("/v1/webhooks/{}/deliveries", webhook_id)
            return self._session.request("GET", target, params=params).json()

        return Pager(fetch, cursor)
