"""When a failed delivery is tried again: exponential backoff for about a day, then the DLQ.

The n-th failed attempt waits ``5 s * 3**(n-1)``, at most 10 hours: 5 s, 15 s, 45 s, 2¼ min,
6¾ min, 20¼ min, about 1 h, 3 h, 9 h, 10 h. Eleven attempts span about 23.7 hours; the eleventh
failure is dead-lettered. SQS delays a message by at most 15 minutes, so a longer wait is several
hops of one message that carries when it is due (``due_in``).
"""

from __future__ import annotations

FIRST_DELAY_S = 5
FACTOR = 3
MAX_DELAY_S = 10 * 3600
MAX_ATTEMPTS = 11
SQS_MAX_DELAY_S = 900
# An endpoint that has failed every attempt for this long is disabled.
DISABLE_AFTER_S = 3 * 24 * 3600


def retry_delay_s(failed_attempt: int) -> int | None:
    """Seconds to wait after the ``failed_attempt``-th attempt failed; ``None``: no more tries."""
    if failed_attempt < 1:
        raise ValueError("attempts are counted from 1")
    if failed_attempt >= MAX_ATTEMPTS:
        return None
    return int(min(FIRST_DELAY_S * FACTOR ** (failed_attempt - 1), MAX_DELAY_S))


def schedule() -> list[int]:
    """Every wait between the attempts of one event, in order."""
    return [d for n in range(1, MAX_ATTEMPTS) if (d := retry_delay_s(n)) is not None]


def sqs_delay_s(due_in_s: float) -> int:
    """The ``DelaySeconds`` of the next hop of a message due in ``due_in_s`` seconds."""
    return max(0, min(SQS_MAX_DELAY_S, int(due_in_s + 0.999)))
