"""Request body of labelled samples (it also generates the OpenAPI document).

Strict and closed like every request body: ``"0.5"`` and ``true`` are not scores, and unknown
fields are rejected (422) rather than ignored.
"""

from __future__ import annotations

from typing import TypedDict

from pydantic_core import core_schema as cs

from u22a8.api.bodies import RequestBody, closed_object, field, strict_str
from u22a8.entities.model import MAX_CRITERIA

MAX_SAMPLES_PER_CALL = 500
MAX_TEXT_CHARS = 20_000


class SampleBody(TypedDict):
    text: str
    scores: dict[str, float]


class SamplesBody(TypedDict):
    samples: list[SampleBody]


SAMPLE_SCHEMA = closed_object(
    "SampleIn",
    {
        "text": field(
            strict_str(min_length=1, max_length=MAX_TEXT_CHARS),
            description=f"The labelled text, 1 to {MAX_TEXT_CHARS} characters.",
        ),
        "scores": field(
            cs.dict_schema(
                strict_str(),
                cs.float_schema(strict=True, ge=0.0, le=1.0, allow_inf_nan=False),
                min_length=1,
                max_length=MAX_CRITERIA,
                strict=True,
            ),
            description=(
                "Criterion name to a label from 0 (low) to 1 (high); any non-empty subset of the "
                "model's criteria."
            ),
        ),
    },
)

ADD_SAMPLES_BODY: RequestBody[SamplesBody] = RequestBody(
    closed_object(
        "SamplesIn",
        {
            "samples": field(
                cs.list_schema(
                    SAMPLE_SCHEMA, min_length=1, max_length=MAX_SAMPLES_PER_CALL, strict=True
                ),
                description=f"1 to {MAX_SAMPLES_PER_CALL} samples; all are stored or none.",
            )
        },
    )
)
