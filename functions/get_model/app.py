"""GET /v1/models/{handle}: one consistent read; poll it to follow training."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, make_resolver
from u22a8.api.powertools_rest import Response
from u22a8.api.responses import model_response
from u22a8.api.routes import GET_MODEL, register
from u22a8.domain import models_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, GET_MODEL)
def get_model(handle: str) -> Response[str]:
    return model_response(models_service.get_model(caller_namespace(app), handle))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
