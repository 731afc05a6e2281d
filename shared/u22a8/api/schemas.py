"""Request and response schemas of the models resource (they also generate the OpenAPI document).

Request models forbid unknown fields and use strict types, so ``"true"`` is not a boolean and
``"5"`` is not a number: a client bug surfaces as a 422 instead of a silent coercion.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from u22a8.domain.handles import HANDLE_PATTERN
from u22a8.domain.model import MAX_CRITERIA

Handle = Annotated[str, StringConstraints(strict=True, pattern=HANDLE_PATTERN)]
Criterion = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)]
Description = Annotated[str, StringConstraints(strict=True, max_length=2000)]
Effort = Literal["low", "medium", "high", "max"]


def _no_defaults(schema: dict[str, Any]) -> None:
    """In a merge patch a missing field means "unchanged", so the schema must not show defaults."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class AutoPruneIn(_Request):
    """Pruning override; keys are optional and a key left out takes its default
    (``keep_unnamed`` 100, ``keep_first_of_month`` true)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_no_defaults)

    keep_unnamed: Annotated[StrictInt, Field(ge=0, le=10_000)] | None = None
    keep_first_of_month: StrictBool | None = None


class ModelCreate(_Request):
    handle: Handle = Field(description="`<namespace>.<name>`, in the caller's namespace.")
    criteria: list[Criterion] = Field(min_length=1, max_length=MAX_CRITERIA)
    objective: Literal["balanced_cosine"] = "balanced_cosine"
    task: Literal["scoring"] = "scoring"
    description: Description | None = None
    zero_data_retention: StrictBool = False
    auto_prune: AutoPruneIn | None = None


class ModelPatch(_Request):
    """Merge patch: a field left out is unchanged; ``null`` clears description or auto_prune."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_no_defaults)

    description: Description | None = None
    zero_data_retention: StrictBool = False
    auto_prune: AutoPruneIn | None = None
