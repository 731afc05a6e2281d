"""DELETE /v1/models/{handle}/tags/{tag}: remove a tag; 200 with the model and its new ETag."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, make_resolver
from u22a8.api.powertools_rest import Response
from u22a8.api.responses import model_response
from u22a8.api.routes import DELETE_TAG, register
from u22a8.domain import versions_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, DELETE_TAG)
def delete_tag(handle: str, tag: str) -> Response[str]:
    model = versions_service.delete_tag(caller_namespace(app), handle, tag)
    metrics.add_metric(name="TagsDeleted", unit=MetricUnit.Count, value=1)
    return model_response(model)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
