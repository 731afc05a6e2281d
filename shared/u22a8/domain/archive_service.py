"""Archiving a model: stop a running run first, then one conditional write.

Kept apart from ``models_service`` because it needs the runs and events machinery, which the
read and patch handlers should not load at cold start.
"""

from __future__ import annotations

from u22a8.data import models_repo
from u22a8.data.models_repo import WriteRefused
from u22a8.domain import events, runs_service
from u22a8.domain.clock import utc_now
from u22a8.domain.handles import require_visible
from u22a8.domain.models_service import refusal_reason
from u22a8.domain.runs_service import CANCELLED_BY_ARCHIVE
from u22a8.entities.errors import ServiceBusy
from u22a8.entities.model import Model, ModelState, precondition_failed

# Archiving a busy model stops its run and tries again; a model that keeps being claimed by new
# runs in between gets a 503 after this many tries.
MAX_ARCHIVE_ATTEMPTS = 3


def archive_model(caller_namespace: str, handle: str, expected_revision: int | None) -> Model:
    """Archive; archiving an archived model is a no-op that returns it as it is.

    A busy model's run is stopped first (cancelled: the model returns to its state before the
    run), then the model is archived. ``If-Match`` is checked against the model as the request
    found it, before anything is stopped.
    """
    require_visible(handle, caller_namespace)
    for _ in range(MAX_ARCHIVE_ATTEMPTS):
        try:
            archived, left = models_repo.archive(
                handle, caller_namespace, expected_revision, utc_now()
            )
        except WriteRefused as refused:
            existing = refused.failure.existing
            if existing is not None and existing.state is ModelState.ARCHIVED:
                return existing
            if existing is None or existing.state is not ModelState.BUSY:
                raise refusal_reason(handle, refused, expected_revision) from refused
            if expected_revision is not None and existing.revision != expected_revision:
                raise precondition_failed(handle, expected_revision, existing.revision) from refused
            if existing.current_run_id is None:
                raise RuntimeError(f"model {handle} is busy without a run") from refused
            runs_service.stop_run(handle, existing.current_run_id, CANCELLED_BY_ARCHIVE)
            expected_revision = None  # checked above; the release itself bumped the revision
            continue
        events.model_state_changed(handle, ModelState.ARCHIVED, left)
        return archived
    # A new run claimed the model after each stop: let the caller retry.
    raise ServiceBusy(retry_after_s=1)
