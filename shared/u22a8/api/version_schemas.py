"""Request body of tags (it also generates the OpenAPI document)."""

from __future__ import annotations

from typing import TypedDict

from pydantic_core import core_schema as cs

from u22a8.api.bodies import RequestBody, closed_object, field
from u22a8.entities.version import MAX_VERSION


class TagBody(TypedDict):
    version: int


PUT_TAG_BODY: RequestBody[TagBody] = RequestBody(
    closed_object(
        "TagIn",
        {
            "version": field(
                cs.int_schema(strict=True, ge=1, le=MAX_VERSION),
                description="The version the tag should name; it must exist.",
            )
        },
        description='Strict and closed like every request body: ``"3"`` is not a version number.',
    )
)
