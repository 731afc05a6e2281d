"""The events subscribers get instead of polling: ``Model State Changed`` and ``Run Finished``.

Details carry identifiers, states, version numbers and error codes only, never sample text or
error messages (a message may quote what a customer sent).
"""

from __future__ import annotations

from typing import Any

from u22a8.data import events
from u22a8.domain.model import ModelState

MODEL_STATE_CHANGED = "Model State Changed"
RUN_FINISHED = "Run Finished"


def model_state_changed(
    handle: str,
    to_state: ModelState | None,
    from_state: ModelState | None,
    run_id: str | None = None,
    version: int | None = None,
) -> None:
    """A model changed state; ``from_state`` is ``None`` when the write did not tell it."""
    if to_state is None or to_state == from_state:
        return
    detail: dict[str, Any] = {
        "handle": handle,
        "from_state": from_state.value if from_state else None,
        "to_state": to_state.value,
    }
    if run_id is not None:
        detail["run_id"] = run_id
    if version is not None:
        detail["version"] = version
    events.put(MODEL_STATE_CHANGED, detail)


def run_finished(
    handle: str,
    run_id: str,
    status: str,
    version: int | None = None,
    error_code: str | None = None,
) -> None:
    """A run ended: ``succeeded`` (with its version), ``failed`` (with its error code) or
    ``cancelled``."""
    detail: dict[str, Any] = {"handle": handle, "run_id": run_id, "status": status}
    if version is not None:
        detail["version"] = version
    if error_code is not None:
        detail["error_code"] = error_code
    events.put(RUN_FINISHED, detail)
