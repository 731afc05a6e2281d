"""The events subscribers get instead of polling: ``Model State Changed`` and ``Run Finished``.

Details carry identifiers, states, version numbers and error codes only, never sample text or
error messages (a message may quote what a customer sent).
"""

from __future__ import annotations

from typing import Any

from u22a8.data import events
from u22a8.entities.model import ModelState

MODEL_STATE_CHANGED = "Model State Changed"
RUN_FINISHED = "Run Finished"


Event = tuple[str, dict[str, Any]]


def model_state_change(
    handle: str,
    to_state: ModelState | None,
    from_state: ModelState | None,
    run_id: str | None = None,
    version: int | None = None,
) -> Event | None:
    """The event of a model's change of state (``None`` when the state did not change);
    ``from_state`` is ``None`` when the write did not tell it."""
    if to_state is None or to_state == from_state:
        return None
    detail: dict[str, Any] = {
        "handle": handle,
        "from_state": from_state.value if from_state else None,
        "to_state": to_state.value,
    }
    if run_id is not None:
        detail["run_id"] = run_id
    if version is not None:
        detail["version"] = version
    return MODEL_STATE_CHANGED, detail


def run_end(
    handle: str,
    run_id: str,
    status: str,
    version: int | None = None,
    error_code: str | None = None,
) -> Event:
    """The event of a run's end: ``succeeded`` (with its version), ``failed`` (with its error
    code) or ``cancelled``."""
    detail: dict[str, Any] = {"handle": handle, "run_id": run_id, "status": status}
    if version is not None:
        detail["version"] = version
    if error_code is not None:
        detail["error_code"] = error_code
    return RUN_FINISHED, detail


def publish(*changes: Event | None) -> None:
    """Publish the events of one change, in order, in one call (``None``s are skipped)."""
    present = [event for event in changes if event is not None]
    if present:
        events.put_all(present)


def model_state_changed(
    handle: str,
    to_state: ModelState | None,
    from_state: ModelState | None,
    run_id: str | None = None,
    version: int | None = None,
) -> None:
    """Publish a model's change of state (nothing when the state did not change)."""
    publish(model_state_change(handle, to_state, from_state, run_id, version))


def run_finished(
    handle: str,
    run_id: str,
    status: str,
    version: int | None = None,
    error_code: str | None = None,
    *,
    model_to_state: ModelState | None = None,
) -> None:
    """Publish a run's end and, given ``model_to_state``, its model leaving ``busy`` for it:
    both in one PutEvents call."""
    publish(
        run_end(handle, run_id, status, version, error_code),
        model_state_change(handle, model_to_state, ModelState.BUSY, run_id, version),
    )
