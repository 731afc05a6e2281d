"""POST /v1/models/{handle}/score: score texts with the active version, or ``?version=`` /
``?tag=``.

Scores with the pure-Python scorer (``u22a8.scoring``): no API handler imports numpy. The event is
never logged: its body is the texts, which are neither stored nor logged.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.api.http import caller_namespace, json_body, json_response, make_resolver, parse_body
from u22a8.api.powertools_rest import Response
from u22a8.api.routes import SCORE_TEXTS, register
from u22a8.api.score_mapping import score_resource, version_choice
from u22a8.api.score_schemas import SCORE_BODY
from u22a8.domain import scoring_service
from u22a8.domain.handles import require_valid_handle
from u22a8.observability import logger, metrics

app = make_resolver()


@register(app, SCORE_TEXTS)
def score(handle: str) -> Response[str]:
    require_valid_handle(handle)  # a malformed handle is reported before the query and body
    choice = version_choice(app.current_event.multi_value_query_string_parameters)
    request = parse_body(json_body(app), SCORE_BODY)
    scores = scoring_service.score(caller_namespace(app), handle, request["texts"], choice)
    metrics.add_metric(name="TextsScored", unit=MetricUnit.Count, value=len(request["texts"]))
    return json_response(200, score_resource(scores))


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False, clear_state=True
)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
