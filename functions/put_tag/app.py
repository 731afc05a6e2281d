"""PUT /v1/models/{handle}/tags/{tag}: point a tag at a version; 200 with the version."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, json_body, json_response, make_resolver, parse_body
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import PUT_TAG, register
from u22a8.api.version_mapping import version_resource
from u22a8.api.version_schemas import PUT_TAG_BODY
from u22a8.domain import versions_service
from u22a8.domain.handles import require_valid_handle
from u22a8.entities.version import require_valid_tag
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, PUT_TAG)
def put_tag(handle: str, tag: str) -> Response[str]:
    require_valid_handle(handle)
    require_valid_tag(tag)
    body = parse_body(json_body(app), PUT_TAG_BODY)
    tagged = versions_service.put_tag(caller_namespace(app), handle, tag, body["version"])
    metrics.add_metric(name="TagsPut", unit=MetricUnit.Count, value=1)
    return json_response(200, version_resource(tagged))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
