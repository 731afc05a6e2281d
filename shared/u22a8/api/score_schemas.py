"""Request schema of scoring (it also generates the OpenAPI document).

Strict and closed like every request body: a text must be a JSON string, and unknown fields are
rejected (422) rather than ignored.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_TEXTS_PER_CALL = 100
# The same bound as a sample's text (``sample_schemas.MAX_TEXT_CHARS``, checked by a test); not
# imported from there so the score handler does not build the samples' schemas at cold start.
MAX_TEXT_CHARS = 20_000

ScoreText = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_TEXT_CHARS)]


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    texts: list[ScoreText] = Field(
        min_length=1,
        max_length=MAX_TEXTS_PER_CALL,
        description=(
            f"1 to {MAX_TEXTS_PER_CALL} texts of 1 to {MAX_TEXT_CHARS} characters each, within "
            "the 1 MiB body limit; they are scored and forgotten, never stored or logged."
        ),
    )
