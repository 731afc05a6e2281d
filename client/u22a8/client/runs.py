"""Training: ``client.train`` starts a run; ``client.runs`` lists, reads, cancels and waits."""

from __future__ import annotations

import time
from typing import Any

from u22a8.client.etag import IfMatch, if_match_header
from u22a8.client.pages import Pager
from u22a8.client.session import Session, new_idempotency_key, path
from u22a8.client.types import Run, TrainResult
from u22a8.client.waiting import Clock, OnProgress, wait_for_run
from u22a8.effort import Effort


def train(
    session: Session,
    handle: str,
    *,
    effort: Effort | None = None,
    reoptimize_params: bool | None = None,
    if_match: IfMatch = None,
    idempotency_key: str | None = None,
) -> TrainResult:
    """Start a run (``state: busy`` and its ``run_id``), or nothing on a ready model without
    ``reoptimize_params`` (``run_id: None``). Retries reuse one Idempotency-Key."""
    body: dict[str, Any] = {}
    if effort is not None:
        body["effort"] = effort
    if reoptimize_params is not None:
        body["reoptimize_params"] = reoptimize_params
    headers = {"Idempotency-Key": idempotency_key or new_idempotency_key()}
    headers.update(if_match_header(if_match))
    response = session.request(
        "POST", path("/v1/models/{}/train", handle), body=body, headers=headers
    )
    result: TrainResult = response.json()
    return result


class Runs:
    def __init__(self, session: Session, clock: Clock = time.monotonic) -> None:
        self._session = session
        self._clock = clock

    def list(
        self, handle: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Pager[Run]:
        """The model's runs, newest first."""

        def fetch(page_cursor: str | None) -> Any:
            params = {"limit": limit, "cursor": page_cursor}
            target = path("/v1/models/{}/runs", handle)
            return self._session.request("GET", target, params=params).json()

        return Pager(fetch, cursor)

    def get(self, handle: str, run_id: str) -> Run:
        run: Run = self._session.request(
            "GET", path("/v1/models/{}/runs/{}", handle, run_id)
        ).json()
        return run

    def cancel(self, handle: str, run_id: str) -> Run:
        """Stop a running run (idempotent: an already cancelled run is returned as it is)."""
        run: Run = self._session.request(
            "POST", path("/v1/models/{}/runs/{}/cancel", handle, run_id), idempotent=True
        ).json()
        return run

    def wait(
        self,
        handle: str,
        run_id: str,
        *,
        on_progress: OnProgress | None = None,
        timeout: float | None = None,
        poll_interval: float = 1.0,
        raise_on_failure: bool = True,
    ) -> Run:
        """Poll until the run ends; see ``u22a8.client.waiting.wait_for_run``."""
        return wait_for_run(
            self._session,
            handle,
            run_id,
            on_progress=on_progress,
            timeout_s=timeout,
            poll_interval_s=poll_interval,
            raise_on_failure=raise_on_failure,
            clock=self._clock,
        )
