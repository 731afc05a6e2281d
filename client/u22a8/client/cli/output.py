"""What the commands print: JSON for scripts (``--json``: an object, or one object a line for
lists), aligned text for people. Errors go to stderr, with the problem's fields."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from u22a8.client.errors import ApiError


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def show(value: Mapping[str, Any], as_json: bool, etag: str | None = None) -> None:
    """One resource: its JSON, or ``field: value`` lines (with its ETag, for ``--if-match``)."""
    if as_json:
        print(json.dumps(value, ensure_ascii=False, indent=2))
        return
    width = max((len(k) for k in value), default=0)
    for key, item in value.items():
        print(f"{key:<{width}}  {_text(item)}")
    if etag is not None:
        print(f"{'etag':<{width}}  {etag}")


def show_items(items: Iterable[Mapping[str, Any]], columns: Sequence[str], as_json: bool) -> None:
    """A list: JSON lines, or a table of ``columns``."""
    if as_json:
        for item in items:
            print(json.dumps(item, ensure_ascii=False))
        return
    rows = [[_text(item.get(c)) for c in columns] for item in items]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    for row in [list(columns), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def problem(error: ApiError) -> None:
    """An API problem on stderr: status, title, detail, each field error, the request id."""
    print(f"error: {error}", file=sys.stderr)


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
