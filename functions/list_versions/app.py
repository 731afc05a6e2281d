"""GET /v1/models/{handle}/versions: the model's versions, newest first, paginated."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, json_response, make_resolver
from u22a8.api.pagination import page_params
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import LIST_VERSIONS, register
from u22a8.api.version_mapping import version_page
from u22a8.domain import versions_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, LIST_VERSIONS)
def list_versions(handle: str) -> Response[str]:
    limit, cursor = page_params(app.current_event.query_string_parameters or {})
    page = versions_service.list_versions(caller_namespace(app), handle, limit, cursor)
    return json_response(200, version_page(page))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
