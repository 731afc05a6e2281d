"""Use cases of training runs: start one (``POST …/train``), read them, cancel one, and release a
model when its run ends without publishing (``finish_run``, shared by cancel, archive and the
reconciler).

Starting is a claim then a start (docs/training-design.md): one transaction makes the model busy
and stores the run, then one ``StartExecution`` named after the run. A refused claim returns the
model as it was, which answers every row of the transition table without a read. A start that
fails undoes the claim, so a model is never busy without an execution behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from u22a8.config import get_settings
from u22a8.data import executions, models_repo, runs_repo
from u22a8.data.execution_status import execution_arn
from u22a8.data.runs_repo import ClaimRefused
from u22a8.domain import events
from u22a8.domain.clock import utc_now
from u22a8.domain.handles import require_visible
from u22a8.entities.errors import (
    ModelArchived,
    ModelBusy,
    ModelNotFound,
    RunFinished,
    RunNotFound,
    ServiceBusy,
)
from u22a8.entities.model import ModelState, OperationError, precondition_failed
from u22a8.entities.run import (
    RETRAIN,
    START_FAILED,
    TRAIN,
    Run,
    RunPage,
    RunStatus,
    TrainRequest,
    new_run_id,
    require_valid_run_id,
)
from u22a8.observability import logger

# StopExecution's error and cause, as the execution's history and the status-change event show.
CANCELLED_ERROR = "Cancelled"
CANCELLED_BY_USER = "cancelled by the user"
CANCELLED_BY_ARCHIVE = "the model was archived"

_FAILED_WITHOUT_REASON = OperationError(
    code="run-failed",
    message="The training run failed; no new version was published. Train again.",
)


@dataclass(frozen=True)
class TrainOutcome:
    """What ``POST …/train`` answers: the model's state, and the run (``None``: none queued)."""

    state: ModelState
    run_id: str | None


def _state_machine_arn() -> str:
    arn = get_settings().training_state_machine_arn
    if not arn:
        raise RuntimeError("TRAINING_STATE_MACHINE_ARN is not set")
    return arn


# --- train -------------------------------------------------------------------------------------


def train(
    caller_namespace: str, handle: str, request: TrainRequest, expected_revision: int | None
) -> TrainOutcome:
    """Start a run if the model's state calls for one (the contract's transition table)."""
    require_visible(handle, caller_namespace)
    machine = _state_machine_arn()
    claimable = [ModelState.DRAFT, ModelState.FAILED]
    if request.reoptimize_params:
        claimable.append(ModelState.READY)
    run_id = new_run_id()
    run = Run(
        run_id=run_id,
        kind=TRAIN,
        status=RunStatus.RUNNING,
        started_at=utc_now(),
        effort=request.effort,
        reoptimize_params=request.reoptimize_params,
        progress=0.0,
        execution_arn=execution_arn(machine, run_id),
    )
    try:
        runs_repo.claim(handle, run, request, claimable, expected_revision)
    except ClaimRefused as refused:
        return _refused(handle, request, expected_revision, refused)
    payload = {
        "handle": handle,
        "run_id": run_id,
        "kind": TRAIN,
        "effort": request.effort,
        "reoptimize_params": request.reoptimize_params,
    }
    try:
        executions.start(machine, run_id, payload)
    except executions.StartFailed:
        logger.exception("training execution not started", extra={"run_id": run_id})
        _undo_claim(handle, run_id)
        raise ServiceBusy(retry_after_s=1) from None
    # The run's first step announces the model busy (``fitting.load_samples``): no events client
    # on the API path, and an undone claim or a run cancelled before it ever ran is no change.
    logger.info("training run started", extra={"handle": handle, "run_id": run_id})
    return TrainOutcome(ModelState.BUSY, run_id)


def start_retrain(handle: str) -> str | None:
    """Start the automatic retrain of a ``ready`` model with enough new samples; its run id, or
    ``None`` when the model does not call for one (any more).

    The claim's condition (``ready``, ``samples_since_version`` at the threshold) makes this
    idempotent and allows one run at a time: a repeated or stale stream record finds the model
    busy, or its count reset by the publish, and starts nothing. Effort is not used (the plan
    reuses the active version's params) and nothing is re-optimized.
    """
    machine = _state_machine_arn()
    run_id = new_run_id()
    run = Run(
        run_id=run_id,
        kind=RETRAIN,
        status=RunStatus.RUNNING,
        started_at=utc_now(),
        effort=None,
        reoptimize_params=False,
        progress=0.0,
        execution_arn=execution_arn(machine, run_id),
    )
    threshold = get_settings().retrain_threshold
    try:
        runs_repo.claim(handle, run, TrainRequest(), [ModelState.READY], None, threshold)
    except ClaimRefused as refused:
        if refused.existing is not None and refused.existing.state is ModelState.READY:
            # Ready, so the count refused: the marker that called is stale.
            runs_repo.clear_retrain_due(handle, threshold)
        return None
    # The workflow's input has the train's shape; effort is null (the plan ignores it).
    payload = {
        "handle": handle,
        "run_id": run_id,
        "kind": RETRAIN,
        "effort": None,
        "reoptimize_params": False,
    }
    try:
        executions.start(machine, run_id, payload)
    except executions.StartFailed:
        logger.exception("retrain execution not started", extra={"run_id": run_id})
        _undo_claim(handle, run_id)
        raise ServiceBusy(retry_after_s=1) from None
    logger.info("retrain started", extra={"handle": handle, "run_id": run_id})
    return run_id


def _refused(
    handle: str, request: TrainRequest, expected_revision: int | None, refused: ClaimRefused
) -> TrainOutcome:
    """Why the claim was refused, from the model as it was; some refusals are answers."""
    model = refused.existing
    if model is None:
        raise ModelNotFound(handle)
    if model.state is ModelState.ARCHIVED:
        raise ModelArchived(handle)
    running = refused.running
    if model.state is ModelState.BUSY and running is not None and running.same_as(request):
        # The same request again: already applied, so its answer stands (RFC 9110 13.1.1 lets
        # a 2xx answer a failed If-Match whose change has been made).
        return TrainOutcome(ModelState.BUSY, running.run_id)
    if expected_revision is not None and model.revision != expected_revision:
        raise precondition_failed(handle, expected_revision, model.revision)
    if model.state is ModelState.BUSY:
        raise ModelBusy(handle, running.run_id if running else None)
    if model.state is ModelState.READY:
        return TrainOutcome(ModelState.READY, None)  # nothing to do: retraining is automatic
    raise RuntimeError(f"claim of {handle} refused in state {model.state}")


def _undo_claim(handle: str, run_id: str) -> None:
    try:
        runs_repo.undo_claim(handle, run_id, START_FAILED, utc_now())
    except Exception:
        # The stuck-run sweeper releases a claim whose execution never started.
        logger.exception("could not undo a run claim", extra={"handle": handle, "run_id": run_id})


# --- release -----------------------------------------------------------------------------------


def finish_run(handle: str, run_id: str, outcome: str, error: OperationError | None = None) -> bool:
    """End a run ``failed`` (with ``error``) or ``cancelled`` and release its model.

    Idempotent: when the run no longer holds the model (released already, by this or by the
    workflow's publish) nothing is written and ``False`` is returned.
    """
    status = RunStatus(outcome)
    if status is RunStatus.FAILED and error is None:
        error = _FAILED_WITHOUT_REASON
    if status is RunStatus.CANCELLED:
        error = None
    return _released(handle, run_id, status, error, utc_now())


def stop_run(handle: str, run_id: str, cause: str, now: str | None = None) -> bool:
    """Stop the run's execution, then release the model as cancelled (whether or not the
    execution existed); whether this call released it."""
    executions.stop(execution_arn(_state_machine_arn(), run_id), CANCELLED_ERROR, cause)
    return _released(handle, run_id, RunStatus.CANCELLED, None, now or utc_now())


def _released(
    handle: str, run_id: str, status: RunStatus, error: OperationError | None, now: str
) -> bool:
    """Release the run's model and, when this call did, tell subscribers (run and model)."""
    to_state = runs_repo.release_to(handle, run_id, status, error, now)
    if to_state is None:
        return False
    error_code = error.code if error else None
    events.run_finished(
        handle, run_id, status.value, error_code=error_code, model_to_state=to_state
    )
    return True


# --- reads -------------------------------------------------------------------------------------


def _missing(handle: str, run_id: str) -> Exception:
    """No such run: because there is no such model (404 model), or no such run of it."""
    if models_repo.get(handle) is None:
        return ModelNotFound(handle)
    return RunNotFound(handle, run_id)


def get_run(caller_namespace: str, handle: str, run_id: str) -> Run:
    require_visible(handle, caller_namespace)
    require_valid_run_id(run_id)
    run = runs_repo.get(handle, run_id)
    if run is None:
        raise _missing(handle, run_id)
    return run


def list_runs(caller_namespace: str, handle: str, limit: int, cursor: str | None) -> RunPage:
    """Newest first. An empty page is checked against the model (404 when it does not exist)."""
    require_visible(handle, caller_namespace)
    page = runs_repo.list_page(handle, limit, cursor)
    if not page.runs and models_repo.get(handle) is None:
        raise ModelNotFound(handle)
    return page


# --- cancel ------------------------------------------------------------------------------------


def cancel_run(caller_namespace: str, handle: str, run_id: str) -> Run:
    """Stop a running run; the model returns to the state it had before it (its active version,
    if any, untouched). Answers the run as it ended.

    Idempotent: a run already cancelled (by an earlier or a concurrent cancel, or an archive) is
    answered as it is, ``200``; one that succeeded or failed is ``409 run-finished``.
    """
    require_visible(handle, caller_namespace)
    require_valid_run_id(run_id)
    run = runs_repo.get(handle, run_id)
    if run is None:
        raise _missing(handle, run_id)
    if run.status is RunStatus.RUNNING:
        now = utc_now()
        if stop_run(handle, run_id, CANCELLED_BY_USER, now):
            return replace(run, status=RunStatus.CANCELLED, finished_at=now)
        # The run ended meanwhile: cancelled by someone else (the reconciler hears of the stop
        # too), or it succeeded or failed before the stop took effect. The release wrote the
        # run's final status in the same transaction, so this read sees it.
        run = runs_repo.get(handle, run_id) or run
    return _already_ended(handle, run)


def _already_ended(handle: str, run: Run) -> Run:
    """The answer for a run that is no longer running: itself if cancelled, else 409 (an
    archived model refuses every change, a repeated cancel included)."""
    model = models_repo.get(handle)
    if model is not None and model.state is ModelState.ARCHIVED:
        raise ModelArchived(handle)
    if run.status is RunStatus.CANCELLED:
        return run
    raise RunFinished(handle, run.run_id, run.status.value)
