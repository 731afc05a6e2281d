"""Purges a model's samples after zero-data-retention was turned on, one bounded batch per model
item change (ModelsTable stream, filtered to items with ``purge_pending``), or every pending purge
on the schedule (a stream chain that broke)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.domain import purge_service
from u22a8.entities.purge import PendingPurge
from u22a8.observability import logger, metrics


def _pending(records: list[Mapping[str, Any]]) -> dict[str, PendingPurge]:
    """The purges the records ask for, one per model (the last record of a model wins)."""
    found: dict[str, PendingPurge] = {}
    for record in records:
        image = record.get("dynamodb", {}).get("NewImage", {})
        handle = image.get("handle", {}).get("S")
        token = image.get("purge_pending", {}).get("S")
        if handle and token:
            epoch = image.get("data_epoch", {}).get("S", token)
            found[handle] = PendingPurge(handle, token, epoch)
    return found


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:
        reports = [purge_service.purge_batch(p) for p in _pending(event["Records"]).values()]
    else:  # the scheduled sweep
        reports = purge_service.sweep()
    deleted = sum(report.samples_deleted for report in reports)
    metrics.add_metric(name="SamplesPurged", unit=MetricUnit.Count, value=deleted)
    return {"batches": len(reports), "samples_deleted": deleted}
