"""The recording steps: ``Publish version``, ``Prune versions``, ``Record failure``.

No numpy: these only read and write items and delete objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from u22a8.data import artifacts, inline_artifacts, training_repo
from u22a8.data.training_repo import PublishConflict, RetentionTurnedOn, RunNotCurrent
from u22a8.domain import events, runs_service, versions_service
from u22a8.domain.clock import utc_now
from u22a8.domain.training_run import failures, snapshot
from u22a8.domain.training_run.errors import RunSuperseded, StepFailed, ZeroDataRetentionOn
from u22a8.domain.training_run.step import integer, mapping, text
from u22a8.entities.model import ModelState
from u22a8.entities.version import MAX_VERSION, Version
from u22a8.observability import logger

# Publish re-reads the model when its version count moved between the read and the write.
MAX_PUBLISH_ATTEMPTS = 3
FAILED = "failed"
SUPERSEDED = "superseded"


def _discard(*keys: str) -> None:
    """Best effort: an object left behind is an orphan (snapshots also expire), never an error
    that could undo a decision already committed."""
    failed = artifacts.delete_artifacts(list(keys))
    if failed:
        logger.warning("objects not deleted", extra={"keys": failed})


def _inline_copy(fitted: Mapping[str, Any], artifact_key: str) -> bytes | None:
    """The artifact's bytes when small enough to copy into the table with the version (see
    ``data.inline_artifacts``); ``fit_best`` said its size. A missing artifact means the run was
    cancelled meanwhile, which the publish itself then finds."""
    if not inline_artifacts.fits(int(fitted.get("artifact_bytes") or 0)):
        return None
    try:
        blob = artifacts.get_artifact(artifact_key)
    except artifacts.ArtifactMissing:
        return None
    return blob if inline_artifacts.fits(len(blob)) else None


def publish_version(event: Mapping[str, Any]) -> dict[str, Any]:
    """Publish the fitted version as the model's next one (see ``training_repo.publish``).

    Idempotent: a retry after a publish that committed (its answer lost) finds the run succeeded
    with this version and answers the same. A run that no longer holds the model publishes
    nothing: its artifact is deleted and the step fails with ``RunSuperseded``.
    """
    handle, run_id = text(event, "handle"), text(event, "run_id")
    fitted = mapping(event, "fitted")
    version_id = text(fitted, "version_id")
    artifact_key = text(fitted, "artifact_key")
    dataset_key = snapshot.snapshot_key(handle, run_id)
    inline = _inline_copy(fitted, artifact_key)
    for _ in range(MAX_PUBLISH_ATTEMPTS):
        model = training_repo.get_model(handle)
        if model is None or model.current_run_id != run_id:
            run = training_repo.get_run(handle, run_id)
            if run is not None and run.status == "succeeded" and run.version_id == version_id:
                _discard(dataset_key)
                return {"version": run.version, "version_id": version_id}
            _discard(artifact_key, dataset_key)
            raise RunSuperseded(handle, run_id)
        number = (model.version_count or model.active_version or 0) + 1
        if number > MAX_VERSION:
            raise StepFailed(f"model {handle} has used every version number")
        now = utc_now()
        operation = model.last_operation
        publication = training_repo.Publication(
            handle=handle,
            run_id=run_id,
            version=Version(
                version_id=version_id,
                version=number,
                created_at=now,
                run_id=run_id,
                params=dict(mapping(fitted, "params")),
                metrics=dict(mapping(fitted, "metrics")),
                artifact_key=artifact_key,
                sample_count=integer(fitted, "sample_count"),
            ),
            last_operation={
                "kind": operation.get("kind", "train"),
                "status": "succeeded",
                "run_id": run_id,
                "started_at": operation.get("started_at", now),
                "finished_at": now,
                "progress": 1.0,
            },
            seen_version_count=model.version_count,
            samples_seen=integer(event, "samples_seen"),
            now=now,
            inline_artifact=inline,
        )
        try:
            training_repo.publish(publication)
        except (RunNotCurrent, PublishConflict):
            continue  # read again: superseded, or a retry of a publish that did commit
        except RetentionTurnedOn as purged:
            _discard(artifact_key, dataset_key)
            raise ZeroDataRetentionOn(handle) from purged
        logger.info("version published", extra={"version": number, "version_id": version_id})
        events.run_finished(
            handle, run_id, "succeeded", version=number, model_to_state=ModelState.READY
        )
        _discard(dataset_key)
        return {"version": number, "version_id": version_id}
    raise StepFailed(f"publish of {handle} kept conflicting")


def prune_versions(event: Mapping[str, Any]) -> dict[str, Any]:
    """The model's pruning policy, after a publish (see ``versions_service.prune``)."""
    return {"pruned": versions_service.prune(text(event, "handle"))}


def record_failure(event: Mapping[str, Any]) -> dict[str, Any]:
    """Finish the run as failed with a user-facing error and release the model (``ready`` if it
    has an active version, else ``failed``), unless someone else already finished it.

    Also deletes the run's snapshot, and its artifact when the run failed here: a run that still
    held the model cannot have published (publishing releases the model in the same write).
    Returns ``outcome``: ``failed``, or ``superseded`` when the run no longer held the model;
    and ``user_caused``: whether the user can fix what failed (``failures.USER_CAUSED``).
    """
    handle, run_id = text(event, "handle"), text(event, "run_id")
    caught = event.get("error")
    error = failures.describe(caught if isinstance(caught, Mapping) else None, run_id)
    logger.info(
        "recording failure",
        extra={"caught": (caught or {}).get("Error") if isinstance(caught, Mapping) else None},
    )
    changed = bool(runs_service.finish_run(handle, run_id, FAILED, error))
    keys = [snapshot.snapshot_key(handle, run_id)]
    if changed:
        keys.append(artifacts.artifact_key(handle, snapshot.version_id_for(run_id)))
    _discard(*keys)
    return {
        "code": error.code,
        "message": error.message,
        "outcome": FAILED if changed else SUPERSEDED,
        "user_caused": error.code in failures.USER_CAUSED,
    }
