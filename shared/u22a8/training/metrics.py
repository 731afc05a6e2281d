"""Rank metrics in plain numpy, because the Lambda package must not depend on scipy.

Both metrics are reported per criterion on out-of-fold predictions: Spearman says whether the
scores order texts like the labels do, AUC whether high samples score above low ones.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def average_ranks(values: ArrayLike) -> NDArray[np.float64]:
    """1-based ranks with ties given the mean of the ranks they span (as scipy's rankdata)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    n = x.size
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    starts_group = np.empty(n, dtype=bool)
    starts_group[0] = True
    np.not_equal(sorted_x[1:], sorted_x[:-1], out=starts_group[1:])
    group_of_sorted = np.cumsum(starts_group) - 1
    bounds = np.append(np.flatnonzero(starts_group), n)
    # A group covering sorted positions [lo, hi) gets the mean of ranks lo+1 .. hi.
    group_rank = 0.5 * (bounds[:-1] + 1 + bounds[1:])
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = group_rank[group_of_sorted]
    return ranks


def spearman(x: ArrayLike, y: ArrayLike) -> float:
    """Spearman rank correlation with average ranks for ties.

    Undefined when either side is constant; reported as 0.0 (no monotonic association) so that
    stored metrics stay finite and JSON-serialisable.
    """
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if a.size != b.size:
        raise ValueError(f"length mismatch: {a.size} != {b.size}")
    if a.size < 2:
        return 0.0
    ra = average_ranks(a)
    rb = average_ranks(b)
    ra -= ra.mean()
    rb -= rb.mean()
    denom = float(np.sqrt(np.dot(ra, ra) * np.dot(rb, rb)))
    if denom == 0.0:
        return 0.0
    return float(np.clip(np.dot(ra, rb) / denom, -1.0, 1.0))


def roc_auc(positive: ArrayLike, scores: ArrayLike) -> float:
    """ROC AUC via the Mann-Whitney U statistic; a tie between a positive and a negative counts 1/2.

    Raises ValueError when one class is empty, because the AUC is then undefined and callers
    guarantee both classes before asking.
    """
    pos = np.asarray(positive, dtype=bool).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if pos.size != s.size:
        raise ValueError(f"length mismatch: {pos.size} != {s.size}")
    n_pos = int(pos.sum())
    n_neg = pos.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC needs at least one positive and one negative sample")
    ranks = average_ranks(s)
    u = float(ranks[pos].sum()) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)
