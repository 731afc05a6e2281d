"""Training runs as the domain sees them: what was asked for, and how it went.

Run ids start with the time (epoch milliseconds), so a model's ``RUN#`` items sort by start time
and "newest first" is a reverse range read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from u22a8.effort import DEFAULT_EFFORT, Effort
from u22a8.entities.ids import require_id, time_ordered_id
from u22a8.entities.model import OperationError

RUN_ID_PREFIX = "run_"
RUN_ID_PATTERN = r"^run_[0-9a-f]{20}$"
_RUN_ID_RE = re.compile(RUN_ID_PATTERN)

TRAIN = "train"
RETRAIN = "retrain"

# The error a run carries when its execution could not be started (the claim was undone).
START_FAILED = OperationError(
    code="start-failed",
    message="The training run could not be started; nothing changed. Train again.",
)


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class TrainRequest:
    """What ``POST …/train`` asks for, defaults applied (``effort`` null or absent is medium)."""

    effort: Effort = DEFAULT_EFFORT
    reoptimize_params: bool = False


@dataclass(frozen=True)
class Run:
    run_id: str
    kind: str  # train | retrain
    status: RunStatus
    started_at: str
    effort: str | None = None  # None for a retrain, which searches nothing
    reoptimize_params: bool = False
    finished_at: str | None = None
    progress: float | None = None
    error: OperationError | None = None
    version: int | None = None
    execution_arn: str | None = None


@dataclass(frozen=True)
class RunPage:
    runs: list[Run]
    next_cursor: str | None


@dataclass(frozen=True)
class RunningRequest:
    """The run that holds a busy model, as its model item records it (no read of the run)."""

    run_id: str
    kind: str
    effort: str | None
    reoptimize_params: bool

    def same_as(self, request: TrainRequest) -> bool:
        """Whether ``request`` asks for exactly this run (an idempotent hit, not a conflict)."""
        return (
            self.kind == TRAIN
            and self.effort == request.effort
            and self.reoptimize_params == request.reoptimize_params
        )


def new_run_id(now_ms: int | None = None) -> str:
    """``run_`` + 12 hex of epoch milliseconds + 8 random hex: unique, and sorts by start."""
    return time_ordered_id(RUN_ID_PREFIX, 4, now_ms)


def require_valid_run_id(run_id: str) -> str:
    """A malformed run id is the caller's mistake (422), never a lookup."""
    require_id(
        run_id,
        _RUN_ID_RE,
        what="run id",
        loc=("path", "run_id"),
        msg="must be 'run_' and 20 lowercase hex digits, as returned by train",
        code="run_id_format",
    )
    return run_id
