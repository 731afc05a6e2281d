"""PATCH /v1/webhooks/{id}: merge-patch url, events, description and enabled in one write."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api import media_types
from u22a8.api.http import caller_namespace, json_body, json_response, make_resolver, parse_body
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import PATCH_WEBHOOK, register
from u22a8.api.webhook_mapping import changes_from_patch, webhook_resource
from u22a8.api.webhook_schemas import PATCH_WEBHOOK_BODY, READ_ONLY_WEBHOOK_FIELDS
from u22a8.domain import webhooks_service
from u22a8.entities.webhook import require_valid_webhook_id
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, PATCH_WEBHOOK)
def patch_webhook(id: str) -> Response[str]:
    require_valid_webhook_id(id)
    patch = parse_body(
        json_body(app, (media_types.JSON, media_types.MERGE_PATCH_JSON)),
        PATCH_WEBHOOK_BODY,
        READ_ONLY_WEBHOOK_FIELDS,
    )
    webhook = webhooks_service.patch_webhook(caller_namespace(app), id, changes_from_patch(patch))
    metrics.add_metric(name="WebhooksPatched", unit=MetricUnit.Count, value=1)
    return json_response(200, webhook_resource(webhook))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
