"""PATCH /v1/models/{handle}: merge-patch metadata in exactly one conditional write."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api import media_types
from u22a8.api.etags import parse_if_match
from u22a8.api.http import caller_namespace, header, json_body, make_resolver, parse_body
from u22a8.api.mapping import READ_ONLY_MODEL_FIELDS, changes_from_patch
from u22a8.api.powertools_rest import Response
from u22a8.api.responses import model_response
from u22a8.api.routes import PATCH_MODEL, register
from u22a8.api.schemas import PATCH_MODEL_BODY
from u22a8.domain import models_service
from u22a8.domain.handles import require_valid_handle
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, PATCH_MODEL)
def patch_model(handle: str) -> Response[str]:
    require_valid_handle(handle)
    payload = json_body(app, (media_types.JSON, media_types.MERGE_PATCH_JSON))
    patch = parse_body(payload, PATCH_MODEL_BODY, READ_ONLY_MODEL_FIELDS)
    model = models_service.patch_model(
        caller_namespace(app),
        handle,
        changes_from_patch(patch),
        parse_if_match(header(app, "If-Match"), handle),
    )
    metrics.add_metric(name="ModelsPatched", unit=MetricUnit.Count, value=1)
    return model_response(model)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
