"""Request and response schemas of labelled samples (they also generate the OpenAPI document).

Like every request schema, strict and closed: ``"0.5"`` and ``true`` are not scores, and unknown
fields are rejected (422) rather than ignored.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from u22a8.domain.model import MAX_CRITERIA

MAX_SAMPLES_PER_CALL = 500
MAX_TEXT_CHARS = 20_000

SampleText = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_TEXT_CHARS)]
Score = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: SampleText = Field(description=f"The labelled text, 1 to {MAX_TEXT_CHARS} characters.")
    scores: dict[str, Score] = Field(
        min_length=1,
        max_length=MAX_CRITERIA,
        description=(
            "Criterion name to a label from 0 (low) to 1 (high); any non-empty subset of the "
            "model's criteria."
        ),
    )


class SamplesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    samples: list[SampleIn] = Field(
        min_length=1,
        max_length=MAX_SAMPLES_PER_CALL,
        description=f"1 to {MAX_SAMPLES_PER_CALL} samples; all are stored or none.",
    )
