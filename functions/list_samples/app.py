"""GET /v1/models/{handle}/samples: the model's labelled samples in insertion order, paginated."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, json_response, make_resolver
from u22a8.api.pagination import page_params
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import LIST_SAMPLES, register
from u22a8.api.sample_mapping import sample_page
from u22a8.domain import samples_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, LIST_SAMPLES)
def list_samples(handle: str) -> Response[str]:
    limit, cursor = page_params(app.current_event.query_string_parameters or {})
    page = samples_service.list_samples(caller_namespace(app), handle, limit, cursor)
    return json_response(200, sample_page(page))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
