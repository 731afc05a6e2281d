"""POST /v1/webhooks/{id}/ping: queue a signed webhook.ping for the endpoint (202); the API never
waits on the receiver."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, json_body, json_response, make_resolver, parse_body
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import PING_WEBHOOK, register
from u22a8.api.webhook_schemas import EMPTY_BODY
from u22a8.domain import webhooks_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, PING_WEBHOOK)
def ping_webhook(id: str) -> Response[str]:
    parse_body(json_body(app), EMPTY_BODY)
    event = webhooks_service.ping(caller_namespace(app), id)
    metrics.add_metric(name="WebhookPings", unit=MetricUnit.Count, value=1)
    return json_response(202, {"event_id": event.event_id, "type": event.type})


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
