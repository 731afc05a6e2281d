"""Use cases of the model resource: create, read, list, patch and archive.

Each use case makes the fewest AWS calls the contract allows: a PATCH or DELETE is one
conditional write whose refusal (with the item as it was) tells 404, 409 and 412 apart.
"""

from __future__ import annotations

from u22a8.data import models_repo
from u22a8.data.models_repo import ModelPage, WriteRefused
from u22a8.domain import events, runs_service
from u22a8.domain.clock import utc_now
from u22a8.domain.errors import (
    FieldError,
    HandleTaken,
    InvalidInput,
    ModelArchived,
    ModelNotFound,
    PreconditionFailed,
    ServiceBusy,
)
from u22a8.domain.handles import namespace_of, require_visible
from u22a8.domain.model import Model, ModelChanges, ModelState
from u22a8.domain.runs_service import CANCELLED_BY_ARCHIVE

# Archiving a busy model stops its run and tries again; a model that keeps being claimed by new
# runs in between gets a 503 after this many tries.
MAX_ARCHIVE_ATTEMPTS = 3


#: Names a criterion cannot take: a version's ``metrics`` keeps the overall objective under it.
RESERVED_CRITERIA = frozenset({"objective"})


def create_model(caller_namespace: str, draft: Model) -> Model:
    if namespace_of(draft.handle) != caller_namespace:
        raise InvalidInput(
            "Models can only be created in your own namespace.",
            [
                FieldError(
                    loc=("body", "handle"),
                    msg=f"must start with '{caller_namespace}.'",
                    type="namespace",
                )
            ],
        )
    reserved = sorted(set(draft.criteria) & RESERVED_CRITERIA)
    if reserved:
        raise InvalidInput(
            "Some criterion names are reserved.",
            [
                FieldError(
                    loc=("body", "criteria"),
                    msg=f"reserved (version metrics use it for the overall score): {reserved}",
                    type="reserved",
                )
            ],
        )
    duplicates = sorted({c for c in draft.criteria if draft.criteria.count(c) > 1})
    if duplicates:
        raise InvalidInput(
            "Criteria must be unique.",
            [FieldError(loc=("body", "criteria"), msg=f"duplicate: {duplicates}", type="unique")],
        )
    try:
        models_repo.put_new(draft)
    except models_repo.HandleExists as exc:
        raise HandleTaken(draft.handle) from exc
    return draft


def get_model(caller_namespace: str, handle: str) -> Model:
    require_visible(handle, caller_namespace)
    model = models_repo.get(handle)
    if model is None:
        raise ModelNotFound(handle)
    return model


def list_models(
    caller_namespace: str, state: ModelState | None, limit: int, cursor: str | None
) -> ModelPage:
    archived = state is ModelState.ARCHIVED
    return models_repo.list_page(caller_namespace, archived, state, limit, cursor)


def _refusal_reason(handle: str, refused: WriteRefused) -> Exception:
    existing = refused.failure.existing
    if existing is None:
        return ModelNotFound(handle)
    if existing.state is ModelState.ARCHIVED:
        return ModelArchived(handle)
    return PreconditionFailed(handle)


def patch_model(
    caller_namespace: str, handle: str, changes: ModelChanges, expected_revision: int | None
) -> Model:
    require_visible(handle, caller_namespace)
    if changes.is_empty:
        # Nothing to write: a read answers the same questions (exists? archived? ETag current?).
        model = get_model(caller_namespace, handle)
        if model.state is ModelState.ARCHIVED:
            raise ModelArchived(handle)
        if expected_revision is not None and expected_revision != model.revision:
            raise PreconditionFailed(handle)
        return model
    try:
        return models_repo.apply_changes(handle, changes, expected_revision, utc_now())
    except WriteRefused as refused:
        raise _refusal_reason(handle, refused) from refused


def archive_model(caller_namespace: str, handle: str, expected_revision: int | None) -> Model:
    """Archive; archiving an archived model is a no-op that returns it as it is.

    A busy model's run is stopped first (cancelled: the model returns to its state before the
    run), then the model is archived. ``If-Match`` is checked against the model as the request
    found it, before anything is stopped.
    """
    require_visible(handle, caller_namespace)
    for _ in range(MAX_ARCHIVE_ATTEMPTS):
        try:
            archived = models_repo.archive(handle, caller_namespace, expected_revision, utc_now())
        except WriteRefused as refused:
            existing = refused.failure.existing
            if existing is not None and existing.state is ModelState.ARCHIVED:
                return existing
            if existing is None or existing.state is not ModelState.BUSY:
                raise _refusal_reason(handle, refused) from refused
            if expected_revision is not None and existing.revision != expected_revision:
                raise PreconditionFailed(handle) from refused
            if existing.current_run_id is None:
                raise RuntimeError(f"model {handle} is busy without a run") from refused
            runs_service.stop_run(handle, existing.current_run_id, CANCELLED_BY_ARCHIVE)
            expected_revision = None  # checked above; the release itself bumped the revision
            continue
        # The conditional write does not return the state it replaced.
        events.model_state_changed(handle, ModelState.ARCHIVED, None)
        return archived
    # A new run claimed the model after each stop: let the caller retry.
    raise ServiceBusy(retry_after_s=1)
