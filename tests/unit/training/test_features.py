"""Hashed TF-IDF features: stable columns across processes, sparse algebra, caching."""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from u22a8.training.features import (
    CsrMatrix,
    FeatureCache,
    FeatureConfig,
    apply_idf,
    char_hash,
    char_ngrams,
    combine_hashes,
    count_features,
    dataset_identity,
    fit_idf,
    tokenize,
    word_hash,
)

WORDS = FeatureConfig(word_max_n=2, char_min_n=0, char_max_n=0)
MASK = 2**18 - 1
SHARED = Path(__file__).resolve().parents[3] / "shared"

_DIGEST_SCRIPT = """
import hashlib, sys
from u22a8.training.features import FeatureConfig, count_features
texts = ["The plan is simple and clear.", "Leverage synergy; then, next, finally!", "x"]
m = count_features(texts, FeatureConfig())
h = hashlib.sha256()
for a in (m.indptr, m.indices.astype("int64"), m.data):
    h.update(a.tobytes())
print(h.hexdigest())
"""


def _digest(matrix: CsrMatrix) -> str:
    h = hashlib.sha256()
    for array in (matrix.indptr, matrix.indices.astype("int64"), matrix.data):
        h.update(array.tobytes())
    return h.hexdigest()


def test_known_ngrams_have_fixed_columns() -> None:
    # Pinned values: a change here silently invalidates every stored model.
    assert word_hash("clarity") & MASK == 45891
    assert char_hash(" cl") & MASK == 257726
    pair = combine_hashes(
        np.array([word_hash("therefore")], dtype=np.uint64),
        np.array([word_hash("then")], dtype=np.uint64),
    )
    assert int(pair[0]) & MASK == 212636


def test_counts_use_those_columns_with_sublinear_tf() -> None:
    matrix = count_features(["Clarity clarity flow", ""], WORDS)
    assert matrix.n_rows == 2
    assert matrix.indptr[2] == matrix.indptr[1]  # the empty text has no entries
    row = dict(zip(matrix.indices.tolist(), matrix.data.tolist(), strict=True))
    assert row[45891] == pytest.approx(1.0 + math.log(2.0))
    # unigrams clarity, flow and bigrams (clarity clarity), (clarity flow)
    assert matrix.nnz == 4


def test_features_are_identical_in_processes_with_different_hash_seeds() -> None:
    texts = ["The plan is simple and clear.", "Leverage synergy; then, next, finally!", "x"]
    expected = _digest(count_features(texts, FeatureConfig()))
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(SHARED)}
        out = subprocess.run(
            [sys.executable, "-c", _DIGEST_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == expected


def test_tokens_and_word_boundary_char_ngrams() -> None:
    assert tokenize("Don't STOP: naïve café's 42!") == ["don't", "stop", "naïve", "café's", "42"]
    assert char_ngrams("ab", 3, 5) == [" ab", "ab ", " ab "]
    assert char_ngrams("word", 5, 5) == [" word", "word "]


def test_char_ngrams_do_not_cross_words() -> None:
    chars_only = FeatureConfig(word_max_n=0, char_min_n=3, char_max_n=3)
    together = count_features(["ab cd"], chars_only)
    expected = {char_hash(g) & MASK for g in [" ab", "ab ", " cd", "cd "]}
    assert set(together.indices.tolist()) == expected


def test_bigrams_do_not_span_two_texts() -> None:
    matrix = count_features(["alpha", "beta"], WORDS)
    assert matrix.nnz == 2  # one unigram each, no (alpha, beta) bigram


def test_idf_is_smoothed_and_learned_from_the_chosen_rows() -> None:
    tf = count_features(["red blue", "red", "green"], FeatureConfig(1, 0, 0))
    red, blue, green = (word_hash(w) & MASK for w in ("red", "blue", "green"))
    idf = fit_idf(tf)
    assert idf[red] == pytest.approx(math.log(4 / 3) + 1)
    assert idf[blue] == pytest.approx(math.log(4 / 2) + 1)
    assert idf[12345] == pytest.approx(math.log(4 / 1) + 1)  # never seen
    first_two = fit_idf(tf, np.array([True, True, False]))
    assert first_two[green] == pytest.approx(math.log(3 / 1) + 1)
    assert first_two[red] == pytest.approx(math.log(3 / 3) + 1)


def test_tfidf_rows_are_unit_length_and_empty_rows_stay_empty() -> None:
    tf = count_features(["one two two", "!!!", "three"], FeatureConfig())
    x = apply_idf(tf, fit_idf(tf))
    norms = x.row_sq_norms()
    assert norms[0] == pytest.approx(1.0)
    assert norms[1] == 0.0
    assert norms[2] == pytest.approx(1.0)


def test_sparse_operations_match_dense_algebra() -> None:
    rng = np.random.default_rng(3)
    dense = rng.random((6, 8)) * (rng.random((6, 8)) < 0.4)
    dense[2] = 0.0  # an empty row in the middle
    dense[5] = 0.0  # and at the end
    rows, cols = np.nonzero(dense)
    indptr = np.zeros(7, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=6), out=indptr[1:])
    matrix = CsrMatrix(indptr, cols.astype(np.intp), dense[rows, cols], 8)
    vector = rng.random(8)
    weights = rng.random(6)
    np.testing.assert_allclose(matrix.to_dense(), dense)
    np.testing.assert_allclose(matrix.matvec(vector), dense @ vector)
    np.testing.assert_allclose(matrix.rmatvec(weights), weights @ dense)
    np.testing.assert_allclose(matrix.row_sq_norms(), (dense**2).sum(axis=1))
    picked = np.array([4, 2, 0], dtype=np.int64)
    np.testing.assert_allclose(matrix.take_rows(picked).to_dense(), dense[picked])


def test_feature_config_validation_and_round_trip() -> None:
    config = FeatureConfig(word_max_n=1, char_min_n=2, char_max_n=4, n_features=2**16)
    assert FeatureConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="power of two"):
        FeatureConfig(n_features=1000)
    with pytest.raises(ValueError, match="at least one"):
        FeatureConfig(word_max_n=0, char_min_n=0, char_max_n=0)
    with pytest.raises(ValueError, match="char_min_n"):
        FeatureConfig(char_min_n=5, char_max_n=3)


def test_cache_featurises_once_per_dataset_and_config() -> None:
    cache = FeatureCache(max_entries=2)
    texts = ["a first text", "a second one"]
    first = cache.term_frequencies(texts, WORDS, "ds-1")
    assert cache.term_frequencies(texts, WORDS, "ds-1") is first
    assert (cache.hits, cache.misses) == (1, 1)
    other = cache.term_frequencies(texts, FeatureConfig(), "ds-1")
    assert other is not first
    cache.term_frequencies(texts, WORDS, "ds-2")  # evicts the least recently used entry
    assert cache.term_frequencies(texts, WORDS, "ds-1") is not first
    assert cache.misses == 4


def test_cache_rejects_an_id_reused_for_other_texts() -> None:
    cache = FeatureCache()
    cache.term_frequencies(["one", "two"], WORDS, "same-id")
    with pytest.raises(ValueError, match="reused"):
        cache.term_frequencies(["one"], WORDS, "same-id")


def test_dataset_identity_depends_on_content_order_and_boundaries() -> None:
    base = dataset_identity(["ab", "c"])
    assert base == dataset_identity(["ab", "c"])
    assert base != dataset_identity(["a", "bc"])
    assert base != dataset_identity(["c", "ab"])
