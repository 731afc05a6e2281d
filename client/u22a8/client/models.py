"""``client.models``: create, read, list, patch and archive models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from u22a8.client.errors import PreconditionFailed
from u22a8.client.etag import Etagged, IfMatch, etagged, if_match_header
from u22a8.client.pages import Pager
from u22a8.client.session import Session, new_idempotency_key, path
from u22a8.client.types import AutoPrune, Model, ModelPatch, ModelState

MERGE_PATCH = "application/merge-patch+json"


class Models:
    def __init__(self, session: Session) -> None:
        self._session = session

    def create(
        self,
        handle: str,
        criteria: Sequence[str],
        *,
        description: str | None = None,
        objective: str | None = None,
        task: str | None = None,
        zero_data_retention: bool | None = None,
        auto_prune: AutoPrune | None = None,
        idempotency_key: str | None = None,
    ) -> Etagged[Model]:
        """A new draft. Retries reuse one Idempotency-Key (``idempotency_key`` or a random one),
        so a create the network lost is replayed, not refused as ``handle-taken``."""
        body: dict[str, Any] = {"handle": handle, "criteria": list(criteria)}
        optional = {
            "description": description,
            "objective": objective,
            "task": task,
            "zero_data_retention": zero_data_retention,
            "auto_prune": auto_prune,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        key = idempotency_key or new_idempotency_key()
        response = self._session.request(
            "POST", "/v1/models", body=body, headers={"Idempotency-Key": key}
        )
        return etagged(response, response.json())

    def get(self, handle: str) -> Etagged[Model]:
        response = self._session.request("GET", path("/v1/models/{}", handle))
        return etagged(response, response.json())

    def list(
        self,
        *,
        state: ModelState | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Pager[Model]:
        """The namespace's models, newest first (archived ones only with ``state="archived"``);
        ``limit`` is the page size."""

        def fetch(page_cursor: str | None) -> Any:
            params = {"state": state, "limit": limit, "cursor": page_cursor}
            return self._session.request("GET", "/v1/models", params=params).json()

        return Pager(fetch, cursor)

    def patch(
        self, handle: str, changes: ModelPatch, *, if_match: IfMatch = None
    ) -> Etagged[Model]:
        """Merge-patch the model; with ``if_match`` only if it is still that revision."""
        response = self._session.request(
            "PATCH",
            path("/v1/models/{}", handle),
            body=changes,
            headers=if_match_header(if_match),
            content_type=MERGE_PATCH,
        )
        return etagged(response, response.json())

    def update(
        self, handle: str, change: Callable[[Model], ModelPatch], *, attempts: int = 5
    ) -> Etagged[Model]:
        """Read, compute a patch from what was read, and apply it only to that revision: on a
        concurrent change (412) read again and recompute, up to ``attempts`` times."""
        for attempt in range(1, attempts + 1):
            current = self.get(handle)
            try:
                return self.patch(handle, change(current.value), if_match=current)
            except PreconditionFailed:
                if attempt == attempts:
                    raise
        raise ValueError("attempts must be at least 1")

    def archive(self, handle: str, *, if_match: IfMatch = None) -> Etagged[Model]:
        """Archive (``DELETE``): stops a running run; archiving again is a no-op."""
        response = self._session.request(
            "DELETE", path("/v1/models/{}", handle), headers=if_match_header(if_match)
        )
        return etagged(response, response.json())
