"""The API's JSON shapes as ``TypedDict``s (see ``docs/openapi.json``): answers are plain dicts,
so a field the service adds later reaches the caller without a client release."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict

from u22a8.effort import Effort

ModelState = Literal["draft", "busy", "ready", "failed", "archived"]
RunStatus = Literal["running", "succeeded", "failed", "cancelled"]
WebhookEvent = Literal["run.succeeded", "run.failed", "run.cancelled", "model.state_changed", "*"]


class AutoPrune(TypedDict, total=False):
    keep_unnamed: int
    keep_first_of_month: bool


class OperationError(TypedDict):
    code: str
    message: str


class LastOperation(TypedDict):
    kind: Literal["train", "retrain"]
    status: RunStatus
    started_at: str
    run_id: NotRequired[str | None]
    finished_at: NotRequired[str | None]
    progress: NotRequired[float | None]
    error: NotRequired[OperationError | None]


class Model(TypedDict):
    handle: str
    task: str
    objective: str
    criteria: list[str]
    description: str | None
    state: ModelState
    active_version_id: str | None
    active_version: int | None
    tags: list[str]
    zero_data_retention: bool
    auto_prune: AutoPrune | None
    last_operation: LastOperation | None
    created_at: str
    updated_at: str


class ModelPatch(TypedDict, total=False):
    """A merge patch: a key left out stays; ``None`` clears ``description`` or ``auto_prune``."""

    description: str | None
    zero_data_retention: bool
    auto_prune: AutoPrune | None


class Sample(TypedDict):
    """A labelled sample to add: ``scores`` maps some of the model's criteria to 0..1."""

    text: str
    scores: dict[str, float]


class StoredSample(TypedDict):
    sample_id: str
    text: str
    scores: dict[str, float]
    created_at: str


class TrainResult(TypedDict):
    state: Literal["busy", "ready"]
    run_id: str | None


class Run(TypedDict):
    run_id: str
    kind: Literal["train", "retrain"]
    status: RunStatus
    effort: Effort | None
    reoptimize_params: bool
    started_at: str
    finished_at: str | None
    progress: float | None
    error: OperationError | None
    version: int | None


class Version(TypedDict):
    version_id: str
    version: int
    created_at: str
    run_id: str | None
    params: dict[str, object]
    metrics: dict[str, object]
    tags: list[str]


class ScoreResult(TypedDict):
    version: int
    version_id: str
    results: list[dict[str, float]]


class Webhook(TypedDict):
    id: str
    url: str
    events: list[str]
    description: NotRequired[str | None]
    enabled: bool
    created_at: str
    disabled_reason: NotRequired[str | None]


class WebhookWithSecret(Webhook):
    """The answer of create and rotate-secret: the only times the secret is shown."""

    secret: str


class WebhookPatch(TypedDict, total=False):
    url: str
    events: list[str]
    description: str | None
    enabled: bool


class Delivery(TypedDict):
    event_id: str
    type: str
    attempt: int
    status_code: int | None
    error: str | None
    at: str


@dataclass(frozen=True)
class Progress:
    """What ``wait_for_run``'s ``on_progress`` receives: the run, its status, 0..1 when known."""

    run_id: str
    status: RunStatus
    fraction: float | None
