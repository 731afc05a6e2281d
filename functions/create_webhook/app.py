"""POST /v1/webhooks: register an endpoint; its secret is in this answer and never again."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import (
    caller_namespace,
    json_body,
    json_response,
    make_resolver,
    parse_body,
    public_path,
)
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import CREATE_WEBHOOK, register
from u22a8.api.webhook_mapping import events_of, webhook_with_secret
from u22a8.api.webhook_schemas import CREATE_WEBHOOK_BODY, READ_ONLY_WEBHOOK_FIELDS
from u22a8.config import get_settings
from u22a8.domain import webhooks_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, CREATE_WEBHOOK)
def create_webhook() -> Response[str]:
    body = parse_body(json_body(app), CREATE_WEBHOOK_BODY, READ_ONLY_WEBHOOK_FIELDS)
    created = webhooks_service.create_webhook(
        caller_namespace(app), body["url"], events_of(body["events"]), body["description"]
    )
    location = public_path(
        app, f"{get_settings().api_base_path}/webhooks/{created.webhook.webhook_id}"
    )
    metrics.add_metric(name="WebhooksCreated", unit=MetricUnit.Count, value=1)
    return json_response(201, webhook_with_secret(created), {"Location": location})


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
