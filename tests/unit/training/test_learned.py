"""Learned prototypes: +w/-w around a zero mean, NB ratios, the weight budget."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from local.synthetic import labelled_samples
from u22a8.training import FeatureCache, LabelledSample, TrainingError, TrainingParams, fit
from u22a8.training.evaluate import collect_labels
from u22a8.training.features import apply_idf, count_features, fit_idf
from u22a8.training.learned import (
    balanced_weights,
    interpolate,
    keep_largest,
    learned_prototypes,
    nb_ratios,
)
from u22a8.training.search import BLOCKS

CRITERIA = ("Clarity", "Flow")
LEARNED = TrainingParams(
    features=BLOCKS, prototypes="learned", centered=False, c=4.0, nb_weighted=True
)


def _samples(count: int) -> list[LabelledSample]:
    return [LabelledSample(s["text"], s["scores"]) for s in labelled_samples(count, CRITERIA, 5)]


def test_learned_prototypes_are_plus_and_minus_w_and_keep_the_budget() -> None:
    samples = _samples(120)
    tf = count_features([s.text for s in samples], BLOCKS)
    x = apply_idf(tf, fit_idf(tf), BLOCKS)
    crit = collect_labels(samples, CRITERIA)[0]
    full = learned_prototypes(x, crit.rows, crit.scores, LEARNED)
    assert not full.centered
    assert not full.mean.any()
    assert np.count_nonzero(full.delta) > 50
    small = learned_prototypes(x, crit.rows, crit.scores, LEARNED, max_weights=50)
    assert np.count_nonzero(small.delta) == 50
    kept = np.flatnonzero(small.delta)
    assert np.allclose(small.delta[kept], full.delta[kept])
    assert np.abs(full.delta[kept]).min() >= np.abs(np.delete(full.delta, kept)).max()
    # the score is linear in the text's vector: high texts score above low ones in-sample
    raw = full.raw_scores(x.take_rows(crit.rows))
    assert raw[crit.high].mean() > raw[~crit.high].mean()


def test_nb_ratios_favour_the_class_an_ngram_occurs_in() -> None:
    samples = _samples(60)
    tf = count_features([s.text for s in samples], BLOCKS)
    x = apply_idf(tf, fit_idf(tf), BLOCKS)
    high = np.array([s.scores["Clarity"] >= 0.5 for s in samples])
    ratios = nb_ratios(x, high, balanced_weights(high))
    only_high = (x.rmatvec(high.astype(float)) > 0) & (x.rmatvec((~high).astype(float)) == 0)
    only_low = (x.rmatvec(high.astype(float)) == 0) & (x.rmatvec((~high).astype(float)) > 0)
    assert (ratios[only_high] > 0).all()
    assert (ratios[only_low] < 0).all()


def test_balanced_weights_give_each_class_half_the_total() -> None:
    high = np.array([True, False, False, False])
    weights = balanced_weights(high)
    assert weights[high].sum() == pytest.approx(2.0) == weights[~high].sum()
    with pytest.raises(TrainingError, match="both high and low"):
        balanced_weights(np.ones(3, dtype=bool))


def test_interpolate_mixes_the_mean_magnitude_with_the_fit() -> None:
    weights = np.array([2.0, -1.0, 0.0, 1.0])  # mean |w| = 1
    assert interpolate(weights, 1.0) is weights
    assert interpolate(weights, 0.25).tolist() == [1.25, 0.5, 0.75, 1.0]


def test_interpolated_prototypes_move_from_the_fit_towards_naive_bayes() -> None:
    samples = _samples(120)
    tf = count_features([s.text for s in samples], BLOCKS)
    x = apply_idf(tf, fit_idf(tf), BLOCKS)
    crit = collect_labels(samples, CRITERIA)[0]

    def delta(beta: float, max_weights: int = 2**30) -> np.ndarray:
        params = TrainingParams(
            features=BLOCKS,
            prototypes="learned",
            centered=False,
            c=4.0,
            nb_weighted=True,
            nb_interpolation=beta,
        )
        protos = learned_prototypes(x, crit.rows, crit.scores, params, max_weights=max_weights)
        return protos.delta

    fitted, half, quarter = delta(1.0), delta(0.5), delta(0.25)
    # affine in beta: delta(beta) = beta * fit + (1 - beta) * naive Bayes (mean |w| * ratios)
    naive_bayes = 2.0 * (half - 0.5 * fitted)
    assert np.allclose(quarter, 0.25 * fitted + 0.75 * naive_bayes)
    # the naive-Bayes part weighs every column the rows use, with the sign of its ratio
    used = np.unique(x.take_rows(crit.rows).indices)
    assert np.count_nonzero(naive_bayes) == used.size > np.count_nonzero(fitted) // 2
    rows = x.take_rows(crit.rows)
    in_high = rows.rmatvec(crit.high.astype(float)) > 0
    in_low = rows.rmatvec((~crit.high).astype(float)) > 0
    assert (naive_bayes[in_high & ~in_low] > 0).all()
    assert (naive_bayes[in_low & ~in_high] < 0).all()
    # under a budget it keeps the columns the fit weighs most, with their interpolated weights
    kept = np.flatnonzero(delta(1.0, max_weights=50))
    small = delta(0.25, max_weights=50)
    assert np.array_equal(np.flatnonzero(small), kept)
    assert np.allclose(small[kept], quarter[kept])


def test_keep_largest_keeps_the_largest_magnitudes() -> None:
    weights = np.array([0.1, -3.0, 0.0, 2.0, -0.5])
    assert keep_largest(weights, 2).tolist() == [0.0, -3.0, 0.0, 2.0, 0.0]
    assert keep_largest(weights, 4) is weights
    by = np.array([5.0, 0.1, 0.0, -4.0, 0.2])
    assert keep_largest(weights, 2, by=by).tolist() == [0.1, 0.0, 0.0, 2.0, 0.0]


def test_a_fitted_learned_model_round_trips_without_means() -> None:
    model = fit(_samples(80), CRITERIA, LEARNED, cache=FeatureCache())
    blob = model.to_bytes()
    assert "means.npy" not in zipfile.ZipFile(io.BytesIO(blob)).namelist()
    again = type(model).from_bytes(blob)
    texts = [s.text for s in _samples(10)]
    assert np.array_equal(again.score_matrix(texts), model.score_matrix(texts))
