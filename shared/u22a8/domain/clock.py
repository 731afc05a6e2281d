"""Time as the API shows it; one function so tests and every writer agree on the format."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    """RFC 3339 UTC with millisecond precision, so that listings sort by creation order."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def current_time() -> datetime:
    """Now, as an aware UTC datetime: the one clock of webhook deliveries, which tests move."""
    return datetime.now(UTC)
