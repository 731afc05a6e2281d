"""Request and response schemas of versions and tags (they also generate the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from u22a8.domain.version import MAX_VERSION


class TagIn(BaseModel):
    """Strict and closed like every request body: ``"3"`` is not a version number."""

    model_config = ConfigDict(extra="forbid", strict=True)

    version: Annotated[StrictInt, Field(ge=1, le=MAX_VERSION)] = Field(
        description="The version the tag should name; it must exist."
    )


class VersionOut(BaseModel):
    version_id: str
    version: int
    created_at: str
    run_id: str | None = Field(description="The run that published the version.")
    params: dict[str, Any] = Field(description="The fitted parameters.")
    metrics: dict[str, Any] = Field(
        description="Cross-validation metrics, per criterion and for the objective."
    )
    tags: list[str] = Field(description="The tags that name this version, sorted.")


class VersionPage(BaseModel):
    data: list[VersionOut]
    next_cursor: str | None
