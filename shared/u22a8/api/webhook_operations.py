"""The webhook routes for the OpenAPI document, in the terms of ``u22a8.api.openapi_terms``.

Kept apart from the models' long list; ``u22a8.api.operations`` appends what
:func:`webhook_operations` returns to ``OPERATIONS``.
"""

from __future__ import annotations

from typing import Any

from u22a8.api import openapi_terms as ops
from u22a8.api import routes
from u22a8.api.openapi_terms import Operation
from u22a8.api.webhook_schemas import CREATE_WEBHOOK_BODY, EMPTY_BODY, PATCH_WEBHOOK_BODY
from u22a8.api.webhook_views import (
    DeliveryPage,
    PingOut,
    WebhookOut,
    WebhookPage,
    WebhookWithSecret,
)
from u22a8.entities import errors
from u22a8.entities.webhook import WEBHOOK_ID_PATTERN

TAG = "webhooks"
TAG_DESCRIPTION = (
    "Webhook endpoints of your namespace: signed (Standard Webhooks) deliveries of run and model "
    "events, retried with backoff for about a day."
)
PROBLEM_TYPES: dict[type[errors.DomainError], str] = {
    errors.WebhookNotFound: "no such webhook endpoint in your namespace",
    errors.WebhookLimitReached: "the namespace has the most webhook endpoints it may have",
}

WEBHOOK_EXAMPLE: dict[str, Any] = {
    "id": "wh_019a2b3c4d5ea1b2c3d4e5f6",
    "url": "https://hooks.example.com/u22a8",
    "events": ["run.succeeded", "run.failed"],
    "description": "Notify the release pipeline",
    "enabled": True,
    "disabled_reason": None,
    "created_at": "2026-05-19T12:00:00.000Z",
    "updated_at": "2026-05-19T12:00:00.000Z",
}
SECRET_EXAMPLE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 - a documentation example
DELIVERY_EXAMPLE: dict[str, Any] = {
    "event_id": "evt_5f0c1e2d3a4b5c6d7e8f9a0b1c2d3e4f",
    "type": "run.succeeded",
    "attempt": 2,
    "status_code": 200,
    "error": None,
    "at": "2026-05-19T12:03:15.000Z",
}


def webhook_operations() -> tuple[Operation, ...]:
    """Every webhook route, documented like the models' routes."""
    webhook_id = ops.Parameter(
        component="WebhookId",
        name="id",
        location="path",
        description="A webhook endpoint's id, as returned at creation; a malformed id is 422.",
        schema={"type": "string", "pattern": WEBHOOK_ID_PATTERN},
        required=True,
        example=WEBHOOK_EXAMPLE["id"],
    )
    from_body = {"id": "$response.body#/id"}
    same = {"id": "$request.path.id"}
    links = (
        ops.Link("GetWebhook", "getWebhook", "Read the endpoint.", from_body),
        ops.Link("UpdateWebhook", "patchWebhook", "Update the endpoint.", from_body),
        ops.Link("PingWebhook", "pingWebhook", "Send the endpoint a ping.", from_body),
        ops.Link("ListDeliveries", "listWebhookDeliveries", "Its delivery attempts.", from_body),
        ops.Link("RotateSecret", "rotateWebhookSecret", "Rotate its secret.", from_body),
        ops.Link("DeleteWebhook", "deleteWebhook", "Delete the endpoint.", from_body),
    )
    not_found = (errors.InvalidInput, errors.WebhookNotFound)
    body_errors = (errors.MalformedJson, errors.PayloadTooLarge, errors.InvalidInput)
    body_and_not_found = (*body_errors, errors.WebhookNotFound)  # a body for an endpoint
    no_body = ops.Body(
        request=EMPTY_BODY,
        description="No fields: send no body or `{}`.",
        example={},
        required=False,
    )
    with_secret = {**WEBHOOK_EXAMPLE, "secret": SECRET_EXAMPLE}
    return (
        ops.Operation(
            route=routes.CREATE_WEBHOOK,
            summary="Register a webhook endpoint",
            description=(
                "Registers an endpoint of the caller's namespace for the given event types. The "
                "answer holds its signing secret (`whsec_...`), shown only here and by "
                "rotate-secret. The url must be `https://` and resolve only to public addresses "
                "(422 otherwise). A namespace has at most 20 endpoints (409 beyond)."
            ),
            tags=(TAG,),
            body=ops.Body(
                request=CREATE_WEBHOOK_BODY,
                description="The endpoint. Unknown and read-only fields are rejected (422).",
                example={
                    "url": WEBHOOK_EXAMPLE["url"],
                    "events": WEBHOOK_EXAMPLE["events"],
                    "description": WEBHOOK_EXAMPLE["description"],
                },
            ),
            responses={
                201: ops.Reply(
                    "Created; the secret is shown this once.",
                    WebhookWithSecret,
                    (ops.LOCATION,),
                    example=with_secret,
                    links=links,
                )
            },
            errors=(*body_errors, errors.WebhookLimitReached),
        ),
        ops.Operation(
            route=routes.LIST_WEBHOOKS,
            summary="List webhook endpoints",
            description="The namespace's endpoints, newest first, a page at a time; no secrets.",
            tags=(TAG,),
            parameters=(ops.LIMIT, ops.CURSOR),
            responses={
                200: ops.Reply(
                    "One page of endpoints.",
                    WebhookPage,
                    example={"data": [WEBHOOK_EXAMPLE], "next_cursor": None},
                    links=(
                        ops.Link(
                            "GetWebhook",
                            "getWebhook",
                            "Read the newest endpoint.",
                            {"id": "$response.body#/data/0/id"},
                        ),
                    ),
                )
            },
            errors=(errors.InvalidInput,),
        ),
        ops.Operation(
            route=routes.GET_WEBHOOK,
            summary="Get a webhook endpoint",
            description="One endpoint; never its secret.",
            tags=(TAG,),
            parameters=(webhook_id,),
            responses={200: ops.Reply("The endpoint.", WebhookOut, example=WEBHOOK_EXAMPLE)},
            errors=not_found,
        ),
        ops.Operation(
            route=routes.PATCH_WEBHOOK,
            summary="Update a webhook endpoint",
            description=(
                "Merge patch of `url`, `events`, `description` and `enabled`. A new url is "
                "checked like at creation. `enabled: true` enables an endpoint that was "
                "disabled after failing for 3 days, and clears `disabled_reason`."
            ),
            tags=(TAG,),
            parameters=(webhook_id,),
            body=ops.Body(
                request=PATCH_WEBHOOK_BODY,
                description="The fields to change. Unknown and read-only fields are 422.",
                content_types=(ops.JSON, ops.MERGE_PATCH_JSON),
                example={"events": ["*"], "enabled": True},
            ),
            responses={
                200: ops.Reply(
                    "The updated endpoint.",
                    WebhookOut,
                    example=WEBHOOK_EXAMPLE,
                    links=(ops.Link("GetWebhook", "getWebhook", "Read the endpoint.", same),),
                )
            },
            errors=body_and_not_found,
        ),
        ops.Operation(
            route=routes.DELETE_WEBHOOK,
            summary="Delete a webhook endpoint",
            description=(
                "Removes the endpoint; nothing more is delivered to it, retries included. "
                "Deleting it again is 404."
            ),
            tags=(TAG,),
            parameters=(webhook_id,),
            responses={204: ops.Reply("Deleted; no body.")},
            errors=not_found,
        ),
        ops.Operation(
            route=routes.ROTATE_WEBHOOK_SECRET,
            summary="Rotate a webhook endpoint's secret",
            description=(
                "A new secret, shown only in this answer. For 24 hours deliveries carry two "
                "signatures, one with the new and one with the previous secret, so a receiver "
                "can switch without missing one."
            ),
            tags=(TAG,),
            parameters=(webhook_id,),
            body=no_body,
            responses={
                200: ops.Reply(
                    "The endpoint with its new secret.", WebhookWithSecret, example=with_secret
                )
            },
            errors=body_and_not_found,
        ),
        ops.Operation(
            route=routes.PING_WEBHOOK,
            summary="Ping a webhook endpoint",
            description=(
                "Queues a signed `webhook.ping` event for the endpoint (also when it is "
                "disabled), delivered and retried like any event; see it in deliveries."
            ),
            tags=(TAG,),
            parameters=(webhook_id,),
            body=no_body,
            responses={
                202: ops.Reply(
                    "Queued.",
                    PingOut,
                    example={"event_id": DELIVERY_EXAMPLE["event_id"], "type": "webhook.ping"},
                    links=(
                        ops.Link(
                            "ListDeliveries",
                            "listWebhookDeliveries",
                            "Follow the ping's delivery.",
                            same,
                        ),
                    ),
                )
            },
            errors=body_and_not_found,
        ),
        ops.Operation(
            route=routes.LIST_WEBHOOK_DELIVERIES,
            summary="List delivery attempts",
            description=(
                "The endpoint's delivery attempts of the last 30 days, newest first: each "
                "event's `event_id` (its `webhook-id` header, the same on every retry), the "
                "attempt number, the receiver's status code and why an attempt failed."
            ),
            tags=(TAG,),
            parameters=(webhook_id, ops.LIMIT, ops.CURSOR),
            responses={
                200: ops.Reply(
                    "One page of attempts.",
                    DeliveryPage,
                    example={"data": [DELIVERY_EXAMPLE], "next_cursor": None},
                )
            },
            errors=not_found,
        ),
    )
