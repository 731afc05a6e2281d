"""Explicit mapping between API schemas and domain objects; no storage shape leaks out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from u22a8.domain.model import (
    UNSET,
    AutoPrune,
    AutoPruneChanges,
    LastOperation,
    Model,
    ModelChanges,
    ModelState,
)

if TYPE_CHECKING:  # annotations only: handlers that parse no body never import Pydantic
    from u22a8.api.schemas import AutoPruneIn, ModelCreate, ModelPatch

READ_ONLY_MODEL_FIELDS: dict[str, str] = {
    "state": "read-only: use POST /v1/models/{handle}/train to train and "
    "DELETE /v1/models/{handle} to archive",
    "handle": "read-only: a model's handle cannot change; create a new model instead",
    "criteria": "read-only after creation: create a new model with the criteria you need",
    "task": "read-only after creation",
    "objective": "read-only after creation",
    "active_version": "read-only: set by training; use tags to name versions",
    "active_version_id": "read-only: set by training; use tags to name versions",
    "tags": "read-only here: use PUT/DELETE /v1/models/{handle}/tags/{tag}",
    "last_operation": "read-only: set by the service",
    "created_at": "read-only: set by the service",
    "updated_at": "read-only: set by the service",
}


def new_model(request: ModelCreate, now: str) -> Model:
    return Model(
        handle=request.handle,
        criteria=tuple(request.criteria),
        state=ModelState.DRAFT,
        created_at=now,
        updated_at=now,
        revision=1,
        task=request.task,
        objective=request.objective,
        description=request.description,
        zero_data_retention=request.zero_data_retention,
        auto_prune=_auto_prune(request.auto_prune),
    )


def _auto_prune(value: AutoPruneIn | None) -> AutoPrune | None:
    if value is None or (value.keep_unnamed is None and value.keep_first_of_month is None):
        return None
    return AutoPrune(keep_unnamed=value.keep_unnamed, keep_first_of_month=value.keep_first_of_month)


def changes_from_patch(patch: ModelPatch) -> ModelChanges:
    """Only the fields the caller sent become changes (merge-patch)."""
    given = patch.model_fields_set
    auto_prune: AutoPruneChanges | object | None = UNSET
    if "auto_prune" in given:
        prune = patch.auto_prune
        if prune is None:
            auto_prune = None
        else:
            prune_given = prune.model_fields_set
            auto_prune = AutoPruneChanges(
                keep_unnamed=prune.keep_unnamed if "keep_unnamed" in prune_given else UNSET,
                keep_first_of_month=(
                    prune.keep_first_of_month if "keep_first_of_month" in prune_given else UNSET
                ),
            )
    return ModelChanges(
        description=patch.description if "description" in given else UNSET,
        zero_data_retention=patch.zero_data_retention if "zero_data_retention" in given else UNSET,
        auto_prune=auto_prune,  # type: ignore[arg-type]
    )


def _operation(op: LastOperation | None) -> dict[str, Any] | None:
    if op is None:
        return None
    out: dict[str, Any] = {"kind": op.kind, "status": op.status, "started_at": op.started_at}
    if op.run_id is not None:
        out["run_id"] = op.run_id
    if op.finished_at is not None:
        out["finished_at"] = op.finished_at
    if op.progress is not None:
        out["progress"] = op.progress
    if op.error is not None:
        out["error"] = {"code": op.error.code, "message": op.error.message}
    return out


def model_resource(model: Model) -> dict[str, Any]:
    """The public JSON shape of a model (see ``ModelOut`` in the OpenAPI document)."""
    prune = model.auto_prune
    return {
        "handle": model.handle,
        "task": model.task,
        "objective": model.objective,
        "criteria": list(model.criteria),
        "description": model.description,
        "state": model.state.value,
        "active_version_id": model.active_version_id,
        "active_version": model.active_version,
        "tags": list(model.tags),
        "zero_data_retention": model.zero_data_retention,
        "auto_prune": (
            {
                "keep_unnamed": prune.effective_keep_unnamed,
                "keep_first_of_month": prune.effective_keep_first_of_month,
            }
            if prune is not None
            else None
        ),
        "last_operation": _operation(model.last_operation),
        "created_at": model.created_at,
        "updated_at": model.updated_at,
    }
