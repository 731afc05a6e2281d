"""Never stuck busy: release a model whose run's execution ended outside the workflow's own
error handling (the whole execution timed out, it was aborted, ``Record failure`` itself crashed,
or it was never started).

Two triggers lead here: the EventBridge "Step Functions Execution Status Change" event of such an
execution (``ReconcileRunFunction``) and, for events that were lost or never sent, a scheduled
sweep over the busy models (``SweepStuckRunsFunction``). Both end in ``runs_service.finish_run``,
whose write is conditional on the run still holding the model, so reconciling is idempotent and
never touches a model the workflow, a cancel or an earlier reconcile has already released.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from u22a8.data import artifacts, busy_index, execution_status, runs_repo
from u22a8.domain import runs_service
from u22a8.domain.clock import utc_now
from u22a8.domain.training_run import snapshot
from u22a8.entities.model import OperationError
from u22a8.entities.run import START_FAILED, RunStatus
from u22a8.observability import logger

# Execution statuses the status-change rule delivers (the template's pattern lists the same).
ENDED_OUTSIDE_WORKFLOW = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
# The sweeper's own verdicts, beyond DescribeExecution's statuses.
SUCCEEDED = "SUCCEEDED"
NEVER_STARTED = "NEVER_STARTED"
# How long a claimed run may go without an execution before the sweeper gives up on it. The API
# claims and then starts the execution within one request (a 10 s function), so a run older than
# this with no execution lost it (the function crashed between the two and could not undo).
DEFAULT_START_GRACE = timedelta(minutes=5)

CANCELLED = RunStatus.CANCELLED.value
FAILED = RunStatus.FAILED.value


@dataclass(frozen=True)
class EndedRun:
    """A run whose execution is over, and how it ended as Step Functions tells it."""

    handle: str
    run_id: str
    status: str
    error: str | None = None


def ending(ended: EndedRun) -> tuple[str, OperationError | None]:
    """The run's final status and the error the user sees, for an execution that ended."""
    if ended.status == "ABORTED":
        # Stopped from outside (a cancel, an archive, an operator): the model returns to the
        # state it had before the run, as a cancel does.
        return CANCELLED, None
    if ended.status == "TIMED_OUT":
        return FAILED, OperationError(
            code="run-timed-out",
            message=(
                "The training run did not finish within its time limit and was stopped; no new "
                "version was published. Train again with a lower effort, or retry later."
            ),
        )
    if ended.status == NEVER_STARTED:
        return FAILED, START_FAILED
    if ended.status == SUCCEEDED:
        return FAILED, OperationError(
            code="run-failed",
            message=(
                "The training run ended without publishing a version. Train again; if it keeps "
                f"failing, contact support and quote run {ended.run_id}."
            ),
        )
    # The execution's error name goes to the log only: like ``Record failure``, the user reads
    # what to do, never the internals.
    return FAILED, OperationError(
        code="run-failed",
        message=(
            "The training run stopped on an internal error; no new version was published. "
            f"Train again; if it keeps failing, contact support and quote run {ended.run_id}."
        ),
    )


def reconcile(ended: EndedRun) -> bool:
    """Finish the run and release its model if the run still holds it; whether anything changed."""
    outcome, error = ending(ended)
    if ended.status == NEVER_STARTED:
        # As the API does when its start fails: the claim is taken back, the model is as it was.
        changed = runs_repo.undo_claim(ended.handle, ended.run_id, START_FAILED, utc_now())
    else:
        changed = runs_service.finish_run(ended.handle, ended.run_id, outcome, error)
        _discard_leftovers(ended, released=changed)
    logger.info(
        "reconciled run" if changed else "run already released",
        extra={
            "handle": ended.handle,
            "run_id": ended.run_id,
            "execution_status": ended.status,
            "execution_error": ended.error,
            "outcome": outcome,
        },
    )
    return changed


def _discard_leftovers(ended: EndedRun, released: bool) -> None:
    """Delete what the ended execution left in S3, as ``Record failure`` would have: the run's
    snapshot (sample text) always, since no step of an ended execution reads it again; the
    artifact of its unpublished version only when this call released the run, because a run
    that still held the model cannot have published (publishing releases it in the same write).
    Best effort: an object left behind is an orphan (snapshots also expire), not an error."""
    keys = [snapshot.snapshot_key(ended.handle, ended.run_id)]
    if released:
        keys.append(artifacts.artifact_key(ended.handle, snapshot.version_id_for(ended.run_id)))
    failed = artifacts.delete_artifacts(keys)
    if failed:
        logger.warning("objects not deleted", extra={"keys": failed})


# -- the status-change event --------------------------------------------------------------------


class UnknownExecution(Exception):
    """A status-change event that names no run of ours (nothing to reconcile)."""


def from_status_change(
    detail: Mapping[str, Any],
    describe: Callable[[str], execution_status.ExecutionStatus | None] | None = None,
) -> EndedRun:
    """The run an EventBridge "Step Functions Execution Status Change" ``detail`` is about.

    The execution's input (``{handle, run_id, ...}``) is in the event unless it was too large to
    include (``inputDetails.included = false``); then it is read with ``DescribeExecution``.
    """
    status = str(detail.get("status") or "")
    arn = str(detail.get("executionArn") or "")
    payload = _json_object(detail.get("input"))
    if payload is None and arn:
        described = (describe or execution_status.describe)(arn)
        payload = described.input if described is not None else None
    payload = payload or {}
    handle = payload.get("handle")
    run_id = payload.get("run_id") or detail.get("name")
    if not isinstance(handle, str) or not handle or not isinstance(run_id, str) or not run_id:
        raise UnknownExecution(f"execution {arn or '?'} carries no handle and run id")
    error = detail.get("error")
    return EndedRun(handle, run_id, status, error if isinstance(error, str) else None)


def _json_object(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str) or not raw:
        return None
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def reconcile_status_change(detail: Mapping[str, Any]) -> bool:
    """Reconcile the run of one status-change event; ``False`` when there was nothing to do."""
    status = detail.get("status")
    if status not in ENDED_OUTSIDE_WORKFLOW:
        logger.info("ignoring execution status", extra={"execution_status": status})
        return False
    try:
        ended = from_status_change(detail)
    except UnknownExecution as error:
        logger.warning(str(error))
        return False
    return reconcile(ended)


# -- the sweep ----------------------------------------------------------------------------------


@dataclass
class SweepReport:
    """What one sweep saw and did."""

    busy: int = 0
    reconciled: list[str] = field(default_factory=list)  # run ids released by this sweep
    errors: list[str] = field(default_factory=list)  # handles that could not be checked


class SweepIncomplete(Exception):
    """Some busy models could not be checked; they are retried by the next sweep."""


def sweep(
    state_machine_arn: str,
    now: datetime | None = None,
    start_grace: timedelta = DEFAULT_START_GRACE,
) -> SweepReport:
    """Reconcile every busy model whose run's execution is no longer running.

    One model's failure (a throttled call, say) does not stop the sweep: it is reported, and the
    next sweep tries again.
    """
    if not state_machine_arn:
        raise ValueError("TRAINING_STATE_MACHINE_ARN is not set: cannot find the runs' executions")
    now = now or datetime.now(UTC)
    report = SweepReport()
    for busy in busy_index.busy_models():
        report.busy += 1
        try:
            ended = _ended_run(busy, state_machine_arn, now, start_grace)
            if ended is not None and reconcile(ended):
                report.reconciled.append(ended.run_id)
        except Exception:
            logger.exception("could not check a busy model", extra={"handle": busy.handle})
            report.errors.append(busy.handle)
    return report


def _ended_run(
    busy: busy_index.BusyModel, state_machine_arn: str, now: datetime, start_grace: timedelta
) -> EndedRun | None:
    """The busy model's run if its execution is over (or never began), else ``None``."""
    if busy.run_id is None:
        logger.warning("busy model without a current run", extra={"handle": busy.handle})
        return None
    described = execution_status.describe(
        execution_status.execution_arn(state_machine_arn, busy.run_id)
    )
    if described is None:
        started = _parse_time(busy.started_at)
        if started is not None and now - started < start_grace:
            return None  # claimed a moment ago; its execution is being started
        return EndedRun(busy.handle, busy.run_id, NEVER_STARTED)
    if described.status not in ENDED_OUTSIDE_WORKFLOW | {SUCCEEDED}:
        return None  # RUNNING (or PENDING_REDRIVE: someone is redriving it)
    return EndedRun(busy.handle, busy.run_id, described.status, described.error)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
