"""DELETE /v1/models/{handle}: archive (idempotent); archived models stay readable."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.etags import parse_if_match
from u22a8.api.http import caller_namespace, header, make_resolver
from u22a8.api.powertools_rest import Response
from u22a8.api.responses import model_response
from u22a8.api.routes import ARCHIVE_MODEL, register
from u22a8.domain import archive_service
from u22a8.domain.handles import require_visible
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, ARCHIVE_MODEL)
def archive_model(handle: str) -> Response[str]:
    namespace = caller_namespace(app)
    require_visible(handle, namespace)  # 422 or 404 for the handle before the If-Match
    model = archive_service.archive_model(
        namespace, handle, parse_if_match(header(app, "If-Match"), handle)
    )
    metrics.add_metric(name="ModelsArchived", unit=MetricUnit.Count, value=1)
    return model_response(model)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
