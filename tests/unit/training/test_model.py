"""Fitting, scoring, serialisation and the pieces of the balanced_cosine objective."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from u22a8.training import (
    FeatureCache,
    FittedModel,
    TrainingError,
    TrainingParams,
    fit,
    train,
)
from u22a8.training.features import apply_idf, count_features, fit_idf
from u22a8.training.objective import build_prototypes, fit_calibration, shrink
from u22a8.training.search import plan_candidates

from .test_quality import CRITERIA, make_dataset

ODD_TEXTS = [
    "Therefore the plan is simple and clear.",
    "!!!",  # no word at all
    "Wait. We leverage holistic synergies. Stop.",
    "naïve café, 東京 — ünïcödé",
    "x" * 20_000,
]


@pytest.fixture(scope="module")
def model() -> FittedModel:
    return fit(make_dataset(120, seed=3), CRITERIA, TrainingParams(), cache=FeatureCache())


def test_scores_every_criterion_in_zero_to_one(model: FittedModel) -> None:
    scores = model.score(ODD_TEXTS)
    assert len(scores) == len(ODD_TEXTS)
    for row in scores:
        assert set(row) == set(CRITERIA)
        assert all(0.0 <= v <= 1.0 for v in row.values())
        assert all(isinstance(v, float) for v in row.values())
    assert model.score([]) == []


def test_round_trip_gives_identical_scores(model: FittedModel) -> None:
    blob = model.to_bytes()
    loaded = FittedModel.from_bytes(blob)
    texts = ODD_TEXTS + [s.text for s in make_dataset(30, seed=99)]
    assert np.array_equal(loaded.score_matrix(texts), model.score_matrix(texts))
    assert loaded.criteria == model.criteria
    assert loaded.params == model.params
    assert loaded.to_bytes() == blob


def test_serialised_form_is_an_npz_with_a_json_header(model: FittedModel) -> None:
    blob = model.to_bytes()
    with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
        assert set(archive.files) == {"header", "idf", "means", "deltas"}
        header = json.loads(archive["header"].tobytes())
        assert archive["means"].dtype == np.float32
    assert header["objective"] == "balanced_cosine"
    assert header["criteria"] == CRITERIA
    assert header["version"] == 2
    assert len(blob) < 1_000_000


def test_bad_bytes_are_rejected_with_a_training_error(model: FittedModel) -> None:
    with pytest.raises(TrainingError) as caught:
        FittedModel.from_bytes(b"not a model")
    assert caught.value.code == "invalid-model"
    with pytest.raises(TrainingError):
        FittedModel.from_bytes(model.to_bytes()[:100])
    # A future format version must not be misread as this one.
    buffer = io.BytesIO()
    with np.load(io.BytesIO(model.to_bytes()), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays["header"].tobytes()) | {"version": 99}
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez_compressed(buffer, **arrays)
    with pytest.raises(TrainingError, match="version 99"):
        FittedModel.from_bytes(buffer.getvalue())
    assert zipfile.is_zipfile(io.BytesIO(model.to_bytes()))


def test_training_is_deterministic() -> None:
    samples = make_dataset(100, seed=21)
    first = train(samples, CRITERIA, "low", cache=FeatureCache())
    second = train(samples, CRITERIA, "low", cache=FeatureCache())
    assert first[2] == second[2]
    assert first[1] == second[1]
    assert first[0].to_bytes() == second[0].to_bytes()
    assert first[2] in plan_candidates("low")


def test_prototypes_are_class_balanced() -> None:
    # Repeating every high sample (class imbalance) must not move either prototype.
    samples = make_dataset(60, seed=6)
    texts = [s.text for s in samples]
    tf = count_features(texts + texts, TrainingParams().features)
    x = apply_idf(tf, fit_idf(tf))
    scores = np.array([s.scores.get("Clarity", 0.0) for s in samples])
    rows = np.arange(len(samples), dtype=np.int64)
    params = TrainingParams()
    once = build_prototypes(x, rows, scores, params)
    high = np.flatnonzero(scores >= 0.5)
    twice_rows = np.concatenate([rows, high + len(samples)])
    twice_scores = np.concatenate([scores, scores[high]])
    twice = build_prototypes(x, twice_rows, twice_scores, params)
    np.testing.assert_allclose(twice.mean, once.mean, atol=1e-12)
    np.testing.assert_allclose(twice.delta, once.delta, atol=1e-12)


def test_shrink_zeroes_small_differences_and_keeps_signs() -> None:
    delta = np.array([0.0, 0.5, -0.4, 0.05, -0.02])
    assert shrink(delta, 0.0) is delta
    shrunk = shrink(delta, 0.5)
    rms = np.sqrt(np.mean(delta[1:] ** 2))
    np.testing.assert_allclose(shrunk, [0.0, 0.5 - rms / 2, -0.4 + rms / 2, 0.0, 0.0])


def test_calibration_fits_a_monotonic_curve_or_falls_back_to_the_mean() -> None:
    rng = np.random.default_rng(0)
    raw = rng.normal(size=400)
    targets = 1.0 / (1.0 + np.exp(-(3.0 * raw - 0.5)))
    fitted = fit_calibration(raw, targets, l2=1e-6)
    assert fitted.slope == pytest.approx(3.0, rel=1e-3)
    assert fitted.intercept == pytest.approx(-0.5, abs=1e-3)
    inverted = fit_calibration(-raw, targets, l2=1.0)
    assert inverted.slope == 0.0
    assert inverted.apply(np.array([5.0]))[0] == pytest.approx(targets.mean())
    flat = fit_calibration(np.zeros(10), np.linspace(0, 1, 10), l2=1.0)
    assert flat.slope == 0.0
