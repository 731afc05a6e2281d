"""Response schemas: the public JSON shapes, used to generate the OpenAPI document.

Handlers build responses with the ``*_mapping`` modules and never import this module, so a cold
start does not pay for building these Pydantic models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from u22a8.effort import Effort


class AutoPruneOut(BaseModel):
    keep_unnamed: int
    keep_first_of_month: bool


class OperationErrorOut(BaseModel):
    code: str
    message: str


class LastOperationOut(BaseModel):
    kind: Literal["train", "retrain"]
    status: Literal["running", "succeeded", "failed", "cancelled"]
    started_at: str
    run_id: str | None = None
    finished_at: str | None = None
    progress: float | None = None
    error: OperationErrorOut | None = None


class ModelOut(BaseModel):
    handle: str
    task: str
    objective: str
    criteria: list[str]
    description: str | None
    state: Literal["draft", "busy", "ready", "failed", "archived"]
    active_version_id: str | None
    active_version: int | None
    tags: list[str]
    zero_data_retention: bool
    auto_prune: AutoPruneOut | None
    last_operation: LastOperationOut | None
    created_at: str
    updated_at: str


class ModelPage(BaseModel):
    data: list[ModelOut]
    next_cursor: str | None


class ProblemFieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this API is shaped.

    ``status`` is always present in answers from the handlers; API Gateway's own catch-all
    responses (``DEFAULT_4XX``/``DEFAULT_5XX``) cannot know the numeric status and omit it.
    """

    type: str
    title: str
    status: int | None = None
    detail: str
    errors: list[ProblemFieldError] | None = None
    request_id: str | None = None


class SamplesCreated(BaseModel):
    sample_ids: list[str] = Field(description="The new samples' ids, in the order sent.")


class SampleOut(BaseModel):
    sample_id: str
    text: str
    scores: dict[str, float]
    created_at: str


class SamplePage(BaseModel):
    data: list[SampleOut]
    next_cursor: str | None


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


class ScoreOut(BaseModel):
    version: int = Field(description="The number of the version that scored the texts.")
    version_id: str = Field(description="The id of that version.")
    results: list[dict[str, float]] = Field(
        description=(
            "One object per text, in the order sent: every criterion of the model to a score "
            "from 0 (low) to 1 (high)."
        )
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
