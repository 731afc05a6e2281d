"""The story ``events/`` tells (``local.sam_events``): its names, ids and times, all fixed so the
files only change when the template or the builders do; names and ARNs are the local stack's
(``make local`` / ``make sam-local``)."""

from __future__ import annotations

import json
import uuid
from functools import cache
from typing import Any, Final

from local import template
from local.resources import physical_names

SAMPLES_PATH: Final = template.ROOT / "examples" / "support-tone-samples.json"
PREFIX: Final = "u22a8-local"  # the local stack's names (local.stack's default --prefix)
NAMESPACE: Final = "demo"
HANDLE: Final = f"{NAMESPACE}.support-tone"
CRITERIA: Final = ("Clarity", "Flow")
RUN_ID: Final = "run_019a0f3c5e00d3f1a2b4"  # 12 hex of epoch ms + 8 hex, as train makes them
EFFORT: Final = "low"
SAMPLE_ID: Final = "smp_019a0f3c5e0000000123456789ab"
KEY_ID: Final = "key_0123456789abcdef"
# Not a key: the authorizer refuses it. Paste a key of the local stack to see it allowed.
API_KEY_PLACEHOLDER: Final = "u22a8_PASTE_THE_DEMO_KEY_PRINTED_BY_MAKE_LOCAL"
DATA_EPOCH: Final = "2026-01-01T00:00:00.000Z"
EPOCH_MS: Final = 1_767_225_600_000  # 2026-01-01T00:00:00Z, every event's time
API_ID: Final = "local"
# The webhook events name this endpoint id; CreateWebhookFunction answers with the real one (ids
# are random): put that into the other webhook events to replay them.
WEBHOOK_ID: Final = f"wh_{EPOCH_MS:012x}a1b2c3d4e5f6"
# A receiver of your own on the host, as in the README (the local stack accepts local http://).
RECEIVER_URL: Final = "http://127.0.0.1:8000/hooks"
RUN_FINISHED_AT: Final = "2026-01-01T00:05:00Z"  # the run's end on the model events bus


def stable_id(*parts: str) -> str:
    """A stable UUID per event, so regenerating changes nothing."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "u22a8-events/" + "/".join(parts)))


@cache
def local_names() -> dict[str, str]:
    return physical_names(PREFIX)


def stage() -> str:
    return str(template.parameter_default("StageName"))


def samples_body() -> Any:
    return json.loads(SAMPLES_PATH.read_text(encoding="utf-8"))
