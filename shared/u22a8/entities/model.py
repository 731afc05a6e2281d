"""The model aggregate as the domain sees it (no DynamoDB or HTTP shapes here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from u22a8.entities.errors import PreconditionFailed


class ModelState(StrEnum):
    DRAFT = "draft"
    BUSY = "busy"
    READY = "ready"
    FAILED = "failed"
    ARCHIVED = "archived"


#: The most criteria a model can have (and so the most scores a sample can carry).
MAX_CRITERIA = 20

DEFAULT_KEEP_UNNAMED = 100
DEFAULT_KEEP_FIRST_OF_MONTH = True


@dataclass(frozen=True)
class AutoPrune:
    """A pruning override; a key left unset takes its default."""

    keep_unnamed: int | None = None
    keep_first_of_month: bool | None = None

    @property
    def effective_keep_unnamed(self) -> int:
        return DEFAULT_KEEP_UNNAMED if self.keep_unnamed is None else self.keep_unnamed

    @property
    def effective_keep_first_of_month(self) -> bool:
        if self.keep_first_of_month is None:
            return DEFAULT_KEEP_FIRST_OF_MONTH
        return self.keep_first_of_month


@dataclass(frozen=True)
class OperationError:
    code: str
    message: str


@dataclass(frozen=True)
class LastOperation:
    kind: str
    status: str
    started_at: str
    run_id: str | None = None
    finished_at: str | None = None
    progress: float | None = None
    error: OperationError | None = None


@dataclass(frozen=True)
class Model:
    handle: str
    criteria: tuple[str, ...]
    state: ModelState
    created_at: str
    updated_at: str
    revision: int
    task: str = "scoring"
    objective: str = "balanced_cosine"
    description: str | None = None
    zero_data_retention: bool = False
    auto_prune: AutoPrune | None = None
    active_version_id: str | None = None
    active_version: int | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    # Every tag of the model, to the version it names (``tags`` is the subset naming the active
    # version). Not hashed: a frozen model stays usable as a value, the map is still compared.
    tag_map: Mapping[str, int] = field(default_factory=dict, hash=False)
    last_operation: LastOperation | None = None
    # The run holding a busy model (``None`` otherwise); internal, not part of the API shape.
    current_run_id: str | None = None
    # The retention epoch: samples created at or before it are gone (zero-data-retention was
    # turned on then); ``None`` when it never was. Internal, not part of the API shape.
    data_epoch: str | None = None

    @property
    def namespace(self) -> str:
        return self.handle.split(".", 1)[0]


def precondition_failed(handle: str, expected: int, current: int) -> PreconditionFailed:
    """The 412 for an ETag that does not match the model's: stale, or never issued (ahead of it)."""
    if expected > current:
        return PreconditionFailed(
            handle,
            f"The If-Match header names a revision of model '{handle}' that this server never "
            "issued. GET the model and send its ETag.",
        )
    return PreconditionFailed(handle)


class Unset:
    """Marks a merge-patch field the caller left out (distinct from ``None``, which clears)."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()


@dataclass(frozen=True)
class AutoPruneChanges:
    """Merge patch of the pruning override: per key a value, ``None`` (default again) or unset."""

    keep_unnamed: int | Unset | None = UNSET
    keep_first_of_month: bool | Unset | None = UNSET


@dataclass(frozen=True)
class ModelChanges:
    """What one PATCH changes; ``auto_prune=None`` drops the whole override."""

    description: str | Unset | None = UNSET
    zero_data_retention: bool | Unset = UNSET
    auto_prune: AutoPruneChanges | Unset | None = UNSET

    @property
    def is_empty(self) -> bool:
        return (
            isinstance(self.description, Unset)
            and isinstance(self.zero_data_retention, Unset)
            and isinstance(self.auto_prune, Unset)
        )


@dataclass(frozen=True)
class ModelPage:
    models: list[Model]
    next_cursor: str | None
