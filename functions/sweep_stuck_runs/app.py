"""Scheduled sweep for runs whose status-change event was lost: every busy model whose execution
is no longer running (or never started) is reconciled like ``ReconcileRunFunction`` would."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.config import get_settings
from u22a8.domain import reconcile
from u22a8.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = reconcile.sweep(get_settings().training_state_machine_arn)
    metrics.add_metric(name="BusyModels", unit=MetricUnit.Count, value=report.busy)
    metrics.add_metric(
        name="StuckRunsReconciled", unit=MetricUnit.Count, value=len(report.reconciled)
    )
    if report.errors:
        # Visible as a function error (alarmable); every model checked so far stays reconciled.
        raise reconcile.SweepIncomplete(f"{len(report.errors)} busy models could not be checked")
    return {"busy": report.busy, "reconciled": report.reconciled}
