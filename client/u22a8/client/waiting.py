"""Waiting for a run to end, reporting its progress on the way.

Progress comes from the model's ``last_operation`` (one consistent read per poll, the field the
API documents for following training). When the model's last operation is another run (an
automatic retrain started since, say), the run itself is polled; either way the final answer is
the run's own record.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from u22a8.client.errors import RunFailed, WaitTimeout
from u22a8.client.session import Session, path
from u22a8.client.types import Model, Progress, Run

Clock = Callable[[], float]
OnProgress = Callable[[Progress], None]


def wait_for_run(
    session: Session,
    handle: str,
    run_id: str,
    *,
    on_progress: OnProgress | None = None,
    timeout_s: float | None = None,
    poll_interval_s: float = 1.0,
    raise_on_failure: bool = True,
    clock: Clock = time.monotonic,
) -> Run:
    """Poll until the run has ended and return its final record.

    ``on_progress`` is called whenever the status or the fraction changes. A ``failed`` run
    raises ``RunFailed`` (unless ``raise_on_failure`` is false); a ``cancelled`` one is returned.
    ``timeout_s`` bounds the wait (``WaitTimeout``); the run goes on regardless.
    """
    deadline = None if timeout_s is None else clock() + timeout_s
    last: Progress | None = None
    while True:
        progress, run = _observe(session, handle, run_id)
        if on_progress is not None and progress != last:
            on_progress(progress)
        last = progress
        if progress.status != "running":
            final = run or _run(session, handle, run_id)
            if final["status"] != "running":  # else the run's record lags the model's: poll on
                if final["status"] == "failed" and raise_on_failure:
                    raise RunFailed(final)
                return final
        if deadline is not None and clock() + poll_interval_s > deadline:
            raise WaitTimeout(run_id, timeout_s or 0.0, last)
        session.sleep(poll_interval_s)


def _observe(session: Session, handle: str, run_id: str) -> tuple[Progress, Run | None]:
    """The run's progress, from the model while its last operation is this run, else from the
    run (which is then returned too)."""
    model: Model = session.request("GET", path("/v1/models/{}", handle)).json()
    operation = model.get("last_operation")
    if operation is not None and operation.get("run_id") == run_id:
        return Progress(run_id, operation["status"], operation.get("progress")), None
    run = _run(session, handle, run_id)
    return Progress(run_id, run["status"], run.get("progress")), run


def _run(session: Session, handle: str, run_id: str) -> Run:
    run: Run = session.request("GET", path("/v1/models/{}/runs/{}", handle, run_id)).json()
    return run
