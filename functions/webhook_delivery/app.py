"""SQS (one message per event and endpoint): make one signed delivery attempt, record it, and
queue the retry (backoff), dead-letter the last failure, or disable an endpoint that has failed
for 3 days. The only function allowed to decrypt endpoint secrets."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.domain import webhook_delivery
from u22a8.domain.webhook_delivery import Outcome
from u22a8.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS)

_METRICS = {
    Outcome.DELIVERED: "WebhookDeliveriesSucceeded",
    Outcome.RETRYING: "WebhookDeliveryFailures",
    Outcome.DEAD_LETTERED: "WebhookDeliveryFailures",
    Outcome.DISABLED: "WebhookDeliveryFailures",
}


def deliver(record: SQSRecord) -> None:
    outcome = webhook_delivery.deliver(json.loads(record.body))
    if outcome in _METRICS:
        metrics.add_metric(name=_METRICS[outcome], unit=MetricUnit.Count, value=1)
    if outcome is Outcome.DEAD_LETTERED:
        metrics.add_metric(name="WebhookDeliveriesDeadLettered", unit=MetricUnit.Count, value=1)
    if outcome is Outcome.DISABLED:
        metrics.add_metric(name="WebhookEndpointsDisabled", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(
            event=event, record_handler=deliver, processor=processor, context=context
        )
    )
