"""EventBridge access: model and run events put on the stack's bus (``EVENT_BUS_NAME``).

Publishing is best effort. It happens after the state change it reports has committed, so a
failure is logged and counted (metric ``EventsNotPublished``) but never fails the request or
the step: undoing or retrying the change because its notification failed would be worse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.observability import logger, metrics

SOURCE = "u22a8.models"


def put(detail_type: str, detail: Mapping[str, Any]) -> bool:
    """Put one event on the bus; whether it was accepted (``False`` also when no bus is set)."""
    bus = get_settings().event_bus_name
    if not bus:
        return False
    detail_json = json.dumps(dict(detail), separators=(",", ":"))
    try:
        response = clients.events().put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": detail_type,
                    "Detail": detail_json,
                    "EventBusName": bus,
                }
            ]
        )
    except (ClientError, BotoCoreError):
        logger.exception("event not published", extra={"detail_type": detail_type})
        metrics.add_metric(name="EventsNotPublished", unit=MetricUnit.Count, value=1)
        return False
    if response.get("FailedEntryCount", 0):
        failed = response.get("Entries", [{}])[0]
        logger.error(
            "event not published",
            extra={"detail_type": detail_type, "error_code": failed.get("ErrorCode")},
        )
        metrics.add_metric(name="EventsNotPublished", unit=MetricUnit.Count, value=1)
        return False
    return True
