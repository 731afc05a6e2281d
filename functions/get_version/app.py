"""GET /v1/models/{handle}/versions/{n}: one version with the tags that name it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, json_response, make_resolver
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import GET_VERSION, register
from u22a8.api.version_mapping import version_resource
from u22a8.domain import versions_service
from u22a8.domain.handles import require_valid_handle
from u22a8.entities.version import parse_version_number
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, GET_VERSION)
def get_version(handle: str, n: str) -> Response[str]:
    require_valid_handle(handle)  # a malformed handle is reported before the version number
    number = parse_version_number(n)
    tagged = versions_service.get_version(caller_namespace(app), handle, number)
    return json_response(200, version_resource(tagged))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
