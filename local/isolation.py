"""Per-invocation isolation for handler "containers" that run as threads of one process.

On Lambda each container is its own process and serves one invocation at a time, so Powertools
may keep request state process-wide: the event resolver stores the current event and context on
the ``BaseRouter`` class, and Metrics keeps one metric set per process. The local gateway runs
its containers as threads of one process, so without this module concurrent requests could read
each other's event (even another tenant's namespace) or flush each other's metrics. Nothing here
is used on AWS.
"""

from __future__ import annotations

import functools
import threading
from abc import ABCMeta
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)

from local import patches
from u22a8.api.powertools_rest import BaseRouter

_state = threading.local()
_metrics_lock = threading.RLock()
_applied = False


def _per_thread(name: str) -> property:
    return property(
        lambda _self: getattr(_state, name, None),
        lambda _self, value: setattr(_state, name, value),
    )


class _PerThreadRouterState(ABCMeta):
    """Metaclass whose descriptors catch ``BaseRouter.current_event = ...`` (class-level writes)."""

    current_event = _per_thread("current_event")
    lambda_context = _per_thread("lambda_context")


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _metrics_lock:
            return method(*args, **kwargs)

    return wrapper


@patches.guarded("powertools-thread-isolation")
def isolate_invocations() -> None:
    """Apply once per process; safe to call again."""
    global _applied  # noqa: PLW0603 - a process-wide, apply-once switch
    if _applied:
        return
    for name in ("current_event", "lambda_context"):
        setattr(BaseRouter, name, _per_thread(name))
    BaseRouter.__class__ = _PerThreadRouterState  # type: ignore[assignment]
    for name in ("add_metric", "flush_metrics", "add_dimension", "add_metadata", "clear_metrics"):
        setattr(
            AmazonCloudWatchEMFProvider,
            name,
            _serialized(getattr(AmazonCloudWatchEMFProvider, name)),
        )
    _applied = True
