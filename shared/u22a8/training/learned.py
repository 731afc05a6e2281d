"""Learned prototypes: +w and -w for weights w fitted to separate a criterion's classes.

With a zero mean, ``cos(x, w) - cos(x, -w) = 2 x.w / (|x| |w|)``, so the ``balanced_cosine``
score of learned prototypes is a linear score of the text's unit TF-IDF vector, and the scorer,
the artifact and the calibration are the same as for class-mean prototypes. The weights come from
a class-balanced, L2-regularised logistic fit (``u22a8.training.logistic``) in which graded labels
are soft targets; optionally on naive-Bayes-weighted features (NBSVM: each n-gram scaled by the
log-ratio of its class-balanced frequency in high and low samples, itself a difference of class
prototypes), which makes the penalty cheap for n-grams that already separate the classes, and
optionally interpolated towards naive Bayes itself (:func:`interpolate`).

Only the ``max_weights`` largest weights are kept ("the weights that matter"): a model's artifact
then stays small enough to be copied into the table however many criteria it has.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .errors import HIGH_THRESHOLD, TrainingError
from .features import CsrMatrix
from .logistic import fit_logistic
from .objective import Prototypes, build_prototypes
from .search import TrainingParams

#: Additive smoothing of the naive-Bayes counts: rare n-grams get ratios near 0 (no evidence).
NB_ALPHA = 1.0
#: Weights kept per model (split evenly over its criteria): 20 criteria keep 13,107 each, and the
#: artifact of such a model stays under the 3 MiB that are copied into the table.
WEIGHT_BUDGET = 2**18


def balanced_weights(high: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Per-sample weights making both classes weigh n/2 in all (scikit-learn's "balanced")."""
    n, n_high = high.size, int(high.sum())
    if n_high in (0, n):
        raise TrainingError(
            "a criterion needs both high and low samples to build prototypes",
            code="degenerate-criterion",
        )
    weights: NDArray[np.float64] = np.where(high, n / (2.0 * n_high), n / (2.0 * (n - n_high)))
    return weights


def nb_ratios(
    x: CsrMatrix, high: NDArray[np.bool_], weights: NDArray[np.float64]
) -> NDArray[np.float64]:
    """log(p / |p|_1) - log(q / |q|_1) per column, p and q the smoothed class-weighted sums."""
    p = NB_ALPHA + x.rmatvec(np.where(high, weights, 0.0))
    q = NB_ALPHA + x.rmatvec(np.where(high, 0.0, weights))
    ratios: NDArray[np.float64] = np.log(p / p.sum()) - np.log(q / q.sum())
    return ratios


def interpolate(weights: NDArray[np.float64], beta: float) -> NDArray[np.float64]:
    """Wang & Manning's interpolated NBSVM: ``(1 - beta) * mean(|w|) + beta * w``.

    On naive-Bayes-weighted features a constant weight is naive Bayes itself, so beta moves the
    model between the log-count ratios (0) and the discriminative fit (1). On real short texts
    (``bench/quality.py``) a little of the fit (beta 0.05 to 0.25) beats the fit alone by about
    0.01 AUC, in cross-validation and held out alike: the fit alone overfits the noisy labels.
    """
    if beta == 1.0:
        return weights
    mixed: NDArray[np.float64] = (1.0 - beta) * float(np.mean(np.abs(weights))) + beta * weights
    return mixed


def keep_largest(
    weights: NDArray[np.float64], count: int, by: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """``weights`` with all but ``count`` entries set to zero: those of the largest magnitudes of
    ``by`` (default: of ``weights`` themselves; ties: lower index)."""
    nonzero = int(np.count_nonzero(weights))
    if nonzero <= count:
        return weights
    order = np.argsort(-np.abs(weights if by is None else by), kind="stable")
    kept = np.zeros_like(weights)
    kept[order[:count]] = weights[order[:count]]
    return kept


def learned_prototypes(
    x: CsrMatrix,
    rows: NDArray[np.int64],
    scores: NDArray[np.float64],
    params: TrainingParams,
    *,
    max_weights: int = WEIGHT_BUDGET,
) -> Prototypes:
    """Fit +w/-w prototypes on the given rows of ``x`` (unit TF-IDF rows) and their scores.

    The fit runs over the columns these rows use only (a fraction of the hashed space). The
    weights kept under ``max_weights`` are those the fit itself weighs most: the naive-Bayes part
    of an interpolated model is spread thinly over every n-gram, and keeping its largest ratios
    (rare n-grams) instead cost 0.004 to 0.006 held-out AUC at a 20-criterion share. Every
    fit starts from zero: starting a fold from another fold's solution would carry the held-out
    samples into it (the solver stops early) and inflate cross-validated AUC.
    """
    high = scores >= HIGH_THRESHOLD
    weights = balanced_weights(high)
    sub = x.take_rows(rows)
    columns, compact = sub.compact_columns()
    scale = np.ones(columns.size)
    if params.nb_weighted:
        scale = nb_ratios(compact, high, weights)
        compact = compact.with_data(compact.data * scale[compact.indices])
    fitted = fit_logistic(compact, np.clip(scores, 0.0, 1.0), weights, params.c)
    mixed = interpolate(fitted.weights, params.nb_interpolation)
    effective = np.zeros(x.n_cols)
    effective[columns] = keep_largest(mixed * scale, max_weights, by=fitted.weights * scale)
    return Prototypes(mean=np.zeros(x.n_cols), delta=effective, centered=False)


def criterion_prototypes(
    x: CsrMatrix,
    rows: NDArray[np.int64],
    scores: NDArray[np.float64],
    params: TrainingParams,
    *,
    n_criteria: int,
) -> Prototypes:
    """The prototypes ``params`` asks for: learned (with the model's share of the weight budget)
    or class means."""
    if params.learned:
        return learned_prototypes(
            x, rows, scores, params, max_weights=WEIGHT_BUDGET // max(n_criteria, 1)
        )
    return build_prototypes(x, rows, scores, params)
