"""POST /v1/models/{handle}/samples: add labelled samples; an Idempotency-Key makes retries safe."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api import idempotency
from u22a8.api.http import (
    caller_namespace,
    header,
    json_body,
    json_response,
    make_resolver,
    parse_body,
)
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import ADD_SAMPLES, register
from u22a8.api.sample_mapping import new_samples
from u22a8.api.sample_schemas import ADD_SAMPLES_BODY
from u22a8.domain import samples_service
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, ADD_SAMPLES)
def add_samples(handle: str) -> Response[str]:
    namespace = caller_namespace(app)
    key = idempotency.validated_key(header(app, idempotency.IDEMPOTENCY_HEADER))
    payload = json_body(app)

    def add() -> idempotency.StoredResponse:
        request = parse_body(payload, ADD_SAMPLES_BODY)
        sample_ids = samples_service.add_samples(namespace, handle, new_samples(request))
        metrics.add_metric(name="SamplesAdded", unit=MetricUnit.Count, value=len(sample_ids))
        return {"status": 201, "body": {"sample_ids": sample_ids}, "headers": {}}

    stored = idempotency.run_once(
        key, f"{namespace}:add-samples:{handle}", payload, add, app.lambda_context
    )
    return json_response(stored["status"], stored["body"], stored["headers"])


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
