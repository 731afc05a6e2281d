"""Request body of training (it also generates the OpenAPI document).

Strict and closed like every request body: ``"true"`` is not a boolean, and an unknown field
(``state`` included) is a 422 rather than ignored.
"""

from __future__ import annotations

from typing import TypedDict

from pydantic_core import core_schema as cs

from u22a8.api.bodies import RequestBody, closed_object, field, nullable, with_default
from u22a8.effort import DEFAULT_EFFORT, EFFORTS, Effort

_LEVELS = ", ".join(f"`{effort}`" for effort in EFFORTS[:-1]) + f" or `{EFFORTS[-1]}`"


class TrainBody(TypedDict):
    effort: Effort | None
    reoptimize_params: bool


TRAIN_BODY: RequestBody[TrainBody] = RequestBody(
    closed_object(
        "TrainIn",
        {
            "effort": field(
                with_default(nullable(cs.literal_schema(list(EFFORTS))), None),
                required=False,
                description=(
                    f"How much to spend on the parameter search: {_LEVELS} (each step at least "
                    f"doubles the candidates). `null` or absent: `{DEFAULT_EFFORT}`."
                ),
            ),
            "reoptimize_params": field(
                with_default(cs.bool_schema(strict=True), False),
                required=False,
                description=(
                    "From a `ready` model, force a fresh parameter search. Without it a ready "
                    "model is left alone: retraining on new samples is automatic."
                ),
            ),
        },
        description="``POST /v1/models/{handle}/train``; every field is optional.",
    )
)
