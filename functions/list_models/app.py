"""GET /v1/models: the namespace's models, newest first, cursor-paginated."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, json_response, make_resolver
from u22a8.api.mapping import model_resource
from u22a8.api.pagination import page_params, state_filter
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import LIST_MODELS, register
from u22a8.domain import models_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, LIST_MODELS)
def list_models() -> Response[str]:
    query = app.current_event.query_string_parameters or {}
    limit, cursor = page_params(query)
    page = models_service.list_models(caller_namespace(app), state_filter(query), limit, cursor)
    body = {"data": [model_resource(m) for m in page.models], "next_cursor": page.next_cursor}
    return json_response(200, body)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
