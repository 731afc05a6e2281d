"""SQS (fed by the EventBridge rule on the model events bus): turn each model or run event into
one delivery message per subscribed endpoint of its namespace. A record that fails is reported
alone (partial batch response) and retried by SQS, then dead-lettered."""

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
from u22a8.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS)


def fan_out(record: SQSRecord) -> None:
    event = json.loads(record.body)
    queued = webhook_delivery.fan_out(event)
    logger.info(
        "webhook fan-out",
        extra={
            "bus_event_id": event.get("id"),
            "detail_type": event.get("detail-type"),
            "deliveries": queued,
        },
    )
    metrics.add_metric(name="WebhookDeliveriesQueued", unit=MetricUnit.Count, value=queued)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(
            event=event, record_handler=fan_out, processor=processor, context=context
        )
    )
