"""From the error ``Record failure`` catches to the ``{code, message}`` a user reads on the run.

A Catch hands over ``{"Error", "Cause"}``. For a function error ``Error`` is the exception's class
name and ``Cause`` the runtime's JSON (``errorType``, ``errorMessage``, ``stackTrace``); for a
service or state error (``Lambda.*``, ``States.*``) ``Cause`` is free text. Only the errors we
raise on purpose keep their message: those name counts, criteria and ids, never sample text.
Everything else gets a generic message, so neither a stack trace nor whatever an unexpected
exception quoted ever reaches the user. No numpy here: this runs in the light ``Record failure``
function, so the trainer's error classes are named, and a unit test keeps the names in step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from u22a8.entities.model import OperationError

#: Class name of an error raised on purpose, to its stable code. The trainer's errors
#: (``u22a8.training.errors``) and ours (``u22a8.domain.training_run.errors``).
USER_FACING: Mapping[str, str] = {
    "TrainingError": "training-failed",
    "NotEnoughSamples": "not-enough-samples",
    "InvalidSamples": "invalid-samples",
    "TooManySamples": "too-many-samples",
    "ZeroDataRetentionOn": "zero-data-retention",
    "SamplesUnavailable": "samples-unavailable",
    "RunSuperseded": "run-superseded",
}
#: Codes of failures the user caused and can fix (their samples, their settings), not failures of
#: the service: ``Record failure`` says so, and the state machine then ends the execution without
#: its ``Fail`` state, so only system failures count in the training-failed alarm.
USER_CAUSED: frozenset[str] = frozenset(
    {
        "training-failed",
        "not-enough-samples",
        "invalid-samples",
        "too-many-samples",
        "zero-data-retention",
        "samples-unavailable",
    }
)
#: Failures of a dependency that outlasted the retries: worth trying again later.
UNAVAILABLE = frozenset(
    {
        "TransientError",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    }
)
MAX_MESSAGE_CHARS = 2000


def _error_message(cause: Any) -> str | None:
    if not isinstance(cause, str):
        return None
    try:
        parsed = json.loads(cause)
    except ValueError:
        return None
    message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    return message.strip() if isinstance(message, str) and message.strip() else None


def describe(error: Mapping[str, Any] | None, run_id: str) -> OperationError:
    """The user-facing error for what a Catch caught (``$.error``)."""
    name = str((error or {}).get("Error") or "")
    if name in USER_FACING:
        message = _error_message((error or {}).get("Cause"))
        if message:
            return OperationError(code=USER_FACING[name], message=message[:MAX_MESSAGE_CHARS])
    if name == "States.Timeout":
        return OperationError(
            code="run-timed-out",
            message=(
                "A step of the training run did not finish within its time limit; no new "
                "version was published. Train again with a lower effort, or retry later."
            ),
        )
    if name in UNAVAILABLE:
        return OperationError(
            code="service-unavailable",
            message=(
                "The training run stopped because a service it depends on was unavailable; no "
                "new version was published. Train again in a few minutes."
            ),
        )
    return OperationError(
        code="internal-error",
        message=(
            "The training run stopped on an internal error; no new version was published. "
            f"Train again; if it keeps failing, contact support and quote run {run_id}."
        ),
    )
