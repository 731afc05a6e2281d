"""Request body of scoring (it also generates the OpenAPI document).

Strict and closed like every request body: a text must be a JSON string, and unknown fields are
rejected (422) rather than ignored.
"""

from __future__ import annotations

from typing import TypedDict

from pydantic_core import core_schema as cs

from u22a8.api.bodies import RequestBody, closed_object, field, strict_str

MAX_TEXTS_PER_CALL = 100
# The same bound as a sample's text (``sample_schemas.MAX_TEXT_CHARS``, checked by a test); not
# imported from there so the score handler does not build the samples' schemas at cold start.
MAX_TEXT_CHARS = 20_000


class ScoreBody(TypedDict):
    texts: list[str]


SCORE_BODY: RequestBody[ScoreBody] = RequestBody(
    closed_object(
        "ScoreIn",
        {
            "texts": field(
                cs.list_schema(
                    strict_str(min_length=1, max_length=MAX_TEXT_CHARS),
                    min_length=1,
                    max_length=MAX_TEXTS_PER_CALL,
                    strict=True,
                ),
                description=(
                    f"1 to {MAX_TEXTS_PER_CALL} texts of 1 to {MAX_TEXT_CHARS} characters each, "
                    "within the 1 MiB body limit; they are scored and forgotten, never stored or "
                    "logged."
                ),
            )
        },
    )
)
