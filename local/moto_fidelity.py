"""Emulator fidelity: make moto's DynamoDB apply each request atomically, as DynamoDB does.

Real DynamoDB serializes writes to an item: a conditional ``UpdateItem`` evaluates its condition
and applies its update as one step, so of twenty writers that all expect ``revision = 7`` exactly
one succeeds. moto 5.2.5 does not: ``DynamoDBBackend.update_item`` reads the item, checks the
condition, then mutates the item in place, with no lock. Its server is threaded and our local
gateway runs handler "containers" concurrently, so a thread switch between check and write lets
two conditional writes both succeed and lets unconditional ``revision = revision + :one`` updates
be lost. Measured with 20 threads against ``ThreadedMotoServer`` and
``sys.setswitchinterval(1e-6)``: in 30 rounds, 2 had two winners and 12 lost increments; with
:func:`serialize_dynamodb` applied, none. The race is rarer at the default switch interval but
real, and a test that passes only because the emulator is lucky proves nothing.

The fix is one process-wide re-entrant lock around:

- every DynamoDB API call moto serves (``DynamoHandler.call_action``, used both by moto's server
  and by ``mock_aws``), because the response layer also reads the item around the backend call
  (``ReturnValues``, the returned attributes) and a read must not see half an update either;
- the backend's write methods, for moto code that calls the backend directly.

Serializing everything is stricter than DynamoDB (which serializes per item), which only costs
throughput that nobody measures against an emulator.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any

from local import patches

_LOCK = threading.RLock()
_MARKER = "__u22a8_serialized__"
_BACKEND_WRITES = (
    "put_item",
    "update_item",
    "delete_item",
    "transact_write_items",
    "batch_write_item",
)


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    setattr(wrapper, _MARKER, True)
    return wrapper


def _wrap(owner: type, name: str) -> None:
    method = getattr(owner, name)
    if not getattr(method, _MARKER, False):
        setattr(owner, name, _serialized(method))


@patches.guarded("dynamodb-atomic-requests")
def serialize_dynamodb() -> None:
    """Apply the fix to moto's DynamoDB in this process; calling it again is a no-op.

    Call it before requests arrive: ``local.stack`` does at start-up, and test fixtures that run
    concurrent requests against ``mock_aws`` should too.
    """
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    _wrap(DynamoHandler, "call_action")
    for name in _BACKEND_WRITES:
        _wrap(DynamoDBBackend, name)


def is_serialized() -> bool:
    """Whether :func:`serialize_dynamodb` has been applied in this process."""
    from moto.dynamodb.responses import DynamoHandler

    return bool(getattr(DynamoHandler.call_action, _MARKER, False))


@patches.guarded("sfn-stop-waits-for-start")
def stop_waits_for_start(timeout_s: float = 10.0) -> None:
    """Let ``StopExecution`` right after ``StartExecution`` stop the execution, as on AWS.

    moto 5.2.5 starts an execution's worker thread and only then creates the environment that
    ``stop`` signals; a stop arriving in between fails with ``AttributeError`` (a 500 to our
    cancel endpoint). Here ``stop`` waits, on an event set when the environment exists, for at
    most ``timeout_s``. Safe to call twice.
    """
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    if getattr(ExecutionWorker, "_u22a8_stop_waits", False):
        return

    def ready_event(worker: Any) -> threading.Event:
        event: threading.Event = worker.__dict__.setdefault("_u22a8_env_ready", threading.Event())
        return event

    def get_env(worker: Any) -> Any:
        return worker.__dict__.get("_u22a8_env")

    def set_env(worker: Any, value: Any) -> None:
        worker.__dict__["_u22a8_env"] = value
        if value is not None:
            ready_event(worker).set()

    original_stop = ExecutionWorker.stop

    def stop(worker: Any, stop_date: Any, error: Any, cause: Any) -> Any:
        ready_event(worker).wait(timeout_s)
        return original_stop(worker, stop_date=stop_date, error=error, cause=cause)

    setattr(ExecutionWorker, "env", property(get_env, set_env))  # noqa: B010 - typed as a field
    setattr(ExecutionWorker, "stop", stop)  # noqa: B010
    setattr(ExecutionWorker, "_u22a8_stop_waits", True)  # noqa: B010


@patches.guarded("sfn-wait-sees-stop")
def wait_sees_stop(slice_s: float = 0.25) -> None:
    """Let ``StopExecution`` end a ``Wait`` state whenever it arrives, as on AWS.

    moto 5.2.5's ``Wait`` blocks on an event that a stop *pulses* (``set()`` then ``clear()``
    at once): a stop that lands after ``WaitStateEntered`` is recorded but before the wait has
    begun is missed, and the execution sleeps the whole interval (an hour, in the engine test
    that caught it under load). Here the wait is taken in slices of at most ``slice_s``, each
    after checking that the execution still runs; the interval and the history are unchanged.
    Safe to call twice.
    """
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    if getattr(WaitFunction, "_u22a8_sees_stop", False):
        return

    def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        deadline = time.monotonic() + wait_seconds
        while env.is_running():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            env.program_state_event.wait(min(remaining, slice_s))

    setattr(WaitFunction, "_wait_interval", wait_interval)  # noqa: B010 - moto's, untyped here
    setattr(WaitFunction, "_u22a8_sees_stop", True)  # noqa: B010
