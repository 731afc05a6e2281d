"""The numpy L-BFGS logistic fit: scikit-learn's solution, soft targets, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from u22a8.training.features import CsrMatrix
from u22a8.training.logistic import _Problem, fit_logistic


def _problem(seed: int) -> tuple[CsrMatrix, NDArray[np.float64], NDArray[np.float64]]:
    """Sparse rows with a planted linear signal, classes unbalanced 1:3."""
    rng = np.random.default_rng(seed)
    dense = rng.random((300, 60)) * (rng.random((300, 60)) < 0.15)
    dense /= np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-12)
    truth = rng.normal(size=60)
    score = dense @ truth + rng.normal(scale=0.3, size=300)
    labels = (score > np.quantile(score, 0.75)).astype(np.float64)
    rows, cols = np.nonzero(dense)
    indptr = np.zeros(301, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=300), out=indptr[1:])
    x = CsrMatrix(indptr, cols.astype(np.intp), dense[rows, cols], 60)
    weights = np.where(labels == 1.0, 300 / (2 * labels.sum()), 300 / (2 * (300 - labels.sum())))
    return x, labels, weights


@pytest.mark.parametrize("c", [0.1, 1.0, 10.0])
def test_the_solution_is_scikit_learns(c: float) -> None:
    x, labels, weights = _problem(seed=1)
    ours = fit_logistic(x, labels, weights, c, tolerance=1e-8, max_iterations=2000)
    peer = LogisticRegression(C=c, tol=1e-10, max_iter=10_000).fit(
        x.to_dense(), labels, sample_weight=weights
    )
    assert ours.converged
    assert np.allclose(ours.weights, peer.coef_[0], atol=1e-4)
    assert ours.intercept == pytest.approx(float(peer.intercept_[0]), abs=1e-4)


def test_a_soft_target_is_the_same_as_both_labels_weighted_by_it() -> None:
    """Cross-entropy with target t equals a sample labelled 1 with weight t plus one labelled 0
    with weight 1 - t: graded labels are used as such, not thresholded."""
    x, labels, weights = _problem(seed=2)
    soft = np.clip(labels * 0.8 + 0.1 + 0.05 * np.sin(np.arange(labels.size)), 0.0, 1.0)
    doubled = x.take_rows(np.concatenate([np.arange(x.n_rows), np.arange(x.n_rows)]))
    hard = np.concatenate([np.ones(x.n_rows), np.zeros(x.n_rows)])
    split_weights = np.concatenate([weights * soft, weights * (1.0 - soft)])
    a = fit_logistic(x, soft, weights, 2.0, tolerance=1e-9, max_iterations=3000)
    b = fit_logistic(doubled, hard, split_weights, 2.0, tolerance=1e-9, max_iterations=3000)
    assert np.allclose(a.weights, b.weights, atol=1e-5)
    thresholded = fit_logistic(x, labels, weights, 2.0, tolerance=1e-9, max_iterations=3000)
    assert not np.allclose(a.weights, thresholded.weights, atol=1e-3)


def test_the_gradient_vanishes_at_the_solution() -> None:
    x, labels, weights = _problem(seed=3)
    fitted = fit_logistic(x, labels, weights, 1.0, tolerance=1e-7, max_iterations=2000)
    theta = np.append(fitted.weights, fitted.intercept)
    _, grad = _Problem(x, labels, weights, 1.0).evaluate(theta)
    assert float(np.abs(grad).max()) < 1e-5


def test_it_is_deterministic_and_stops_at_the_iteration_cap() -> None:
    x, labels, weights = _problem(seed=4)
    a = fit_logistic(x, labels, weights, 100.0, max_iterations=5)
    b = fit_logistic(x, labels, weights, 100.0, max_iterations=5)
    assert a.iterations == 5
    assert not a.converged
    assert a.weights.tobytes() == b.weights.tobytes()
    assert a.intercept == b.intercept


def test_bad_input_is_refused() -> None:
    x, labels, weights = _problem(seed=5)
    with pytest.raises(ValueError, match="one target and one weight"):
        fit_logistic(x, labels[:-1], weights, 1.0)
    with pytest.raises(ValueError, match="c must be"):
        fit_logistic(x, labels, weights, 0.0)
