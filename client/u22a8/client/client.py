"""``Client``: the entry point, one per API URL and key."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from types import TracebackType

from u22a8.client.etag import IfMatch
from u22a8.client.models import Models
from u22a8.client.retry import RetryPolicy
from u22a8.client.runs import Runs, train
from u22a8.client.samples import Samples
from u22a8.client.scoring import score
from u22a8.client.session import Session, Sleep
from u22a8.client.types import Run, ScoreResult, TrainResult
from u22a8.client.versions import Tags, Versions
from u22a8.client.waiting import Clock, OnProgress
from u22a8.client.webhooks import Webhooks
from u22a8.effort import Effort

API_URL_VARIABLE = "U22A8_API_URL"
API_KEY_VARIABLE = "U22A8_API_KEY"


class Client:
    """The models API over HTTPS.

    ``Client()`` reads ``U22A8_API_URL`` and ``U22A8_API_KEY``. Resources hang off it
    (``client.models``, ``.samples``, ``.runs``, ``.versions``, ``.tags``, ``.webhooks``), next
    to ``train``, ``score`` and ``wait_for_run``. Errors raise ``u22a8.client.ApiError``
    subclasses. A client keeps one connection per thread, so threads may share it.
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        base_url = base_url or os.environ.get(API_URL_VARIABLE)
        api_key = api_key or os.environ.get(API_KEY_VARIABLE)
        if not base_url:
            raise ValueError(f"no API URL: pass base_url or set {API_URL_VARIABLE}")
        if not api_key:
            raise ValueError(f"no API key: pass api_key or set {API_KEY_VARIABLE}")
        self._session = Session(base_url, api_key, timeout_s=timeout, retry=retry, sleep=sleep)
        self.models = Models(self._session)
        self.samples = Samples(self._session)
        self.runs = Runs(self._session, clock)
        self.versions = Versions(self._session)
        self.tags = Tags(self._session)
        self.webhooks = Webhooks(self._session)

    def train(
        self,
        handle: str,
        *,
        effort: Effort | None = None,
        reoptimize_params: bool | None = None,
        if_match: IfMatch = None,
        idempotency_key: str | None = None,
    ) -> TrainResult:
        """Start training; see ``u22a8.client.runs.train``."""
        return train(
            self._session,
            handle,
            effort=effort,
            reoptimize_params=reoptimize_params,
            if_match=if_match,
            idempotency_key=idempotency_key,
        )

    def wait_for_run(
        self,
        handle: str,
        run_id: str,
        *,
        on_progress: OnProgress | None = None,
        timeout: float | None = None,
        poll_interval: float = 1.0,
        raise_on_failure: bool = True,
    ) -> Run:
        """Poll until the run ends, calling ``on_progress`` on each change; the final run.
        ``RunFailed`` when it failed, ``WaitTimeout`` after ``timeout`` seconds."""
        return self.runs.wait(
            handle,
            run_id,
            on_progress=on_progress,
            timeout=timeout,
            poll_interval=poll_interval,
            raise_on_failure=raise_on_failure,
        )

    def score(
        self,
        handle: str,
        texts: Sequence[str],
        *,
        version: int | None = None,
        tag: str | None = None,
    ) -> ScoreResult:
        """Score 1 to 100 texts with the active version, ``version`` or ``tag``."""
        return score(self._session, handle, texts, version=version, tag=tag)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
