"""Request bodies of the models resource (they also generate the OpenAPI document).

Core schemas validated by ``pydantic_core`` (see :mod:`u22a8.api.bodies` for why not
``BaseModel``): strict and closed, so a client bug surfaces as a 422 instead of a coercion.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from pydantic_core import core_schema as cs

from u22a8.api.bodies import RequestBody, closed_object, field, nullable, strict_str, with_default
from u22a8.domain.handles import HANDLE_PATTERN
from u22a8.entities.model import MAX_CRITERIA

MAX_DESCRIPTION_CHARS = 2000
MAX_CRITERION_CHARS = 64
MAX_KEEP_UNNAMED = 10_000


_DESCRIPTION = strict_str(max_length=MAX_DESCRIPTION_CHARS)


class AutoPruneBody(TypedDict, total=False):
    keep_unnamed: int | None
    keep_first_of_month: bool | None


class ModelCreateBody(TypedDict):
    handle: str
    criteria: list[str]
    objective: Literal["balanced_cosine"]
    task: Literal["scoring"]
    description: str | None
    zero_data_retention: bool
    auto_prune: AutoPruneBody | None


class ModelPatchBody(TypedDict, total=False):
    description: str | None
    zero_data_retention: bool
    auto_prune: AutoPruneBody | None


AUTO_PRUNE_SCHEMA = closed_object(
    "AutoPruneIn",
    {
        "keep_unnamed": field(
            nullable(cs.int_schema(strict=True, ge=0, le=MAX_KEEP_UNNAMED)), required=False
        ),
        "keep_first_of_month": field(nullable(cs.bool_schema(strict=True)), required=False),
    },
    description=(
        "Pruning override; keys are optional and a key left out takes its default\n"
        "(``keep_unnamed`` 100, ``keep_first_of_month`` true)."
    ),
    total=False,
)

CREATE_MODEL_BODY: RequestBody[ModelCreateBody] = RequestBody(
    closed_object(
        "ModelCreate",
        {
            "handle": field(
                strict_str(pattern=HANDLE_PATTERN),
                description="`<namespace>.<name>`, in the caller's namespace.",
            ),
            "criteria": field(
                cs.list_schema(
                    strict_str(min_length=1, max_length=MAX_CRITERION_CHARS),
                    min_length=1,
                    max_length=MAX_CRITERIA,
                    strict=True,
                )
            ),
            "objective": field(
                with_default(cs.literal_schema(["balanced_cosine"]), "balanced_cosine"),
                required=False,
            ),
            "task": field(with_default(cs.literal_schema(["scoring"]), "scoring"), required=False),
            "description": field(with_default(nullable(_DESCRIPTION), None), required=False),
            "zero_data_retention": field(
                with_default(cs.bool_schema(strict=True), False), required=False
            ),
            "auto_prune": field(with_default(nullable(AUTO_PRUNE_SCHEMA), None), required=False),
        },
    )
)

PATCH_MODEL_BODY: RequestBody[ModelPatchBody] = RequestBody(
    closed_object(
        "ModelPatch",
        {
            "description": field(nullable(_DESCRIPTION), required=False),
            "zero_data_retention": field(cs.bool_schema(strict=True), required=False),
            "auto_prune": field(nullable(AUTO_PRUNE_SCHEMA), required=False),
        },
        description=(
            "Merge patch: a field left out is unchanged; ``null`` clears description or auto_prune."
        ),
        total=False,
    )
)

__all__ = [
    "AUTO_PRUNE_SCHEMA",
    "CREATE_MODEL_BODY",
    "PATCH_MODEL_BODY",
    "AutoPruneBody",
    "ModelCreateBody",
    "ModelPatchBody",
]
