"""POST /v1/models: create a draft model; ``Idempotency-Key`` makes retries safe."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api import idempotency
from u22a8.api.etags import etag
from u22a8.api.http import (
    caller_namespace,
    header,
    json_body,
    json_response,
    make_resolver,
    parse_body,
    public_path,
)
from u22a8.api.mapping import READ_ONLY_MODEL_FIELDS, model_resource, new_model
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import CREATE_MODEL, register
from u22a8.api.schemas import CREATE_MODEL_BODY
from u22a8.config import get_settings
from u22a8.domain import models_service
from u22a8.domain.clock import utc_now
from u22a8.observability import logger, metrics

app = make_resolver()

# On create, only server-owned fields are read-only; handle and criteria are inputs.
_READ_ONLY_ON_CREATE = {
    k: v for k, v in READ_ONLY_MODEL_FIELDS.items() if k not in CREATE_MODEL_BODY.field_names
}


@register(app, CREATE_MODEL)
def create_model() -> Response[str]:
    namespace = caller_namespace(app)
    key = idempotency.validated_key(header(app, idempotency.IDEMPOTENCY_HEADER))
    payload = json_body(app)

    def create() -> idempotency.StoredResponse:
        request = parse_body(payload, CREATE_MODEL_BODY, _READ_ONLY_ON_CREATE)
        model = models_service.create_model(namespace, new_model(request, utc_now()))
        location = public_path(app, f"{get_settings().api_base_path}/models/{model.handle}")
        metrics.add_metric(name="ModelsCreated", unit=MetricUnit.Count, value=1)
        return {
            "status": 201,
            "body": model_resource(model),
            "headers": {"ETag": etag(model), "Location": location},
        }

    stored = idempotency.run_once(
        key, f"{namespace}:create-model", payload, create, app.lambda_context
    )
    return json_response(stored["status"], stored["body"], stored["headers"])


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
