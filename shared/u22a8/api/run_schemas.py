"""Request body of training (it also generates the OpenAPI document).

Strict and closed like every request body: ``"true"`` is not a boolean, and an unknown field
(``state`` included) is a 422 rather than ignored.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from pydantic_core import core_schema as cs

from u22a8.api.bodies import RequestBody, closed_object, field, nullable, with_default

EFFORTS = ("low", "medium", "high", "max")


class TrainBody(TypedDict):
    effort: Literal["low", "medium", "high", "max"] | None
    reoptimize_params: bool


TRAIN_BODY: RequestBody[TrainBody] = RequestBody(
    closed_object(
        "TrainIn",
        {
            "effort": field(
                with_default(nullable(cs.literal_schema(list(EFFORTS))), None),
                required=False,
                description=(
                    "How much to spend on the parameter search: `low`, `medium`, `high` or `max` "
                    "(each step at least doubles the candidates). `null` or absent: `medium`."
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
