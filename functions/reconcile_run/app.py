"""EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED) of a training
execution: release the model if the run still holds it, so no model stays busy after its run."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.domain import reconcile
from u22a8.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(
        execution_arn=event.detail.get("executionArn"), execution_status=event.detail.get("status")
    )
    changed = reconcile.reconcile_status_change(event.detail)
    metrics.add_metric(name="RunsReconciled", unit=MetricUnit.Count, value=int(changed))
    return {"reconciled": changed}
