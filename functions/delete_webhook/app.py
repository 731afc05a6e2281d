"""DELETE /v1/webhooks/{id}: remove the endpoint; nothing more is delivered to it (204)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, make_resolver
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import DELETE_WEBHOOK, register
from u22a8.domain import webhooks_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, DELETE_WEBHOOK)
def delete_webhook(id: str) -> Response[str]:
    webhooks_service.delete_webhook(caller_namespace(app), id)
    metrics.add_metric(name="WebhooksDeleted", unit=MetricUnit.Count, value=1)
    return Response(status_code=204, body="")


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
