"""Starts automatic retraining: ModelsTable stream records, filtered (template.yaml) to model items
that are ``ready`` and marked ``retrain_due`` (set by the upload that reached
``RETRAIN_THRESHOLD`` samples since the active version; the claim checks the count again)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.domain import runs_service
from u22a8.observability import logger, metrics


def _count(image: Mapping[str, Any]) -> int:
    return int(image.get("samples_since_version", {}).get("N", "0"))


def _calls_for_retrain(record: Mapping[str, Any]) -> bool:
    """New samples arrived, or a run just published with enough left over. Not the release of a
    failed or cancelled run: that would restart a failing (or unwanted) retrain at once, so a
    failed retrain is tried again only when more samples come."""
    change = record.get("dynamodb", {})
    new, old = change.get("NewImage", {}), change.get("OldImage", {})
    if _count(new) > _count(old):
        return True
    status = new.get("last_operation", {}).get("M", {}).get("status", {}).get("S")
    return bool(old.get("state", {}).get("S") == "busy" and status == "succeeded")


def _handles(records: list[Mapping[str, Any]]) -> list[str]:
    """The models the records ask to retrain, each once, in order."""
    handles: dict[str, None] = {}
    for record in records:
        handle = record.get("dynamodb", {}).get("NewImage", {}).get("handle", {}).get("S")
        if handle and _calls_for_retrain(record):
            handles[handle] = None
    return list(handles)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = {}
    for handle in _handles(event.get("Records", [])):
        run_id = runs_service.start_retrain(handle)
        if run_id is not None:
            started[handle] = run_id
    metrics.add_metric(name="RetrainsStarted", unit=MetricUnit.Count, value=len(started))
    return {"started": started}
