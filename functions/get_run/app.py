"""GET /v1/models/{handle}/runs/{run_id}: one training run (poll it to follow a run)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, json_response, make_resolver
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import GET_RUN, register
from u22a8.api.run_mapping import run_resource
from u22a8.domain import runs_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, GET_RUN)
def get_run(handle: str, run_id: str) -> Response[str]:
    run = runs_service.get_run(caller_namespace(app), handle, run_id)
    return json_response(200, run_resource(run))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
