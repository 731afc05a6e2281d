"""API <-> domain mapping: merge-patch semantics and the public model shape."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.factories import a_model
from u22a8.api.mapping import (
    READ_ONLY_MODEL_FIELDS,
    changes_from_patch,
    model_resource,
    new_model,
)
from u22a8.api.schemas import CREATE_MODEL_BODY, PATCH_MODEL_BODY
from u22a8.api.views import ModelOut
from u22a8.entities.model import (
    UNSET,
    AutoPrune,
    AutoPruneChanges,
    LastOperation,
    Model,
    ModelChanges,
    ModelState,
    OperationError,
)


def _changes(body: dict[str, Any]) -> ModelChanges:
    return changes_from_patch(PATCH_MODEL_BODY.validate(body))


def test_empty_patch_changes_nothing() -> None:
    changes = _changes({})
    assert changes == ModelChanges()
    assert changes.is_empty


def test_omitted_fields_stay_unset_and_null_clears() -> None:
    assert _changes({"description": "x"}) == ModelChanges(description="x")
    assert _changes({"description": None}) == ModelChanges(description=None)
    assert _changes({"zero_data_retention": False}) == ModelChanges(zero_data_retention=False)
    assert _changes({"auto_prune": None}) == ModelChanges(auto_prune=None)


def test_auto_prune_keys_merge_individually() -> None:
    assert _changes({"auto_prune": {"keep_unnamed": 5}}).auto_prune == AutoPruneChanges(
        keep_unnamed=5, keep_first_of_month=UNSET
    )
    assert _changes({"auto_prune": {"keep_first_of_month": False}}).auto_prune == (
        AutoPruneChanges(keep_unnamed=UNSET, keep_first_of_month=False)
    )
    # null on one key resets that key only
    assert _changes({"auto_prune": {"keep_unnamed": None}}).auto_prune == AutoPruneChanges(
        keep_unnamed=None, keep_first_of_month=UNSET
    )
    # an empty object is a patch of nothing inside auto_prune, not a reset
    assert _changes({"auto_prune": {}}).auto_prune == AutoPruneChanges()


def test_all_fields_together() -> None:
    changes = _changes(
        {
            "description": "d",
            "zero_data_retention": True,
            "auto_prune": {"keep_unnamed": 0, "keep_first_of_month": None},
        }
    )
    assert changes == ModelChanges(
        description="d",
        zero_data_retention=True,
        auto_prune=AutoPruneChanges(keep_unnamed=0, keep_first_of_month=None),
    )


def test_new_model_is_a_draft_at_revision_one() -> None:
    request = CREATE_MODEL_BODY.validate(
        {"handle": "acme.m", "criteria": ["Clarity", "Flow"], "auto_prune": {"keep_unnamed": 3}}
    )
    model = new_model(request, "2026-05-01T09:00:00.000Z")
    assert model.state is ModelState.DRAFT
    assert model.revision == 1
    assert model.criteria == ("Clarity", "Flow")
    assert model.created_at == model.updated_at == "2026-05-01T09:00:00.000Z"
    assert model.auto_prune == AutoPrune(keep_unnamed=3, keep_first_of_month=None)
    assert (model.task, model.objective) == ("scoring", "balanced_cosine")


@pytest.mark.parametrize("auto_prune", [None, {}, {"keep_unnamed": None}])
def test_an_override_without_values_is_no_override(auto_prune: dict[str, Any] | None) -> None:
    request = CREATE_MODEL_BODY.validate(
        {"handle": "acme.m", "criteria": ["c"], "auto_prune": auto_prune}
    )
    assert new_model(request, "t").auto_prune is None


def _model(**overrides: Any) -> Model:
    """A ready two-criterion model at revision 3."""
    defaults: dict[str, Any] = {
        "criteria": ("Clarity", "Flow"),
        "state": ModelState.READY,
        "updated_at": "2026-05-19T12:03:10.000Z",
        "revision": 3,
    }
    return a_model(**{**defaults, **overrides})


def test_model_resource_shape_matches_the_contract() -> None:
    resource = model_resource(_model())
    assert resource == {
        "handle": "acme.m",
        "task": "scoring",
        "objective": "balanced_cosine",
        "criteria": ["Clarity", "Flow"],
        "description": None,
        "state": "ready",
        "active_version_id": None,
        "active_version": None,
        "tags": [],
        "zero_data_retention": False,
        "auto_prune": None,
        "last_operation": None,
        "created_at": "2026-05-01T09:00:00.000Z",
        "updated_at": "2026-05-19T12:03:10.000Z",
    }
    ModelOut.model_validate(resource)


def test_model_resource_shows_effective_pruning_and_operations() -> None:
    model = _model(
        auto_prune=AutoPrune(keep_unnamed=50),
        active_version_id="mv_1",
        active_version=3,
        tags=("prod",),
        last_operation=LastOperation(
            kind="train",
            status="failed",
            started_at="2026-05-19T12:00:00Z",
            run_id="run_abc",
            finished_at="2026-05-19T12:03:10Z",
            progress=0.5,
            error=OperationError(code="too-few-samples", message="Add 10 more samples."),
        ),
    )
    resource = model_resource(model)
    assert resource["auto_prune"] == {"keep_unnamed": 50, "keep_first_of_month": True}
    assert resource["tags"] == ["prod"]
    assert resource["last_operation"] == {
        "kind": "train",
        "status": "failed",
        "started_at": "2026-05-19T12:00:00Z",
        "run_id": "run_abc",
        "finished_at": "2026-05-19T12:03:10Z",
        "progress": 0.5,
        "error": {"code": "too-few-samples", "message": "Add 10 more samples."},
    }
    ModelOut.model_validate(resource)
    running = model_resource(
        _model(last_operation=LastOperation(kind="train", status="running", started_at="t"))
    )
    assert running["last_operation"] == {"kind": "train", "status": "running", "started_at": "t"}


def test_read_only_fields_say_how_to_change_them() -> None:
    assert "/train" in READ_ONLY_MODEL_FIELDS["state"]
    assert "DELETE" in READ_ONLY_MODEL_FIELDS["state"]
    for name in ("handle", "active_version", "active_version_id", "created_at", "updated_at"):
        assert READ_ONLY_MODEL_FIELDS[name].startswith("read-only")
    # Nothing patchable is read-only.
    assert not set(READ_ONLY_MODEL_FIELDS) & PATCH_MODEL_BODY.field_names
