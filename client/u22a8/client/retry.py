"""When the client retries a request, and how long it waits first.

The rules, bounded by ``RetryPolicy.max_attempts`` and ``max_wait_s``:

* ``429`` and ``503`` are retried whatever the method: the API did not act on the request.
* A ``409`` the API marks as retryable is retried: ``request-in-progress`` (the same
  Idempotency-Key is still being served) or any 409 with ``Retry-After`` (a busy dependency).
* ``500``, ``502``, ``504`` and connection failures are retried only when repeating the request
  cannot apply it twice: GET, PUT, DELETE, a POST carrying an Idempotency-Key, or a call the
  contract defines as idempotent (score, cancel).

The wait is the answer's ``Retry-After`` (seconds or an HTTP date) when it has one, else an
exponential backoff with jitter. A ``Retry-After`` longer than ``max_wait_s`` is not waited out:
the error is raised so the caller decides.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

ALWAYS_RETRYABLE = frozenset({429, 503})
RETRYABLE_WHEN_IDEMPOTENT = frozenset({500, 502, 504})
RETRYABLE_CONFLICTS = frozenset({"request-in-progress"})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``max_attempts`` counts the first request too (1 disables retries)."""

    max_attempts: int = 5
    max_wait_s: float = 60.0
    backoff_s: float = 0.5
    backoff_cap_s: float = 8.0

    def backoff(self, attempt: int) -> float:
        """Wait before retry number ``attempt`` (1-based) without a Retry-After: exponential,
        capped, with half of it random so that many clients do not retry in step."""
        ceiling = min(self.backoff_cap_s, self.backoff_s * 2.0 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not crypto


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date); ``None`` when
    absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_retryable_status(
    status: int, problem_code: str | None, *, has_retry_after: bool, idempotent: bool
) -> bool:
    """Whether an answer with this status (and problem code) may be retried."""
    if status in ALWAYS_RETRYABLE:
        return True
    if status == 409:
        return problem_code in RETRYABLE_CONFLICTS or has_retry_after
    return idempotent and status in RETRYABLE_WHEN_IDEMPOTENT


def wait_before_retry(
    policy: RetryPolicy, attempt: int, retry_after_s: float | None
) -> float | None:
    """Seconds to wait before retry ``attempt`` (1-based), or ``None`` when the policy says stop:
    the attempts are used up, or the server asks for a longer wait than ``max_wait_s``."""
    if attempt >= policy.max_attempts:
        return None
    if retry_after_s is not None:
        return retry_after_s if retry_after_s <= policy.max_wait_s else None
    return min(policy.backoff(attempt), policy.max_wait_s)
