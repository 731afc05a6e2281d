"""Cursor pages: ``{"data": [...], "next_cursor": ...}`` walked lazily, one request per page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast


@dataclass(frozen=True)
class Page[T]:
    data: list[T]
    next_cursor: str | None


class Pager[T]:
    """Iterating yields every item of every page, fetching the next page only when needed;
    ``pages()`` yields the pages themselves (e.g. to keep a cursor for later)."""

    def __init__(self, fetch: Callable[[str | None], Any], cursor: str | None = None) -> None:
        self._fetch = fetch
        self._cursor = cursor

    def pages(self) -> Iterator[Page[T]]:
        cursor = self._cursor
        while True:
            document = self._fetch(cursor)
            page = Page(cast("list[T]", document.get("data") or []), document.get("next_cursor"))
            yield page
            if not page.next_cursor or page.next_cursor == cursor:
                return
            cursor = page.next_cursor

    def first_page(self) -> Page[T]:
        return next(self.pages())

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.data
