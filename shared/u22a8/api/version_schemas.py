"""Request and response schemas of versions and tags (they also generate the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from u22a8.domain.version import MAX_VERSION


class TagIn(BaseModel):
    """Strict and closed like every request body: ``"3"`` is not a version number."""

    model_config = ConfigDict(extra="forbid", strict=True)

    version: Annotated[StrictInt, Field(ge=1, le=MAX_VERSION)] = Field(
        description="The version the tag should name; it must exist."
    )
