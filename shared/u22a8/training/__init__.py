"""Pure training library for the ``balanced_cosine`` objective (numpy only, no I/O).

The pieces stay separately callable so a workflow can run them apart: ``plan_candidates`` lists
what to try, ``evaluate_candidate`` cross-validates one candidate (one Map-state invocation),
``select_best`` picks the winner and ``fit`` trains it on all samples. ``run_search`` and
``train`` chain them in one process for local use and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import (
    DEFAULT_FOLDS,
    HIGH_THRESHOLD,
    MAX_TRAINING_CHARS,
    MIN_LABELLED_PER_CRITERION,
    MIN_PER_CLASS,
    InvalidSamples,
    NotEnoughSamples,
    Shortfall,
    TooManySamples,
    TrainingError,
    check_size,
    within_size_limit,
)
from .evaluate import (
    DEFAULT_SEED,
    CandidateResult,
    CriterionMetrics,
    as_samples,
    check_enough_samples,
    collect_labels,
    cross_validate,
    evaluate_candidate,
    select_best,
)
from .features import (
    CsrMatrix,
    FeatureCache,
    FeatureConfig,
    count_features,
    dataset_identity,
    default_cache,
)
from .metrics import roc_auc, spearman
from .model import FittedModel, fit
from .objective import OBJECTIVE_NAME
from .search import DEFAULT_EFFORT, EFFORTS, Effort, TrainingParams, plan_candidates
from .types import LabelledSample


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """Every candidate's cross-validation result (plan order) and the chosen one."""

    candidates: tuple[CandidateResult, ...]
    best: CandidateResult

    @property
    def best_params(self) -> TrainingParams:
        """Parameters of the chosen candidate."""
        return self.best.params

    @property
    def best_metrics(self) -> dict[str, CriterionMetrics]:
        """Per-criterion validation metrics of the chosen candidate."""
        return self.best.metrics


def run_search(
    samples: Sequence[LabelledSample],
    criteria: Sequence[str],
    effort: Effort,
    *,
    cache: FeatureCache | None = None,
    dataset_id: str | None = None,
) -> SearchOutcome:
    """Cross-validate every candidate of ``effort`` and choose the best.

    Sample minimums are checked once up front so a too-small dataset fails before any work.
    """
    check_enough_samples(collect_labels(samples, criteria))
    cache = cache or default_cache()
    if dataset_id is None:
        dataset_id = dataset_identity([s.text for s in samples])
    results = tuple(
        evaluate_candidate(samples, criteria, params, cache=cache, dataset_id=dataset_id)
        for params in plan_candidates(effort)
    )
    return SearchOutcome(candidates=results, best=select_best(results))


def train(
    samples: Sequence[LabelledSample],
    criteria: Sequence[str],
    effort: Effort,
    *,
    cache: FeatureCache | None = None,
) -> tuple[FittedModel, dict[str, CriterionMetrics], TrainingParams]:
    """Search, then fit the best candidate on all samples; deterministic for the same input."""
    cache = cache or default_cache()
    dataset_id = dataset_identity([s.text for s in samples])
    outcome = run_search(samples, criteria, effort, cache=cache, dataset_id=dataset_id)
    model = fit(samples, criteria, outcome.best_params, cache=cache, dataset_id=dataset_id)
    return model, outcome.best_metrics, outcome.best_params


__all__ = [
    "DEFAULT_EFFORT",
    "DEFAULT_FOLDS",
    "DEFAULT_SEED",
    "EFFORTS",
    "HIGH_THRESHOLD",
    "MAX_TRAINING_CHARS",
    "MIN_LABELLED_PER_CRITERION",
    "MIN_PER_CLASS",
    "OBJECTIVE_NAME",
    "CandidateResult",
    "CriterionMetrics",
    "CsrMatrix",
    "Effort",
    "FeatureCache",
    "FeatureConfig",
    "FittedModel",
    "InvalidSamples",
    "LabelledSample",
    "NotEnoughSamples",
    "SearchOutcome",
    "Shortfall",
    "TooManySamples",
    "TrainingError",
    "TrainingParams",
    "as_samples",
    "check_enough_samples",
    "check_size",
    "collect_labels",
    "count_features",
    "cross_validate",
    "dataset_identity",
    "default_cache",
    "evaluate_candidate",
    "fit",
    "plan_candidates",
    "roc_auc",
    "run_search",
    "select_best",
    "spearman",
    "train",
    "within_size_limit",
]
