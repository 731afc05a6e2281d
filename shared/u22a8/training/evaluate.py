"""K-fold cross-validation of one candidate, and choosing the best of several.

Each candidate is evaluated independently from its params and the samples, so a Step Functions
Map state can evaluate candidates in parallel Lambda invocations and hand the JSON results to
:func:`select_best`. Fold assignment depends only on the seed, the sample order and the labels,
never on the candidate, so all candidates are compared on the same folds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
from numpy.typing import NDArray

from .errors import (
    DEFAULT_FOLDS,
    HIGH_THRESHOLD,
    MIN_LABELLED_PER_CRITERION,
    MIN_PER_CLASS,
    InvalidSamples,
    NotEnoughSamples,
    Shortfall,
)
from .features import CsrMatrix, FeatureCache, apply_idf, default_cache, fit_idf
from .learned import criterion_prototypes
from .metrics import roc_auc, spearman
from .objective import Calibration, fit_calibration
from .search import TrainingParams
from .types import LabelledSample

DEFAULT_SEED = 0
#: From this many samples on, cross-validation uses ``LARGE_FOLDS`` folds: each fold then still
#: holds thousands of samples (AUC estimated to about +-0.01), and a learned candidate costs 3
#: fits on two thirds of the data instead of 5 on four fifths (about half the time).
LARGE_DATASET = 5_000
LARGE_FOLDS = 3


def folds_for(n_samples: int) -> int:
    """Cross-validation folds for a dataset of ``n_samples``."""
    return LARGE_FOLDS if n_samples >= LARGE_DATASET else DEFAULT_FOLDS


_UNLABELLED = 2


class CriterionMetrics(TypedDict):
    """Out-of-fold validation metrics of one criterion, as stored with a fitted version."""

    spearman: float
    auc: float
    n: int


@dataclass(frozen=True, slots=True, eq=False)
class CriterionLabels:
    """The samples labelled for one criterion: their positions and scores."""

    name: str
    rows: NDArray[np.int64]
    scores: NDArray[np.float64]

    @property
    def high(self) -> NDArray[np.bool_]:
        """Which of these samples are in the high class."""
        return self.scores >= HIGH_THRESHOLD


def as_samples(items: Sequence[LabelledSample | Mapping[str, Any]]) -> list[LabelledSample]:
    """Accept samples as ``LabelledSample`` or as API-shaped dicts ``{"text", "scores"}``."""
    out: list[LabelledSample] = []
    for item in items:
        if isinstance(item, LabelledSample):
            out.append(item)
        else:
            out.append(LabelledSample(text=str(item["text"]), scores=dict(item["scores"])))
    return out


def collect_labels(
    samples: Sequence[LabelledSample], criteria: Sequence[str]
) -> list[CriterionLabels]:
    """Per-criterion labelled rows; scores for criteria the model does not have are ignored."""
    if not criteria:
        raise InvalidSamples("a model needs at least one criterion")
    if len(set(criteria)) != len(criteria):
        raise InvalidSamples("criteria must be distinct")
    labels: list[CriterionLabels] = []
    for name in criteria:
        rows: list[int] = []
        values: list[float] = []
        for i, sample in enumerate(samples):
            value = sample.scores.get(name)
            if value is None:
                continue
            try:
                score = float(value)
            except (TypeError, ValueError):
                score = math.nan
            if not (math.isfinite(score) and 0.0 <= score <= 1.0):
                raise InvalidSamples(
                    f"sample {i} has score {value!r} for criterion {name!r}; scores must be 0..1"
                )
            rows.append(i)
            values.append(score)
        labels.append(
            CriterionLabels(
                name=name,
                rows=np.asarray(rows, dtype=np.int64),
                scores=np.asarray(values, dtype=np.float64),
            )
        )
    return labels


def check_enough_samples(labels: Sequence[CriterionLabels]) -> None:
    """Raise :class:`NotEnoughSamples` naming every criterion below the minimums."""
    shortfalls: list[Shortfall] = []
    for crit in labels:
        n_high = int(crit.high.sum())
        n_low = int(crit.rows.size - n_high)
        if (
            crit.rows.size < MIN_LABELLED_PER_CRITERION
            or n_high < MIN_PER_CLASS
            or n_low < MIN_PER_CLASS
        ):
            shortfalls.append(Shortfall(crit.name, int(crit.rows.size), n_high, n_low))
    if shortfalls:
        raise NotEnoughSamples(shortfalls)


def _splitmix64(values: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """A fixed integer mix; numpy's generators do not promise the same stream across versions."""
    z = values + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    mixed: NDArray[np.uint64] = z ^ (z >> np.uint64(31))
    return mixed


def assign_folds(
    n_samples: int, labels: Sequence[CriterionLabels], folds: int, seed: int
) -> NDArray[np.int64]:
    """Fold of every sample, stratified by class so each fold sees both classes where possible.

    Samples are shuffled by a seeded hash of their position, then stably grouped by their class
    for each criterion (first criterion first) and dealt round-robin. A class that is contiguous
    in that order, as every class of the first criterion is, lands in at most ceil(n / folds)
    per fold; later criteria are close to that.
    """
    if folds < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    if n_samples < folds:
        raise ValueError(f"{n_samples} samples cannot fill {folds} folds")
    positions = np.arange(n_samples, dtype=np.uint64) + np.uint64((seed % 2**32) << 32)
    shuffle_key = _splitmix64(positions)
    keys: list[NDArray[Any]] = [shuffle_key]
    for crit in reversed(labels):
        code = np.full(n_samples, _UNLABELLED, dtype=np.int64)
        code[crit.rows] = np.where(crit.high, 0, 1)
        keys.append(code)
    order = np.lexsort(keys)
    fold_of = np.empty(n_samples, dtype=np.int64)
    fold_of[order] = np.arange(n_samples, dtype=np.int64) % folds
    return fold_of


def out_of_fold_raw(
    tf: CsrMatrix,
    labels: Sequence[CriterionLabels],
    params: TrainingParams,
    fold_of: NDArray[np.int64],
) -> list[NDArray[np.float64]]:
    """Raw scores of every labelled sample from the model trained on the other folds.

    IDF is learned per training fold so held-out texts never influence their own features. A
    fold whose training part lacks a class for a criterion (rare, tiny data only) gives its
    held-out samples the neutral raw score 0.
    """
    raw = [np.zeros(crit.rows.size, dtype=np.float64) for crit in labels]
    for fold in range(int(fold_of.max()) + 1):
        train_mask = fold_of != fold
        x = apply_idf(tf, fit_idf(tf, train_mask), params.features)
        for crit, out in zip(labels, raw, strict=True):
            in_train = train_mask[crit.rows]
            held_out = ~in_train
            if not held_out.any():
                continue
            train_high = crit.high[in_train]
            if train_high.all() or not train_high.any():
                continue
            protos = criterion_prototypes(
                x, crit.rows[in_train], crit.scores[in_train], params, n_criteria=len(labels)
            )
            out[held_out] = protos.raw_scores(x.take_rows(crit.rows[held_out]))
    return raw


@dataclass(frozen=True, slots=True)
class CandidateResult:
    """A candidate's cross-validation outcome; JSON round-trips via to_dict/from_dict.

    ``objective`` (mean AUC over criteria) ranks candidates; ``tiebreak`` (mean Spearman)
    decides between equal objectives.
    """

    params: TrainingParams
    metrics: dict[str, CriterionMetrics]
    objective: float
    tiebreak: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "params": self.params.to_dict(),
            "metrics": {name: dict(m) for name, m in self.metrics.items()},
            "objective": self.objective,
            "tiebreak": self.tiebreak,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CandidateResult:
        """Inverse of :meth:`to_dict`."""
        metrics: dict[str, CriterionMetrics] = {
            str(name): CriterionMetrics(
                spearman=float(m["spearman"]), auc=float(m["auc"]), n=int(m["n"])
            )
            for name, m in dict(data["metrics"]).items()
        }
        return cls(
            params=TrainingParams.from_dict(dict(data["params"])),
            metrics=metrics,
            objective=float(data["objective"]),
            tiebreak=float(data["tiebreak"]),
        )


def criterion_metrics(crit: CriterionLabels, raw: NDArray[np.float64]) -> CriterionMetrics:
    """Spearman against the scores and AUC for high vs low, on out-of-fold raw scores.

    Raw scores rank like the calibrated ones (calibration is monotonic non-decreasing), so these
    are the metrics of the scores users will see.
    """
    return CriterionMetrics(
        spearman=spearman(raw, crit.scores), auc=roc_auc(crit.high, raw), n=int(crit.rows.size)
    )


def evaluate_candidate(
    samples: Sequence[LabelledSample],
    criteria: Sequence[str],
    params: TrainingParams,
    *,
    folds: int | None = None,
    seed: int = DEFAULT_SEED,
    cache: FeatureCache | None = None,
    dataset_id: str | None = None,
) -> CandidateResult:
    """Cross-validate one candidate on the samples.

    Raises :class:`NotEnoughSamples` when a criterion is below the minimums. ``dataset_id``
    names the dataset in the feature cache (defaults to a digest of the texts).
    """
    labels, raw = _out_of_fold(samples, criteria, params, folds, seed, cache, dataset_id)
    return _result(params, labels, raw)


@dataclass(frozen=True, slots=True)
class CrossValidation:
    """A candidate's result and the calibrations of its out-of-fold scores.

    The calibrations are what ``fit`` would compute again from the same folds, so passing them
    to ``fit(..., calibrations=...)`` fits the winner once instead of once per fold as well.
    """

    result: CandidateResult
    calibrations: tuple[Calibration, ...]


def cross_validate(
    samples: Sequence[LabelledSample],
    criteria: Sequence[str],
    params: TrainingParams,
    *,
    folds: int | None = None,
    seed: int = DEFAULT_SEED,
    cache: FeatureCache | None = None,
    dataset_id: str | None = None,
) -> CrossValidation:
    """:func:`evaluate_candidate`, plus each criterion's calibration (in ``criteria`` order)."""
    labels, raw = _out_of_fold(samples, criteria, params, folds, seed, cache, dataset_id)
    calibrations = tuple(
        fit_calibration(r, crit.scores, params.calibration_l2)
        for crit, r in zip(labels, raw, strict=True)
    )
    return CrossValidation(_result(params, labels, raw), calibrations)


def _out_of_fold(
    samples: Sequence[LabelledSample],
    criteria: Sequence[str],
    params: TrainingParams,
    folds: int | None,
    seed: int,
    cache: FeatureCache | None,
    dataset_id: str | None,
) -> tuple[list[CriterionLabels], list[NDArray[np.float64]]]:
    labels = collect_labels(samples, criteria)
    check_enough_samples(labels)
    texts = [s.text for s in samples]
    tf = (cache or default_cache()).term_frequencies(texts, params.features, dataset_id)
    fold_of = assign_folds(len(samples), labels, folds or folds_for(len(samples)), seed)
    return labels, out_of_fold_raw(tf, labels, params, fold_of)


def _result(
    params: TrainingParams, labels: Sequence[CriterionLabels], raw: Sequence[NDArray[np.float64]]
) -> CandidateResult:
    metrics = {crit.name: criterion_metrics(crit, r) for crit, r in zip(labels, raw, strict=True)}
    objective = float(np.mean([m["auc"] for m in metrics.values()]))
    tiebreak = float(np.mean([m["spearman"] for m in metrics.values()]))
    return CandidateResult(params=params, metrics=metrics, objective=objective, tiebreak=tiebreak)


def select_best(results: Sequence[CandidateResult]) -> CandidateResult:
    """Highest objective, then highest tiebreak; remaining ties go to the earliest result.

    Results must be in candidate-plan order for the tie rule to favour the simpler candidates.
    """
    if not results:
        raise ValueError("no candidate results to choose from")
    best = results[0]
    for result in results[1:]:
        if (result.objective, result.tiebreak) > (best.objective, best.tiebreak):
            best = result
    return best
