"""``client.versions`` (published versions) and ``client.tags`` (names pointing at them)."""

from __future__ import annotations

from typing import Any

from u22a8.client.etag import Etagged, etagged
from u22a8.client.pages import Pager
from u22a8.client.session import Session, path
from u22a8.client.types import Model, Version


class Versions:
    def __init__(self, session: Session) -> None:
        self._session = session

    def list(
        self, handle: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Pager[Version]:
        """Published versions, newest first, each with the tags naming it."""

        def fetch(page_cursor: str | None) -> Any:
            params = {"limit": limit, "cursor": page_cursor}
            target = path("/v1/models/{}/versions", handle)
            return self._session.request("GET", target, params=params).json()

        return Pager(fetch, cursor)

    def get(self, handle: str, version: int) -> Version:
        found: Version = self._session.request(
            "GET", path("/v1/models/{}/versions/{}", handle, version)
        ).json()
        return found


class Tags:
    def __init__(self, session: Session) -> None:
        self._session = session

    def set(self, handle: str, tag: str, version: int) -> Version:
        """Point ``tag`` at ``version`` (moving it from the version it named); the version."""
        found: Version = self._session.request(
            "PUT", path("/v1/models/{}/tags/{}", handle, tag), body={"version": version}
        ).json()
        return found

    def delete(self, handle: str, tag: str) -> Etagged[Model]:
        """Remove ``tag``; the model, whose ``tags`` and ETag changed."""
        response = self._session.request("DELETE", path("/v1/models/{}/tags/{}", handle, tag))
        return etagged(response, response.json())
