"""GET /v1/webhooks/{id}: one endpoint (never its secret)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, json_response, make_resolver
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import GET_WEBHOOK, register
from u22a8.api.webhook_mapping import webhook_resource
from u22a8.domain import webhooks_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, GET_WEBHOOK)
def get_webhook(id: str) -> Response[str]:
    webhook = webhooks_service.get_webhook(caller_namespace(app), id)
    return json_response(200, webhook_resource(webhook))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
