"""Request and response schemas of training and runs (they also generate the OpenAPI document).

The train body is strict and closed like every request body: ``"true"`` is not a boolean, and an
unknown field (``state`` included) is a 422 rather than ignored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from u22a8.api.schemas import Effort
from u22a8.api.views import OperationErrorOut


class TrainIn(BaseModel):
    """``POST /v1/models/{handle}/train``; every field is optional."""

    model_config = ConfigDict(extra="forbid", strict=True)

    effort: Effort | None = Field(
        default=None,
        description=(
            "How much to spend on the parameter search: `low`, `medium`, `high` or `max` "
            "(each step at least doubles the candidates). `null` or absent: `medium`."
        ),
    )
    reoptimize_params: StrictBool = Field(
        default=False,
        description=(
            "From a `ready` model, force a fresh parameter search. Without it a ready model is "
            "left alone: retraining on new samples is automatic."
        ),
    )


class TrainOut(BaseModel):
    state: Literal["busy", "ready"] = Field(description="The model's state after the call.")
    run_id: str | None = Field(
        description=(
            "The run started, or the running run on an idempotent hit; `null` when nothing was "
            "queued (a ready model without `reoptimize_params`)."
        )
    )


class RunOut(BaseModel):
    run_id: str
    kind: Literal["train", "retrain"] = Field(
        description="`train`: asked for; `retrain`: started automatically on new samples."
    )
    status: Literal["running", "succeeded", "failed", "cancelled"]
    effort: Effort | None = Field(description="The search effort; `null` for a retrain.")
    reoptimize_params: bool
    started_at: str
    finished_at: str | None
    progress: float | None = Field(description="0 to 1 while it runs; 1 once it succeeded.")
    error: OperationErrorOut | None = Field(description="Why it failed, in actionable words.")
    version: int | None = Field(description="The version it published, once it succeeded.")


class RunPage(BaseModel):
    data: list[RunOut]
    next_cursor: str | None
