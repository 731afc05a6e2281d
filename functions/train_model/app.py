"""POST /v1/models/{handle}/train: start a training run (one claim transaction, one
StartExecution); ``Idempotency-Key`` makes retries safe."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api import idempotency
from u22a8.api.etags import parse_if_match
from u22a8.api.http import (
    caller_namespace,
    header,
    json_body,
    json_response,
    make_resolver,
    parse_body,
    public_path,
)
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import TRAIN_MODEL, register
from u22a8.api.run_mapping import train_request
from u22a8.api.run_schemas import TRAIN_BODY
from u22a8.config import get_settings
from u22a8.domain import runs_service
from u22a8.domain.handles import require_visible
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, TRAIN_MODEL)
def train(handle: str) -> Response[str]:
    namespace = caller_namespace(app)
    require_visible(handle, namespace)
    key = idempotency.validated_key(header(app, idempotency.IDEMPOTENCY_HEADER))
    expected_revision = parse_if_match(header(app, "If-Match"), handle)
    payload = json_body(app)

    def start() -> idempotency.StoredResponse:
        request = train_request(parse_body(payload, TRAIN_BODY))
        outcome = runs_service.train(namespace, handle, request, expected_revision)
        body = {"state": outcome.state.value, "run_id": outcome.run_id}
        if outcome.run_id is None:
            return {"status": 200, "body": body, "headers": {}}
        path = f"{get_settings().api_base_path}/models/{handle}/runs/{outcome.run_id}"
        metrics.add_metric(name="TrainAccepted", unit=MetricUnit.Count, value=1)
        return {"status": 202, "body": body, "headers": {"Location": public_path(app, path)}}

    stored = idempotency.run_once(
        key, f"{namespace}:train:{handle}", payload, start, app.lambda_context
    )
    return json_response(stored["status"], stored["body"], stored["headers"])


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
