"""``client.samples``: add labelled samples (one call, or any number in batches), list, delete."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from u22a8.client.jsonl import batches, read_samples
from u22a8.client.pages import Pager
from u22a8.client.session import Session, new_idempotency_key, path
from u22a8.client.types import Sample, StoredSample

MAX_SAMPLES_PER_CALL = 500

OnBatch = Callable[[int, int], None]
"""Called after each stored batch with (samples in it, samples stored so far)."""


class Samples:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self, handle: str, samples: Sequence[Sample], *, idempotency_key: str | None = None
    ) -> builtins.list[str]:
        """Store 1 to 500 samples, all or none; their ids in the order sent."""
        if not 1 <= len(samples) <= MAX_SAMPLES_PER_CALL:
            raise ValueError(f"add takes 1 to {MAX_SAMPLES_PER_CALL} samples; use upload()")
        response = self._session.request(
            "POST",
            path("/v1/models/{}/samples", handle),
            body={"samples": builtins.list(samples)},
            headers={"Idempotency-Key": idempotency_key or new_idempotency_key()},
        )
        ids: builtins.list[str] = response.json()["sample_ids"]
        return ids

    def upload(
        self,
        handle: str,
        samples: Iterable[Sample],
        *,
        batch_size: int = MAX_SAMPLES_PER_CALL,
        on_batch: OnBatch | None = None,
        idempotency_prefix: str | None = None,
    ) -> builtins.list[str]:
        """Store any number of samples in calls of at most ``batch_size`` (<= 500).

        Each batch is one all-or-none call with its own Idempotency-Key; with
        ``idempotency_prefix`` the keys are ``<prefix>-<batch number>``, so running the same
        upload again (after a crash half way) replays the batches already stored instead of
        storing them twice. A failing batch raises; the ones before it stay stored.
        """
        if not 1 <= batch_size <= MAX_SAMPLES_PER_CALL:
            raise ValueError(f"batch_size must be 1 to {MAX_SAMPLES_PER_CALL}")
        stored: builtins.list[str] = []
        for number, batch in enumerate(batches(samples, batch_size), start=1):
            key = f"{idempotency_prefix}-{number}" if idempotency_prefix else None
            stored.extend(self.add(handle, batch, idempotency_key=key))
            if on_batch is not None:
                on_batch(len(batch), len(stored))
        return stored

    def upload_jsonl(
        self,
        handle: str,
        source: Path | str,
        *,
        batch_size: int = MAX_SAMPLES_PER_CALL,
        on_batch: OnBatch | None = None,
        idempotency_prefix: str | None = None,
    ) -> builtins.list[str]:
        """``upload`` of the samples in a JSONL file, streamed (the file is never all in memory)."""
        return self.upload(
            handle,
            read_samples(Path(source)),
            batch_size=batch_size,
            on_batch=on_batch,
            idempotency_prefix=idempotency_prefix,
        )

    def list(
        self, handle: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Pager[StoredSample]:
        """The model's samples in the order added (``limit`` is a page's maximum)."""

        def fetch(page_cursor: str | None) -> Any:
            params = {"limit": limit, "cursor": page_cursor}
            target = path("/v1/models/{}/samples", handle)
            return self._session.request("GET", target, params=params).json()

        return Pager(fetch, cursor)

    def delete(self, handle: str, sample_id: str) -> None:
        self._session.request("DELETE", path("/v1/models/{}/samples/{}", handle, sample_id))
