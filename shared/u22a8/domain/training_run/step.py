"""What every training step's handler does around its work: log context and error translation.

A step raises exactly one of three kinds of error, so the state machine can route it: a
user-facing one (a ``StepError`` subclass or a trainer error) that ``Record failure`` shows as
it is; ``TransientError`` for throttling and dropped connections, which the ``Retry`` repeats;
and ``StepFailed`` for anything else, whose details go to the log only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from u22a8.data.transient import is_transient
from u22a8.domain.training_run.errors import StepError, StepFailed, TransientError
from u22a8.observability import logger


class BadPayload(Exception):
    """The state machine passed something the step cannot use (a definition bug)."""


def run_step[T](
    step: str,
    action: Callable[[Mapping[str, Any]], T],
    event: Mapping[str, Any],
    user_errors: tuple[type[Exception], ...] = (),
) -> T:
    """Run ``action(event)``; ``user_errors`` propagate unchanged (e.g. the trainer's errors)."""
    logger.append_keys(step=step, handle=event.get("handle"), run_id=event.get("run_id"))
    try:
        return action(event)
    except StepError:
        raise
    except user_errors:
        raise
    except Exception as error:
        if is_transient(error):
            logger.warning("transient failure, the state machine retries", exc_info=True)
            raise TransientError(f"{step}: {type(error).__name__}, retry") from error
        logger.exception("step failed")
        raise StepFailed(f"{step} failed ({type(error).__name__}); see its log") from error


def text(event: Mapping[str, Any], key: str) -> str:
    value = event.get(key)
    if not isinstance(value, str) or not value:
        raise BadPayload(f"payload field {key!r} must be a non-empty string")
    return value


def integer(event: Mapping[str, Any], key: str) -> int:
    value = event.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadPayload(f"payload field {key!r} must be a non-negative integer")
    return value


def mapping(event: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = event.get(key)
    if not isinstance(value, Mapping):
        raise BadPayload(f"payload field {key!r} must be an object")
    return value
