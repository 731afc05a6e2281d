"""Response schemas of webhook endpoints, for the OpenAPI document (handlers never import it)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

EventName = Literal["run.succeeded", "run.failed", "run.cancelled", "model.state_changed", "*"]


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[EventName]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    created_at: str
    updated_at: str


class WebhookWithSecret(WebhookOut):
    secret: str


class WebhookPage(BaseModel):
    data: list[WebhookOut]
    next_cursor: str | None


class PingOut(BaseModel):
    event_id: str
    type: Literal["webhook.ping"]


class DeliveryOut(BaseModel):
    event_id: str
    type: str
    attempt: int
    status_code: int | None
    error: str | None
    at: str


class DeliveryPage(BaseModel):
    data: list[DeliveryOut]
    next_cursor: str | None
