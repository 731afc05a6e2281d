"""Query parameters of list endpoints: ``limit`` (1-100, default 20), ``cursor``, ``state``."""

from __future__ import annotations

from collections.abc import Mapping

from u22a8.entities.errors import ValidationCollector
from u22a8.entities.model import ModelState

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def page_params(query: Mapping[str, str]) -> tuple[int, str | None]:
    collector = ValidationCollector()
    raw_limit = query.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        # ASCII digits only: str.isdigit() also takes superscript and full-width digits (and
        # int() then fails on the first); three digits are enough for any limit allowed.
        if _is_ascii_digits(raw_limit, 3) and 1 <= int(raw_limit) <= MAX_LIMIT:
            limit = int(raw_limit)
        else:
            collector.add(("query", "limit"), f"must be an integer from 1 to {MAX_LIMIT}", "range")
    cursor = query.get("cursor") or None
    collector.raise_if_any("Invalid query parameters: limit.")
    return limit, cursor


def _is_ascii_digits(raw: str, max_digits: int) -> bool:
    return 0 < len(raw) <= max_digits and all("0" <= c <= "9" for c in raw)


def state_filter(query: Mapping[str, str]) -> ModelState | None:
    raw = query.get("state")
    if raw is None:
        return None
    try:
        return ModelState(raw)
    except ValueError:
        collector = ValidationCollector()
        allowed = ", ".join(s.value for s in ModelState)
        collector.add(("query", "state"), f"must be one of: {allowed}", "enum")
        collector.raise_if_any("Invalid query parameters: state.")
        raise  # unreachable: raise_if_any always raises here
