"""The ``balanced_cosine`` objective: class-balanced prototypes, a cosine contrast, calibration.

For one criterion the labelled samples split into high (score >= threshold) and low. Each class
prototype is the (weighted) mean of its L2-normalised feature rows, and each class's weights sum
to one, so a criterion with 90 % high samples still gets an equally informed low prototype.
A text's raw score is cos(x, high) - cos(x, low); a logistic curve fitted to out-of-fold raw
scores maps it to 0..1. Logistic (Platt) calibration is used rather than isotonic regression
because two parameters cannot overfit small user datasets and keep the score strictly monotonic
and smooth, so nearby texts never collapse onto the same step value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .errors import HIGH_THRESHOLD, TrainingError
from .features import CsrMatrix
from .search import TrainingParams

OBJECTIVE_NAME = "balanced_cosine"
#: Smallest weight a "graded" sample gets, so samples right at the threshold still count.
GRADED_FLOOR = 0.1
_EPS = 1e-12


def _dot(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Inner product without BLAS: OpenBLAS threads ``a @ b`` and on a busy 2-core host that
    made each 2**18-long product about 30 times slower than this single-threaded loop."""
    return float(np.einsum("i,i->", a, b))


def class_weights(scores: NDArray[np.float64], params: TrainingParams) -> NDArray[np.float64]:
    """Per-sample weight within its class before the class is normalised to total one."""
    if params.weighting == "uniform":
        return np.ones_like(scores)
    distance = np.abs(scores - HIGH_THRESHOLD) / max(HIGH_THRESHOLD, 1.0 - HIGH_THRESHOLD)
    return np.maximum(distance, GRADED_FLOOR)


@dataclass(frozen=True, slots=True, eq=False)
class Prototypes:
    """The two class prototypes of one criterion, kept as their mean and half-difference.

    high = mean + delta and low = mean - delta; this form makes shrinkage and centring simple
    (centred, the prototypes are +delta and -delta around ``mean``).
    """

    mean: NDArray[np.float64]
    delta: NDArray[np.float64]
    centered: bool

    def contrast(self) -> tuple[float, float, float]:
        """``mean.mean``, ``mean.delta`` and ``delta.delta``: all a text's score needs of the
        prototypes beyond its own columns (saved with the model, so a scorer need not compute
        them over the whole feature space)."""
        return (
            _dot(self.mean, self.mean),
            _dot(self.mean, self.delta),
            _dot(self.delta, self.delta),
        )

    def raw_scores(self, x: CsrMatrix) -> NDArray[np.float64]:
        """cos(x, high) - cos(x, low) for each row of ``x`` (rows L2-normalised or empty)."""
        xm = x.matvec(self.mean)
        xd = x.matvec(self.delta)
        xx = x.row_sq_norms()
        mm, md, dd = self.contrast()
        if dd <= _EPS:
            return np.zeros(x.n_rows, dtype=np.float64)
        if self.centered:
            # cos(x - m, d) - cos(x - m, -d) = 2 cos(x - m, d); |x - m|^2 expanded keeps it sparse.
            dist = np.sqrt(np.maximum(xx - 2.0 * xm + mm, _EPS))
            centered: NDArray[np.float64] = 2.0 * (xd - md) / (dist * np.sqrt(dd))
            return centered
        # |m +- d|^2 = |m|^2 +- 2 m.d + |d|^2, so the prototypes never need materialising.
        high_norm = float(np.sqrt(max(mm + 2.0 * md + dd, _EPS)))
        low_norm = float(np.sqrt(max(mm - 2.0 * md + dd, _EPS)))
        x_norm = np.sqrt(xx)
        x_norm[x_norm == 0.0] = 1.0
        raw: NDArray[np.float64] = ((xm + xd) / high_norm - (xm - xd) / low_norm) / x_norm
        return raw

    def as_float32(self) -> Prototypes:
        """The same prototypes rounded to float32, i.e. exactly what a saved model holds."""
        return Prototypes(
            mean=self.mean.astype(np.float32).astype(np.float64),
            delta=self.delta.astype(np.float32).astype(np.float64),
            centered=self.centered,
        )


def shrink(delta: NDArray[np.float64], amount: float) -> NDArray[np.float64]:
    """Soft-threshold ``delta`` by ``amount`` times the RMS of its non-zero entries.

    As in nearest shrunken centroids: n-grams whose classes barely differ are zeroed and the rest
    move towards zero, which removes filler-word noise from the contrast. Signs are kept and
    magnitudes only shrink, so mean +- delta stay valid (non-negative) prototypes.
    """
    if amount <= 0.0:
        return delta
    nonzero = delta[delta != 0.0]
    if nonzero.size == 0:
        return delta
    threshold = amount * float(np.sqrt(_dot(nonzero, nonzero) / nonzero.size))
    shrunk: NDArray[np.float64] = delta - np.clip(delta, -threshold, threshold)
    return shrunk


def build_prototypes(
    x: CsrMatrix,
    rows: NDArray[np.int64],
    scores: NDArray[np.float64],
    params: TrainingParams,
) -> Prototypes:
    """Class-balanced prototypes from the given rows of ``x`` and their scores for a criterion."""
    high = scores >= HIGH_THRESHOLD
    if not high.any() or high.all():
        raise TrainingError(
            "a criterion needs both high and low samples to build prototypes",
            code="degenerate-criterion",
        )
    weights = class_weights(scores, params)
    weights = np.where(high, weights / weights[high].sum(), weights / weights[~high].sum())
    row_weights = np.zeros(x.n_rows, dtype=np.float64)
    row_weights[rows] = weights
    row_signed = np.zeros(x.n_rows, dtype=np.float64)
    row_signed[rows] = np.where(high, weights, -weights)
    mean = 0.5 * x.rmatvec(row_weights)
    delta = 0.5 * x.rmatvec(row_signed)
    return Prototypes(mean=mean, delta=shrink(delta, params.shrinkage), centered=params.centered)


@dataclass(frozen=True, slots=True)
class Calibration:
    """score = sigmoid(slope * raw + intercept); slope >= 0 keeps the raw score's ranking."""

    slope: float
    intercept: float

    def apply(self, raw: NDArray[np.float64]) -> NDArray[np.float64]:
        """Calibrated scores in [0, 1]."""
        z = np.clip(self.slope * raw + self.intercept, -500.0, 500.0)
        out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
        return out


def _logistic_loss(
    z: NDArray[np.float64], y: NDArray[np.float64], a: float, b: float, l2: float
) -> float:
    t = a * z + b
    # log(1 + e^t) - y t, computed stably.
    return float(np.sum(np.logaddexp(0.0, t) - y * t) + 0.5 * l2 * a * a)


def fit_calibration(
    raw: NDArray[np.float64], targets: NDArray[np.float64], l2: float
) -> Calibration:
    """Fit a logistic curve from raw scores to the 0..1 labels by damped Newton steps.

    Targets are the soft scores themselves (cross-entropy works for any target in 0..1), so the
    output estimates the score a labeller would give, not just P(high). Raw scores are
    standardised first so ``l2`` means the same at any scale; only the slope is penalised. A
    negative slope would invert the ranking cross-validation measured, so it is clamped to 0,
    which leaves a constant (the mean label) rather than a misleading score.
    """
    y = np.clip(np.asarray(targets, dtype=np.float64), 0.0, 1.0)
    r = np.asarray(raw, dtype=np.float64)
    base = float(np.clip(y.mean(), 1e-6, 1.0 - 1e-6))
    base_logit = float(np.log(base / (1.0 - base)))
    center = float(r.mean())
    spread = float(r.std())
    if r.size < 2 or spread <= _EPS:
        return Calibration(slope=0.0, intercept=base_logit)
    z = (r - center) / spread
    a, b = 0.0, base_logit
    loss = _logistic_loss(z, y, a, b, l2)
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(a * z + b, -500.0, 500.0)))
        w = p * (1.0 - p)
        resid = p - y
        wz = _dot(w, z)
        grad = np.array([_dot(resid, z) + l2 * a, float(resid.sum())])
        hess = np.array([[_dot(w, z * z) + l2, wz], [wz, float(w.sum()) + _EPS]])
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        improved = False
        while scale >= 1e-6:
            na, nb = a - scale * float(step[0]), b - scale * float(step[1])
            new_loss = _logistic_loss(z, y, na, nb, l2)
            if new_loss <= loss:
                improved = True
                break
            scale *= 0.5
        if not improved:
            break
        converged = abs(na - a) + abs(nb - b) < 1e-10
        a, b, loss = na, nb, new_loss
        if converged:
            break
    if a <= 0.0:
        return Calibration(slope=0.0, intercept=base_logit)
    return Calibration(slope=a / spread, intercept=b - a * center / spread)
