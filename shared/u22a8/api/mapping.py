"""Explicit mapping between API schemas and domain objects; no storage shape leaks out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from u22a8.entities.model import (
    UNSET,
    AutoPrune,
    AutoPruneChanges,
    LastOperation,
    Model,
    ModelChanges,
    ModelState,
    Unset,
)

if TYPE_CHECKING:  # annotations only: handlers that parse no body never import pydantic_core
    from u22a8.api.schemas import AutoPruneBody, ModelCreateBody, ModelPatchBody

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


def new_model(request: ModelCreateBody, now: str) -> Model:
    return Model(
        handle=request["handle"],
        criteria=tuple(request["criteria"]),
        state=ModelState.DRAFT,
        created_at=now,
        updated_at=now,
        revision=1,
        task=request["task"],
        objective=request["objective"],
        description=request["description"],
        zero_data_retention=request["zero_data_retention"],
        auto_prune=_auto_prune(request["auto_prune"]),
    )


def _auto_prune(value: AutoPruneBody | None) -> AutoPrune | None:
    keep_unnamed = value.get("keep_unnamed") if value else None
    keep_first_of_month = value.get("keep_first_of_month") if value else None
    if keep_unnamed is None and keep_first_of_month is None:
        return None
    return AutoPrune(keep_unnamed=keep_unnamed, keep_first_of_month=keep_first_of_month)


def changes_from_patch(patch: ModelPatchBody) -> ModelChanges:
    """Only the fields the caller sent become changes (merge-patch): a validated patch holds
    exactly the keys that were sent."""
    auto_prune: AutoPruneChanges | Unset | None = UNSET
    if "auto_prune" in patch:
        prune = patch["auto_prune"]
        auto_prune = (
            None
            if prune is None
            else AutoPruneChanges(
                keep_unnamed=prune.get("keep_unnamed", UNSET),
                keep_first_of_month=prune.get("keep_first_of_month", UNSET),
            )
        )
    return ModelChanges(
        description=patch.get("description", UNSET),
        zero_data_retention=patch.get("zero_data_retention", UNSET),
        auto_prune=auto_prune,
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
