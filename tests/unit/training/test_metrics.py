"""Rank metrics against values worked out by hand (scipy is deliberately not a dependency)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from u22a8.training.metrics import average_ranks, roc_auc, spearman


def test_average_ranks_give_ties_the_mean_of_their_ranks() -> None:
    # sorted: 10 (rank 1), 20 20 (ranks 2,3 -> 2.5), 30 (4), 40 40 40 (5,6,7 -> 6)
    ranks = average_ranks([40, 20, 10, 40, 30, 20, 40])
    assert ranks.tolist() == [6.0, 2.5, 1.0, 6.0, 4.0, 2.5, 6.0]


def test_spearman_perfect_and_reversed_order() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [9, 7, 5, 1]) == pytest.approx(-1.0)


def test_spearman_hand_computed_without_ties() -> None:
    # ranks x = 1 2 3 4 5, ranks y = 2 1 4 3 5; d^2 sum = 1+1+1+1+0 = 4
    # rho = 1 - 6*4 / (5*(25-1)) = 1 - 24/120 = 0.8
    assert spearman([1, 2, 3, 4, 5], [0.2, 0.1, 0.4, 0.3, 0.5]) == pytest.approx(0.8)


def test_spearman_hand_computed_with_ties() -> None:
    # x ranks: 1, 2.5, 2.5, 4 ; y ranks: 1, 2, 3, 4
    # centred x: -1.5, 0, 0, 1.5 ; centred y: -1.5, -0.5, 0.5, 1.5
    # cov = 2.25 + 0 + 0 + 2.25 = 4.5 ; |x| = sqrt(4.5), |y| = sqrt(5)
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(4.5 / math.sqrt(4.5 * 5))


def test_spearman_of_a_constant_is_reported_as_zero() -> None:
    assert spearman([0.3, 0.3, 0.3], [1, 2, 3]) == 0.0
    assert spearman([1.0], [2.0]) == 0.0


def test_auc_hand_computed_with_a_tie() -> None:
    # positives 0.9, 0.4 ; negatives 0.4, 0.1
    # pairs: (0.9>0.4) 1, (0.9>0.1) 1, (0.4=0.4) 0.5, (0.4>0.1) 1 -> 3.5 / 4
    positive = np.array([True, True, False, False])
    assert roc_auc(positive, [0.9, 0.4, 0.4, 0.1]) == pytest.approx(0.875)


def test_auc_extremes_and_constant_scorer() -> None:
    positive = [True, False, True, False]
    assert roc_auc(positive, [0.9, 0.1, 0.8, 0.2]) == 1.0
    assert roc_auc(positive, [0.1, 0.9, 0.2, 0.8]) == 0.0
    assert roc_auc(positive, [0.5, 0.5, 0.5, 0.5]) == 0.5


def test_auc_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="positive and one negative"):
        roc_auc([True, True], [0.1, 0.2])


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="length"):
        spearman([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="length"):
        roc_auc([True, False], [1.0])
