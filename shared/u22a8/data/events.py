"""EventBridge access: model and run events put on the stack's bus (``EVENT_BUS_NAME``).

Publishing is best effort. It happens after the state change it reports has committed, so a
failure is logged and counted (metric ``EventsNotPublished``) but never fails the request or
the step: undoing or retrying the change because its notification failed would be worse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.observability import logger, metrics

SOURCE = "u22a8.models"


def put(detail_type: str, detail: Mapping[str, Any]) -> bool:
    """Put one event on the bus; whether it was accepted (``False`` also when no bus is set)."""
    return put_all([(detail_type, detail)])


def put_all(events: Sequence[tuple[str, Mapping[str, Any]]]) -> bool:
    """Put up to ten ``(detail_type, detail)`` events in one PutEvents call, in order; whether
    all were accepted (``False`` also when no bus is set). One call for the events of one change
    (a run's end and its model's new state) keeps a request to one round trip."""
    bus = get_settings().event_bus_name
    if not bus or not events:
        return False
    entries: list[Any] = [
        {
            "Source": SOURCE,
            "DetailType": detail_type,
            "Detail": json.dumps(dict(detail), separators=(",", ":")),
            "EventBusName": bus,
        }
        for detail_type, detail in events
    ]
    detail_types = [detail_type for detail_type, _ in events]
    try:
        response = clients.events().put_events(Entries=entries)
    except (ClientError, BotoCoreError):
        logger.exception("event not published", extra={"detail_types": detail_types})
        metrics.add_metric(name="EventsNotPublished", unit=MetricUnit.Count, value=len(events))
        return False
    failed = response.get("FailedEntryCount", 0)
    if failed:
        codes = [entry.get("ErrorCode") for entry in response.get("Entries", [])]
        logger.error(
            "event not published",
            extra={"detail_types": detail_types, "error_codes": codes},
        )
        metrics.add_metric(name="EventsNotPublished", unit=MetricUnit.Count, value=failed)
        return False
    return True
