"""Use cases of the model resource: create, read, list and patch (archive: ``archive_service``).

Each use case makes the fewest AWS calls the contract allows: a PATCH or DELETE is one
conditional write whose refusal (with the item as it was) tells 404, 409 and 412 apart.
"""

from __future__ import annotations

from u22a8.data import models_repo
from u22a8.data.models_repo import WriteRefused
from u22a8.domain.clock import utc_now
from u22a8.domain.handles import namespace_of, require_visible
from u22a8.entities.errors import (
    FieldError,
    HandleTaken,
    InvalidInput,
    ModelArchived,
    ModelNotFound,
    PreconditionFailed,
)
from u22a8.entities.model import Model, ModelChanges, ModelPage, ModelState, precondition_failed

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


def refusal_reason(
    handle: str, refused: WriteRefused, expected_revision: int | None = None
) -> Exception:
    existing = refused.failure.existing
    if existing is None:
        return ModelNotFound(handle)
    if existing.state is ModelState.ARCHIVED:
        return ModelArchived(handle)
    if expected_revision is not None:
        return precondition_failed(handle, expected_revision, existing.revision)
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
            raise precondition_failed(handle, expected_revision, model.revision)
        return model
    try:
        return models_repo.apply_changes(handle, changes, expected_revision, utc_now())
    except WriteRefused as refused:
        raise refusal_reason(handle, refused, expected_revision) from refused
