"""POST /v1/webhooks/{id}/rotate-secret: a new secret, shown once; the old one signs alongside it
for 24 hours so receivers can switch without losing a delivery."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, json_body, json_response, make_resolver, parse_body
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import ROTATE_WEBHOOK_SECRET, register
from u22a8.api.webhook_mapping import webhook_with_secret
from u22a8.api.webhook_schemas import EMPTY_BODY
from u22a8.domain import webhooks_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, ROTATE_WEBHOOK_SECRET)
def rotate_webhook_secret(id: str) -> Response[str]:
    parse_body(json_body(app), EMPTY_BODY)
    rotated = webhooks_service.rotate_secret(caller_namespace(app), id)
    metrics.add_metric(name="WebhookSecretsRotated", unit=MetricUnit.Count, value=1)
    return json_response(200, webhook_with_secret(rotated))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
