"""The pure-Python scorer gives what the numpy ``FittedModel`` gives, for the same artifact bytes.

Models of every feature configuration the search uses (and a few more: character n-grams only,
word trigrams, a tiny hashed space full of collisions) are fitted once per module by
``u22a8.training``; hypothesis then throws arbitrary texts at both scorers.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.synthetic import labelled_samples
from u22a8.scoring.artifact import floats
from u22a8.scoring.features import FeatureConfig, column_counts
from u22a8.scoring.scorer import (
    EPS,
    CriterionScorer,
    Scorer,
    column_major,
    gatherer,
    nonzero_support,
)
from u22a8.training import FeatureCache, FittedModel, LabelledSample, TrainingParams, fit, objective
from u22a8.training.features import count_features
from u22a8.training.search import BLOCKS, SHORT_CHARS, WORDS_AND_CHARS, WORDS_ONLY

TOLERANCE = 1e-9
CRITERIA = ("Clarity", "Flow", "Tone")

PARAMS = {
    "words-and-chars, centred": TrainingParams(features=WORDS_AND_CHARS),
    "words-and-chars, uncentred, shrunk": TrainingParams(
        features=WORDS_AND_CHARS, centered=False, shrinkage=1.0
    ),
    "words only, uncentred, graded": TrainingParams(
        features=WORDS_ONLY, centered=False, weighting="graded"
    ),
    "words only, centred, heavily shrunk": TrainingParams(features=WORDS_ONLY, shrinkage=2.0),
    "short chars, graded": TrainingParams(features=SHORT_CHARS, weighting="graded", shrinkage=0.5),
    "chars only": TrainingParams(features=FeatureConfig(word_max_n=0, char_min_n=1, char_max_n=3)),
    "word trigrams": TrainingParams(
        features=FeatureConfig(word_max_n=3, char_min_n=0, char_max_n=0), centered=False
    ),
    "tiny space (collisions)": TrainingParams(
        features=FeatureConfig(word_max_n=2, char_min_n=2, char_max_n=3, n_features=2**8)
    ),
    "learned, NB-weighted, split blocks": TrainingParams(
        features=BLOCKS, prototypes="learned", centered=False, c=4.0, nb_weighted=True
    ),
    "learned, interpolated NBSVM (what the search picks on real text)": TrainingParams(
        features=BLOCKS,
        prototypes="learned",
        centered=False,
        c=16.0,
        nb_weighted=True,
        nb_interpolation=0.05,
    ),
    "learned, words and chars": TrainingParams(
        features=WORDS_AND_CHARS, prototypes="learned", centered=False, c=0.5
    ),
    "learned, split blocks, tiny space": TrainingParams(
        features=FeatureConfig(2, 2, 3, n_features=2**8, split_blocks=True),
        prototypes="learned",
        centered=False,
    ),
}

WORDS = [
    *("simple", "clear", "synergy", "leverage", "therefore", "then", "stop", "wait", "the"),
    *("don't", "café", "naïve", "東京", "ünïcödé", "report", "x", "a1", "—", "it\u2019s", "ß"),
]
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join),
    st.lists(
        st.tuples(st.sampled_from(WORDS), st.sampled_from([" ", ", ", "! ", "\n", "'", "-", ""])),
        max_size=80,
    ).map(lambda pairs: "".join(w + sep for w, sep in pairs)),
    st.sampled_from(["", " ", "!!!", "...", "\u2019", "a", "A A A A", "x " * 2000, "é" * 500]),
)


def _samples(count: int, seed: int) -> list[LabelledSample]:
    return [LabelledSample(s["text"], s["scores"]) for s in labelled_samples(count, CRITERIA, seed)]


@pytest.fixture(scope="module")
def models() -> dict[str, tuple[FittedModel, bytes]]:
    samples = _samples(80, seed=3)
    out = {}
    for name, params in PARAMS.items():
        model = fit(samples, CRITERIA, params, cache=FeatureCache())
        out[name] = (model, model.to_bytes())
    return out


def _assert_same(expected: list[dict[str, float]], actual: list[dict[str, float]]) -> None:
    assert len(actual) == len(expected)
    for want, got in zip(expected, actual, strict=True):
        assert list(got) == list(want)  # the same criteria, in the same order
        for name, value in want.items():
            assert 0.0 <= got[name] <= 1.0
            assert math.isclose(got[name], value, rel_tol=0.0, abs_tol=TOLERANCE), name


@pytest.mark.parametrize("name", list(PARAMS))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(texts, min_size=1, max_size=6))
def test_scores_equal_the_numpy_model(
    models: dict[str, tuple[FittedModel, bytes]], name: str, batch: list[str]
) -> None:
    model, blob = models[name]
    scorer = Scorer.from_bytes(blob)
    _assert_same(model.score(batch), scorer.score(batch))
    raw = model.raw_scores(batch)
    assert np.allclose(raw, scorer.raw_scores(batch), rtol=0.0, atol=TOLERANCE)


def _without_saved_contrasts(model: FittedModel, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The artifact as written before models saved their contrasts (the scorer computes them)."""
    header = FittedModel.header
    with monkeypatch.context() as patch:
        patch.setattr(
            FittedModel,
            "header",
            lambda self: {k: v for k, v in header(self).items() if k != "contrasts"},
        )
        return model.to_bytes()


@pytest.mark.parametrize("name", ["words-and-chars, centred", "words only, uncentred, graded"])
def test_every_layout_scores_the_same(
    models: dict[str, tuple[FittedModel, bytes]], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saved contrasts: float32 views, nothing computed at load. Without them (older artifacts):
    the contrasts are computed, and the prototypes kept as column blocks, or as float32 views
    when they have more non-zero values than the budget."""
    model, blob = models[name]
    legacy = _without_saved_contrasts(model, monkeypatch)
    saved = Scorer.from_bytes(blob)
    dense = Scorer.from_bytes(legacy, tuple_budget=0)
    sparse = Scorer.from_bytes(legacy)
    assert saved.positions is None
    assert dense.positions is None
    assert sparse.positions is not None
    batch = [s.text for s in _samples(12, seed=11)] + ["", "naïve café 東京"]
    for scorer in (saved, dense, sparse):
        _assert_same(model.score(batch), scorer.score(batch))
    for a, b, c in zip(saved.scorers, dense.scorers, sparse.scorers, strict=True):
        assert (a.mm, a.md, a.dd) == pytest.approx((b.mm, b.md, b.dd), rel=1e-12)
        assert (b.mm, b.md, b.dd) == pytest.approx((c.mm, c.md, c.dd), rel=1e-12)
    # the saved ones are numpy's own
    for criterion, prototypes in zip(saved.scorers, model.prototypes, strict=True):
        assert (criterion.mm, criterion.md, criterion.dd) == prototypes.contrast()


def test_scores_of_the_samples_themselves_equal_the_numpy_model(
    models: dict[str, tuple[FittedModel, bytes]],
) -> None:
    batch = [s.text for s in _samples(100, seed=3)]
    for model, blob in models.values():
        _assert_same(model.score(batch), Scorer.from_bytes(blob).score(batch))


def test_the_header_is_read_as_the_numpy_model_reads_it(
    models: dict[str, tuple[FittedModel, bytes]],
) -> None:
    for model, blob in models.values():
        scorer = Scorer.from_bytes(blob)
        assert scorer.params == model.params
        assert scorer.criteria == model.criteria
        assert scorer.n_samples == model.n_samples
        for criterion, calibration in zip(scorer.scorers, model.calibrations, strict=True):
            assert (criterion.slope, criterion.intercept) == (
                calibration.slope,
                calibration.intercept,
            )
        for criterion, protos in zip(scorer.scorers, model.prototypes, strict=True):
            assert criterion.mm == pytest.approx(float(protos.mean @ protos.mean), rel=1e-12)
            assert criterion.md == pytest.approx(float(protos.mean @ protos.delta), rel=1e-12)
            assert criterion.dd == pytest.approx(float(protos.delta @ protos.delta), rel=1e-12)


def test_constants_match_the_objective() -> None:
    assert objective._EPS == EPS


@settings(max_examples=150, deadline=None)
@given(
    batch=st.lists(texts, min_size=1, max_size=5),
    config=st.sampled_from(
        [
            WORDS_AND_CHARS,
            WORDS_ONLY,
            SHORT_CHARS,
            FeatureConfig(word_max_n=0, char_min_n=1, char_max_n=1),
            FeatureConfig(word_max_n=4, char_min_n=0, char_max_n=0, n_features=2**4),
            BLOCKS,
            FeatureConfig(1, 1, 2, n_features=2**4, split_blocks=True),
        ]
    ),
)
def test_column_counts_equal_count_features(batch: list[str], config: FeatureConfig) -> None:
    """The pure-Python counts have exactly the numpy counts' columns and log-scaled values."""
    matrix = count_features(batch, config)
    counts = column_counts(batch, config)
    for row, counter in enumerate(counts):
        start, end = int(matrix.indptr[row]), int(matrix.indptr[row + 1])
        assert [int(c) for c in matrix.indices[start:end]] == sorted(counter)
        expected = [1.0 + math.log(counter[c]) for c in sorted(counter)]
        assert np.allclose(matrix.data[start:end], expected, rtol=1e-15, atol=0.0)


def test_gatherer_handles_zero_one_and_many_keys() -> None:
    values = [0.5, 1.5, 2.5]
    assert tuple(gatherer([])(values)) == ()
    assert tuple(gatherer([2])(values)) == (2.5,)
    assert tuple(gatherer([2, 0])(values)) == (2.5, 0.5)


def test_support_is_every_column_with_a_non_zero_bit() -> None:
    n = 16
    rows = [np.zeros(n, dtype="<f4") for _ in range(2)]
    rows[0][3] = 1.0
    rows[1][3] = -2.0
    rows[1][8] = -0.0  # a zero, but its sign bit makes it part of the (harmless) superset
    support = nonzero_support([memoryview(r.tobytes()) for r in rows], n)
    assert set(support) >= {3, 8}
    assert support == sorted(support)
    assert all(c // 2 in {1, 4} for c in support)  # only the words of the non-zero columns
    assert nonzero_support([memoryview(np.zeros(n, dtype="<f4").tobytes())], n) == []


def test_float32_buffers_read_the_same_on_either_byte_order() -> None:
    little = memoryview(struct.pack("<3f", 1.5, -2.0, 0.25))
    big = memoryview(struct.pack(">3f", 1.5, -2.0, 0.25))
    assert list(floats(little)) == [1.5, -2.0, 0.25]
    # On a big-endian host the little-endian payload arrives byte-swapped, as ``big`` does here.
    assert list(floats(big, little_endian=False)) == [1.5, -2.0, 0.25]
    rows = [memoryview(struct.pack("<2f", 1.0, 2.0)), memoryview(struct.pack("<2f", 3.0, 4.0))]
    assert column_major(rows, [0, 1]) == [1.0, 3.0, 2.0, 4.0]
    swapped = [memoryview(struct.pack(">2f", 1.0, 2.0)), memoryview(struct.pack(">2f", 3.0, 4.0))]
    assert column_major(swapped, [1], little_endian=False) == [2.0, 4.0]
    assert column_major(rows, []) == []


def test_one_criterion_and_an_empty_batch() -> None:
    model = fit(_samples(40, seed=5), CRITERIA[:1], TrainingParams(), cache=FeatureCache())
    scorer = Scorer.from_bytes(model.to_bytes())
    assert scorer.score(["a text", ""]) == model.score(["a text", ""])
    assert scorer.score([]) == []


def test_calibration_saturates_like_numpy() -> None:
    """slope * raw + intercept is clipped to +-500 before the sigmoid, as in Calibration.apply."""
    raw = np.array([-1e6, -1.0, 0.0, 1.0, 1e6])
    for slope, intercept in [(0.0, 0.3), (2.0, -1.0), (1e4, 0.0)]:
        expected = objective.Calibration(slope, intercept).apply(raw)
        scorer = CriterionScorer("c", 1.0, 0.0, 1.0, slope, intercept)
        got = [scorer.calibrate(float(r)) for r in raw]
        assert np.allclose(got, expected, rtol=0.0, atol=1e-15)
