"""Request schemas: strict types, no unknown fields, the contract's limits."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic_core import ValidationError

from u22a8.api.schemas import CREATE_MODEL_BODY, PATCH_MODEL_BODY
from u22a8.entities.model import MAX_CRITERIA

VALID_CREATE: dict[str, Any] = {"handle": "acme.m", "criteria": ["Clarity"]}


def _create_errors(**changes: Any) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        CREATE_MODEL_BODY.validate({**VALID_CREATE, **changes})
    return [(tuple(e["loc"]), e["type"]) for e in caught.value.errors()]


def test_minimal_create_and_defaults() -> None:
    request = CREATE_MODEL_BODY.validate(VALID_CREATE)
    assert request == {
        **VALID_CREATE,
        "objective": "balanced_cosine",
        "task": "scoring",
        "description": None,
        "zero_data_retention": False,
        "auto_prune": None,
    }


def test_criteria_limits() -> None:
    assert CREATE_MODEL_BODY.validate({**VALID_CREATE, "criteria": ["c"] * MAX_CRITERIA})
    assert MAX_CRITERIA == 20
    assert _create_errors(criteria=[f"c{i}" for i in range(21)]) == [(("criteria",), "too_long")]
    assert _create_errors(criteria=[]) == [(("criteria",), "too_short")]
    assert _create_errors(criteria=[""]) == [(("criteria", 0), "string_too_short")]
    assert _create_errors(criteria=["x" * 65]) == [(("criteria", 0), "string_too_long")]
    assert _create_errors(criteria="Clarity") == [(("criteria",), "list_type")]
    assert _create_errors(criteria=[1]) == [(("criteria", 0), "string_type")]


@pytest.mark.parametrize("handle", ["Acme.m", "acme", "acme.m\n", 5, None])
def test_bad_handles(handle: Any) -> None:
    assert [loc for loc, _ in _create_errors(handle=handle)] == [("handle",)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("zero_data_retention", "true"),
        ("zero_data_retention", 1),
        ("zero_data_retention", None),
        ("description", 5),
        ("description", "x" * 2001),
        ("objective", "other"),
        ("task", "ranking"),
        ("auto_prune", "defaults"),
    ],
)
def test_wrong_types_are_not_coerced(field: str, value: Any) -> None:
    assert [loc[0] for loc, _ in _create_errors(**{field: value})] == [field]


@pytest.mark.parametrize(
    "value",
    [-1, 10_001, "5", 5.0, True, None],
)
def test_keep_unnamed_range_and_type(value: Any) -> None:
    body = {"auto_prune": {"keep_unnamed": value}}
    if value is None:  # null is allowed: it resets the key
        assert PATCH_MODEL_BODY.validate(body) == {"auto_prune": {"keep_unnamed": None}}
        return
    with pytest.raises(ValidationError) as caught:
        PATCH_MODEL_BODY.validate(body)
    assert [tuple(e["loc"]) for e in caught.value.errors()] == [("auto_prune", "keep_unnamed")]


@pytest.mark.parametrize("value", [0, 10_000])
def test_keep_unnamed_bounds_are_inclusive(value: int) -> None:
    patch = PATCH_MODEL_BODY.validate({"auto_prune": {"keep_unnamed": value}})
    assert patch == {"auto_prune": {"keep_unnamed": value}}


def test_description_limit_is_inclusive() -> None:
    assert PATCH_MODEL_BODY.validate({"description": "x" * 2000})["description"] == "x" * 2000


def test_patch_forbids_unknown_and_null_zero_data_retention() -> None:
    with pytest.raises(ValidationError) as caught:
        PATCH_MODEL_BODY.validate({"zero_data_retention": None, "name": "x"})
    assert {(tuple(e["loc"]), e["type"]) for e in caught.value.errors()} == {
        (("zero_data_retention",), "bool_type"),
        (("name",), "extra_forbidden"),
    }


def test_a_request_body_is_named_by_its_schema_ref() -> None:
    from pydantic_core import core_schema as cs

    from u22a8.api.bodies import RequestBody

    assert CREATE_MODEL_BODY.name == "ModelCreate"
    assert PATCH_MODEL_BODY.field_names == {"description", "zero_data_retention", "auto_prune"}
    with pytest.raises(ValueError, match="ref"):
        RequestBody(cs.typed_dict_schema({}))
