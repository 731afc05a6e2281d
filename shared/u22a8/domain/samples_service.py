"""Use cases of labelled samples: add, list and delete.

Adding reads the model once (its criteria are what the scores are checked against) and then writes
in transactions that re-check the model's state, so the read only serves validation: a model
archived or switched to zero-data-retention after it still refuses the samples. Deleting is one
transaction. Listing a model with zero-data-retention on shows nothing, since nothing is retained.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from u22a8.data import models_repo, samples_repo
from u22a8.data.models_repo import WriteRefused
from u22a8.domain.handles import require_visible
from u22a8.entities.errors import (
    DomainError,
    FieldError,
    InvalidInput,
    ModelArchived,
    ModelNotFound,
    SampleNotFound,
    ValidationCollector,
    ZeroDataRetention,
)
from u22a8.entities.model import Model, ModelState
from u22a8.entities.sample import NewSample, Sample, SamplePage, is_valid_sample_id, new_sample_id

# A page is cut short before its texts, JSON-escaped, pass this size: Lambda answers at most 6 MB,
# and a 1 MB query of control characters escapes to about 6 MB.
MAX_PAGE_TEXT_BYTES = 4 * 1024 * 1024


def _refusal(handle: str, existing: Model | None) -> DomainError:
    """Why the model refuses sample changes, from the model as it is (or was at the write)."""
    if existing is None:
        return ModelNotFound(handle)
    if existing.state is ModelState.ARCHIVED:
        return ModelArchived(handle)
    if existing.zero_data_retention:
        return ZeroDataRetention(handle)
    raise RuntimeError(f"model {handle} refused a sample write for no known reason")


def _check_criteria(model: Model, samples: Sequence[NewSample]) -> None:
    collector = ValidationCollector()
    known = set(model.criteria)
    allowed = ", ".join(model.criteria)
    for index, sample in enumerate(samples):
        for name in sample.scores:
            if name not in known:
                collector.add(
                    ("body", "samples", index, "scores", name),
                    f"unknown criterion; the model's criteria are: {allowed}",
                    "unknown_criterion",
                )
    collector.raise_if_any(f"Scores must be for the criteria of model '{model.handle}'.")


def add_samples(caller_namespace: str, handle: str, samples: Sequence[NewSample]) -> list[str]:
    """Store the samples and return their ids, in the order given."""
    require_visible(handle, caller_namespace)
    model = models_repo.get(handle)
    if model is None or model.state is ModelState.ARCHIVED or model.zero_data_retention:
        raise _refusal(handle, model)
    _check_criteria(model, samples)
    now = datetime.now(UTC)
    epoch_ms = int(now.timestamp() * 1000)
    created_at = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    stored = [
        Sample(new_sample_id(epoch_ms, index), sample.text, dict(sample.scores), created_at)
        for index, sample in enumerate(samples)
    ]
    try:
        samples_repo.add(handle, stored)
    except WriteRefused as refused:
        raise _refusal(handle, refused.failure.existing) from refused
    return [sample.sample_id for sample in stored]


def _within_budget(handle: str, page: SamplePage) -> SamplePage:
    size = 0
    for index, sample in enumerate(page.samples):
        size += len(json.dumps(sample.text))
        if size > MAX_PAGE_TEXT_BYTES and index > 0:
            kept = page.samples[:index]
            return SamplePage(kept, samples_repo.cursor_after(handle, kept[-1].sample_id))
    return page


def list_samples(caller_namespace: str, handle: str, limit: int, cursor: str | None) -> SamplePage:
    """A page of the model's samples in insertion order (archived models can be read too)."""
    require_visible(handle, caller_namespace)
    model = models_repo.get(handle)
    if model is None:
        raise ModelNotFound(handle)
    if model.zero_data_retention:
        return SamplePage([], None)
    page = samples_repo.list_page(handle, limit, cursor, model.data_epoch)
    return _within_budget(handle, page)


def delete_sample(caller_namespace: str, handle: str, sample_id: str) -> None:
    require_visible(handle, caller_namespace)
    if not is_valid_sample_id(sample_id):
        raise InvalidInput(
            f"'{sample_id}' is not a valid sample id.",
            [
                FieldError(
                    loc=("path", "sample_id"),
                    msg="must be a sample id as returned by POST .../samples",
                    type="sample_id_format",
                )
            ],
        )
    try:
        samples_repo.delete(handle, sample_id)
    except WriteRefused as refused:
        raise _refusal(handle, refused.failure.existing) from refused
    except samples_repo.SampleMissing as missing:
        raise SampleNotFound(handle, sample_id) from missing
