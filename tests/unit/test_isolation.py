"""Handler containers running as threads must not see each other's request state."""

from __future__ import annotations

import threading

from local.isolation import isolate_invocations
from u22a8.api.powertools_rest import BaseRouter


def test_router_state_is_per_thread() -> None:
    isolate_invocations()
    isolate_invocations()  # idempotent
    BaseRouter.current_event = "request-a"  # type: ignore[assignment]
    seen: list[object] = []

    def other_container() -> None:
        seen.append(BaseRouter.current_event)
        BaseRouter.current_event = "request-b"  # type: ignore[assignment]

    thread = threading.Thread(target=other_container)
    thread.start()
    thread.join()
    assert seen == [None]
    assert BaseRouter.current_event == "request-a"
