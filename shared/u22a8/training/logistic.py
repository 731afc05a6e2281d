"""Class-balanced, L2-regularised logistic regression on sparse rows, fitted with L-BFGS in numpy.

This is what "learned prototypes" are fitted with (``u22a8.training.learned``): the Lambda layer
may not ship scikit-learn or SciPy, and the problem is small enough (a few thousand rows of a few
hundred non-zero hashed columns each) that a plain L-BFGS with a backtracking line search
converges in well under a hundred passes over the data. Targets may be any value in 0..1 (graded
labels are soft targets; cross-entropy is defined for them), and each sample carries a weight
(class balance). The objective is scikit-learn's: ``C * sum(weight * loss) + |w|^2 / 2``, with an
unpenalised intercept, so ``C`` means what it means there.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .features import CsrMatrix

#: Stop when the gradient's largest entry is below this fraction of its value at the start.
DEFAULT_TOLERANCE = 1e-3
#: Ranking (AUC) settles long before the loss does: on real text (bench/quality.py) the held-out
#: AUC moves by under 0.001 after about 40 iterations, and stopping early also regularises.
DEFAULT_MAX_ITERATIONS = 40
_HISTORY = 10
_ARMIJO = 1e-4


@dataclass(frozen=True, slots=True)
class LogisticFit:
    """Weights over the matrix's columns, the intercept, and how the solver ended."""

    weights: NDArray[np.float64]
    intercept: float
    iterations: int
    converged: bool


def _dot(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Inner product without BLAS (see ``objective._dot``: threaded BLAS is slow on a busy host)."""
    return float(np.einsum("i,i->", a, b))


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


class _Problem:
    """Loss and gradient of the weighted, regularised logistic loss, with ``C`` folded in.

    The matrix is also kept column by column (its entries sorted by column, once), so that the
    gradient ``x.T @ r`` is a gather and a ``reduceat`` rather than a scatter (``bincount``):
    about twice as fast on matrices of millions of entries.
    """

    def __init__(
        self,
        x: CsrMatrix,
        targets: NDArray[np.float64],
        weights: NDArray[np.float64],
        c: float,
    ) -> None:
        self.x = x
        self.targets = targets
        self.cw = c * weights
        order = x.column_order()
        self.col_rows = x.row_ids()[order]
        self.col_data = x.data[order]
        col_counts = np.bincount(x.indices, minlength=x.n_cols)
        self.nonempty_cols = col_counts > 0
        self.col_starts = (np.cumsum(col_counts) - col_counts)[self.nonempty_cols]

    def evaluate(self, theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        w, b = theta[:-1], float(theta[-1])
        z = self.x.matvec(w) + b
        # softplus(z) - t z, stably; the weighted sum is the data term.
        loss = _dot(self.cw, np.logaddexp(0.0, z) - self.targets * z)
        loss += 0.5 * _dot(w, w)
        residual = self.cw * (_sigmoid(z) - self.targets)
        grad = np.zeros_like(theta)
        if self.col_data.size:
            grad[:-1][self.nonempty_cols] = np.add.reduceat(
                residual[self.col_rows] * self.col_data, self.col_starts
            )
        grad[:-1] += w
        grad[-1] = float(residual.sum())
        return loss, grad


def fit_logistic(
    x: CsrMatrix,
    targets: NDArray[np.float64],
    weights: NDArray[np.float64],
    c: float,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> LogisticFit:
    """Minimise ``c * sum(weights * cross_entropy(sigmoid(x w + b), targets)) + |w|^2 / 2``.

    Starts from zero. Deterministic: the same input gives the same bits.
    """
    if x.n_rows != targets.size or targets.size != weights.size:
        raise ValueError("one target and one weight per row")
    if not c > 0.0:
        raise ValueError("c must be > 0")
    problem = _Problem(x, targets, weights, c)
    theta = np.zeros(x.n_cols + 1)
    loss, grad = problem.evaluate(theta)
    threshold = tolerance * max(float(np.abs(grad).max()), 1e-12)
    s_hist: deque[NDArray[np.float64]] = deque(maxlen=_HISTORY)
    y_hist: deque[NDArray[np.float64]] = deque(maxlen=_HISTORY)
    rho_hist: deque[float] = deque(maxlen=_HISTORY)
    iterations = 0
    converged = float(np.abs(grad).max()) <= threshold
    while not converged and iterations < max_iterations:
        direction = _two_loop(grad, s_hist, y_hist, rho_hist)
        slope = _dot(grad, direction)
        if slope >= 0.0:  # not a descent direction (numerical trouble): restart from steepest
            s_hist.clear()
            y_hist.clear()
            rho_hist.clear()
            direction = -grad
            slope = -_dot(grad, grad)
        step = 1.0 if s_hist else min(1.0, 1.0 / max(float(np.abs(grad).sum()), 1e-12))
        while True:
            candidate = theta + step * direction
            new_loss, new_grad = problem.evaluate(candidate)
            if new_loss <= loss + _ARMIJO * step * slope or step < 1e-10:
                break
            step *= 0.5
        s = candidate - theta
        y = new_grad - grad
        sy = _dot(s, y)
        if sy > 1e-12:
            s_hist.append(s)
            y_hist.append(y)
            rho_hist.append(1.0 / sy)
        improvement = loss - new_loss
        theta, loss, grad = candidate, new_loss, new_grad
        iterations += 1
        converged = float(np.abs(grad).max()) <= threshold or improvement <= 1e-12 * max(
            abs(loss), 1.0
        )
    return LogisticFit(
        weights=theta[:-1].copy(),
        intercept=float(theta[-1]),
        iterations=iterations,
        converged=converged,
    )


def _two_loop(
    grad: NDArray[np.float64],
    s_hist: deque[NDArray[np.float64]],
    y_hist: deque[NDArray[np.float64]],
    rho_hist: deque[float],
) -> NDArray[np.float64]:
    """L-BFGS's two-loop recursion: minus the inverse-Hessian estimate times the gradient."""
    q = grad.copy()
    alphas: list[float] = []
    for s, y, rho in zip(reversed(s_hist), reversed(y_hist), reversed(rho_hist), strict=True):
        alpha = rho * _dot(s, q)
        alphas.append(alpha)
        q -= alpha * y
    if s_hist:
        s, y = s_hist[-1], y_hist[-1]
        q *= _dot(s, y) / _dot(y, y)
    for (s, y, rho), alpha in zip(
        zip(s_hist, y_hist, rho_hist, strict=True), reversed(alphas), strict=True
    ):
        beta = rho * _dot(y, q)
        q += (alpha - beta) * s
    return -q
