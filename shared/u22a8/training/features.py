"""Text to sparse TF-IDF features in a fixed hashed space.

Hashing (instead of a learned vocabulary) keeps a fitted model small and lets any process turn a
text into the same columns, which is why the hash must be stable across processes: n-grams are
hashed with CRC-32 of their UTF-8 bytes, never with Python's per-process salted ``hash()``.

Features are word n-grams (1..``word_max_n``) and character n-grams taken within word boundaries
(each word padded with one space on both sides, as scikit-learn's ``char_wb``), so that character
n-grams capture morphology and spelling without mixing in the neighbouring word.

The feature space itself (``FeatureConfig``, tokenising and hashing) is defined, numpy-free, in
``u22a8.scoring.features`` and re-exported here; this module counts it for many texts with numpy.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from u22a8.scoring.features import (
    DEFAULT_N_FEATURES,
    MIX_ADD,
    MIX_MUL,
    MIX_MUL2,
    SHIFT_A,
    SHIFT_B,
    FeatureConfig,
    char_hash,
    char_ngrams,
    tokenize,
    word_hash,
)

__all__ = [
    "DEFAULT_N_FEATURES",
    "CsrMatrix",
    "FeatureCache",
    "FeatureConfig",
    "apply_idf",
    "char_hash",
    "char_ngrams",
    "combine_hashes",
    "count_features",
    "dataset_identity",
    "default_cache",
    "fit_idf",
    "tokenize",
    "word_hash",
]

_T = TypeVar("_T", bound=np.generic)

_MIX_MUL = np.uint64(MIX_MUL)
_MIX_ADD = np.uint64(MIX_ADD)
_MIX_MUL2 = np.uint64(MIX_MUL2)
_SHIFT_A = np.uint64(SHIFT_A)
_SHIFT_B = np.uint64(SHIFT_B)


@dataclass(frozen=True, slots=True, eq=False)
class CsrMatrix:
    """Minimal compressed-sparse-row matrix: what scipy.sparse would give, without scipy."""

    indptr: NDArray[np.int64]
    indices: NDArray[np.intp]
    data: NDArray[np.float64]
    n_cols: int

    @property
    def n_rows(self) -> int:
        """Number of rows (texts)."""
        return int(self.indptr.size - 1)

    @property
    def nnz(self) -> int:
        """Number of stored entries."""
        return int(self.data.size)

    def row_lengths(self) -> NDArray[np.int64]:
        """Stored entries per row."""
        return np.diff(self.indptr)

    def row_ids(self) -> NDArray[np.int64]:
        """The row of every stored entry, for scatter/gather with bincount."""
        return self.expand_rows(np.arange(self.n_rows, dtype=np.int64))

    def expand_rows(self, row_values: NDArray[_T]) -> NDArray[_T]:
        """One value per row repeated for each of the row's entries (faster than a gather)."""
        return np.repeat(row_values, self.row_lengths())

    def row_sums(self, entry_values: NDArray[np.float64]) -> NDArray[np.float64]:
        """Sum of per-entry values within each row (0 for empty rows)."""
        out = np.zeros(self.n_rows, dtype=np.float64)
        nonempty = self.indptr[1:] > self.indptr[:-1]
        if entry_values.size:
            # reduceat sums from each start to the next; empty rows are left out so that every
            # start is distinct and below nnz, which is what makes its result correct.
            out[nonempty] = np.add.reduceat(entry_values, self.indptr[:-1][nonempty])
        return out

    def with_data(self, data: NDArray[np.float64]) -> CsrMatrix:
        """Same sparsity structure with new values; the structure arrays are shared, not copied."""
        if data.shape != self.data.shape:
            raise ValueError("data must match the existing structure")
        return CsrMatrix(self.indptr, self.indices, data, self.n_cols)

    def take_rows(self, rows: NDArray[np.int64]) -> CsrMatrix:
        """A new matrix made of the given rows, in the given order."""
        rows = np.asarray(rows, dtype=np.int64)
        starts = self.indptr[rows]
        lengths = self.indptr[rows + 1] - starts
        indptr = np.zeros(rows.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        total = int(indptr[-1])
        # Position of each gathered entry in the source arrays, without a Python loop.
        gather = np.repeat(starts - indptr[:-1], lengths) + np.arange(total, dtype=np.int64)
        return CsrMatrix(indptr, self.indices[gather], self.data[gather], self.n_cols)

    def compact_columns(self) -> tuple[NDArray[np.intp], CsrMatrix]:
        """The columns in use (ascending) and the matrix over just those, renumbered 0..k-1.

        The same as ``np.unique(indices, return_inverse=True)``, by counting instead of sorting:
        linear in the entries, about 50 times faster on the millions of a training fold.
        """
        present = np.bincount(self.indices, minlength=self.n_cols) > 0
        columns = np.flatnonzero(present)
        renumber = np.cumsum(present, dtype=np.intp) - 1
        return columns, CsrMatrix(self.indptr, renumber[self.indices], self.data, int(columns.size))

    def column_order(self) -> NDArray[np.int64]:
        """The entries' positions sorted by column, stable (entries of a column keep row order).

        The same as ``np.argsort(indices, kind="stable")``, but as radix passes over 16-bit
        digits (what numpy's stable sort does for 16-bit integers): linear, 3 to 6 times faster.
        """
        order: NDArray[np.int64] = np.arange(self.nnz, dtype=np.int64)
        shift = 0
        while shift == 0 or (self.n_cols - 1) >> shift:
            digit = ((self.indices[order] >> shift) & 0xFFFF).astype(np.uint16)
            order = order[np.argsort(digit, kind="stable")]
            shift += 16
        return order

    def matvec(self, vector: NDArray[np.float64]) -> NDArray[np.float64]:
        """Dense ``self @ vector``."""
        return self.row_sums(self.data * vector[self.indices])

    def rmatvec(self, row_weights: NDArray[np.float64]) -> NDArray[np.float64]:
        """Dense ``row_weights @ self``, i.e. a weighted sum of the rows."""
        weights = self.expand_rows(row_weights) * self.data
        return np.bincount(self.indices, weights=weights, minlength=self.n_cols)

    def row_sq_norms(self) -> NDArray[np.float64]:
        """Squared L2 norm of every row."""
        return self.row_sums(self.data * self.data)

    def to_dense(self) -> NDArray[np.float64]:
        """Dense copy; for tests and debugging only (2**18 columns is large)."""
        out = np.zeros((self.n_rows, self.n_cols), dtype=np.float64)
        out[self.row_ids(), self.indices] = self.data
        return out


def combine_hashes(left: NDArray[np.uint64], right: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Order-sensitive mix of two hash arrays, used to hash word n-grams from word hashes.

    Doing this in numpy on the per-word hashes avoids building and hashing bigram strings.
    """
    h = left * _MIX_MUL ^ (right + _MIX_ADD)
    h ^= h >> _SHIFT_A
    h *= _MIX_MUL2
    h ^= h >> _SHIFT_B
    return h


def count_features(texts: Sequence[str], config: FeatureConfig) -> CsrMatrix:
    """Sublinear term frequencies (1 + ln count) of every text's hashed n-grams.

    IDF is applied separately (:func:`fit_idf`, :func:`apply_idf`) so that cross-validation can
    learn it from each training fold while reusing these counts. Python-level work is per unique
    word (hashing its n-grams once); everything per occurrence is vectorised numpy.
    """
    n_docs = len(texts)
    bits = config.bits
    mask = config.word_mask
    char_mask, char_offset = config.char_mask, config.char_offset
    vocab: dict[str, int] = {}
    doc_lengths = np.zeros(n_docs, dtype=np.int64)
    flat_ids: list[int] = []
    setdefault = vocab.setdefault
    for d, text in enumerate(texts):
        tokens = tokenize(text)
        doc_lengths[d] = len(tokens)
        flat_ids.extend([setdefault(tok, len(vocab)) for tok in tokens])
    words = list(vocab)
    tokens_flat = np.asarray(flat_ids, dtype=np.int64)
    doc_of_token = np.repeat(np.arange(n_docs, dtype=np.int64), doc_lengths)
    row_keys = doc_of_token << bits

    # Every (row, column) occurrence as one int64 key: row in the high bits, column in the low.
    key_parts: list[NDArray[np.int64]] = []
    if config.word_max_n >= 1 and tokens_flat.size:
        hashes = np.fromiter((word_hash(w) for w in words), dtype=np.uint64, count=len(words))
        token_hashes = hashes[tokens_flat]
        key_parts.append(row_keys | (token_hashes & np.uint64(mask)).astype(np.int64))
        running = token_hashes
        for n in range(2, config.word_max_n + 1):
            # running[i] hashes the (n-1)-gram starting at token i; extend it by token i+n-1.
            if running.size <= 1:
                break
            running = combine_hashes(running[:-1], token_hashes[n - 1 :])
            same_doc = doc_of_token[: running.size] == doc_of_token[n - 1 :]
            cols = (running[same_doc] & np.uint64(mask)).astype(np.int64)
            key_parts.append(row_keys[: running.size][same_doc] | cols)
    if config.uses_chars and tokens_flat.size:
        lo, hi = config.char_min_n, config.char_max_n
        per_word = [
            [char_offset + (char_hash(g) & char_mask) for g in char_ngrams(w, lo, hi)]
            for w in words
        ]
        gram_counts = np.fromiter((len(g) for g in per_word), dtype=np.int64, count=len(words))
        gram_starts = np.cumsum(gram_counts) - gram_counts
        all_grams = np.fromiter(
            (c for grams in per_word for c in grams), dtype=np.int64, count=int(gram_counts.sum())
        )
        lengths = gram_counts[tokens_flat]
        out_starts = np.cumsum(lengths) - lengths
        gather = np.repeat(gram_starts[tokens_flat] - out_starts, lengths)
        gather += np.arange(gather.size, dtype=np.int64)
        char_keys = all_grams[gather]
        char_keys |= np.repeat(row_keys, lengths)
        key_parts.append(char_keys)

    keys = np.concatenate(key_parts) if key_parts else np.zeros(0, dtype=np.int64)
    # Each part is already ordered by row, which numpy's stable sort exploits (about twice as
    # fast here as the default quicksort); then count runs of equal keys.
    keys.sort(kind="stable")
    run_start = np.ones(keys.size, dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=run_start[1:])
    starts = np.flatnonzero(run_start)
    unique_keys = keys[starts]
    counts = np.diff(starts, append=keys.size)
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(unique_keys >> bits, minlength=n_docs), out=indptr[1:])
    indices = (unique_keys & (config.n_features - 1)).astype(np.intp)
    # Counts are small integers, so a lookup table is much cheaper than log on every entry.
    sublinear = 1.0 + np.log(np.arange(1, int(counts.max(initial=1)) + 1, dtype=np.float64))
    data = sublinear[counts - 1]
    return CsrMatrix(indptr, indices, data, config.n_features)


def fit_idf(tf: CsrMatrix, row_mask: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
    """Smoothed IDF, ln((1 + n) / (1 + df)) + 1, from the rows in ``row_mask`` (default: all).

    The smoothing keeps columns never seen in training finite and gives them the largest weight.
    """
    if row_mask is None:
        n_docs = tf.n_rows
        cols = tf.indices
    else:
        n_docs = int(row_mask.sum())
        cols = tf.indices[tf.expand_rows(row_mask)]
    df = np.bincount(cols, minlength=tf.n_cols).astype(np.float64)
    idf: NDArray[np.float64] = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    return idf


def apply_idf(
    tf: CsrMatrix, idf: NDArray[np.float64], config: FeatureConfig | None = None
) -> CsrMatrix:
    """TF-IDF with every non-empty row scaled to unit L2 norm (so dot products are cosines).

    With ``config.split_blocks`` the word and character halves of each row are first scaled to
    unit length apart, so both weigh the same in the row however many n-grams each has.
    """
    weighted = tf.data * idf[tf.indices]
    if config is not None and config.split_blocks:
        in_chars = tf.indices >= config.char_offset
        squares = weighted * weighted
        word_norms = np.sqrt(tf.row_sums(np.where(in_chars, 0.0, squares)))
        char_norms = np.sqrt(tf.row_sums(np.where(in_chars, squares, 0.0)))
        word_norms[word_norms == 0.0] = 1.0
        char_norms[char_norms == 0.0] = 1.0
        weighted /= np.where(in_chars, tf.expand_rows(char_norms), tf.expand_rows(word_norms))
    norms = np.sqrt(tf.row_sums(weighted * weighted))
    norms[norms == 0.0] = 1.0
    weighted /= tf.expand_rows(norms)
    return tf.with_data(weighted)


def dataset_identity(texts: Sequence[str]) -> str:
    """Content digest of an ordered list of texts, a safe default cache key for a dataset."""
    digest = hashlib.blake2b(digest_size=16)
    for text in texts:
        encoded = text.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
    return digest.hexdigest()


class FeatureCache:
    """Keeps featurised datasets so several candidates evaluated in one process featurise once.

    Keyed by (dataset identity, feature config); a Lambda container that is reused between
    invocations keeps its entries too. Bounded (the default fits the three feature configurations
    of one dataset; 10,000 texts with character n-grams take about 110 MB), least recently used
    entries are dropped first.
    """

    def __init__(self, max_entries: int = 3) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be >= 1")
        self._max_entries = max_entries
        self._entries: OrderedDict[tuple[str, FeatureConfig], CsrMatrix] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def term_frequencies(
        self, texts: Sequence[str], config: FeatureConfig, dataset_id: str | None = None
    ) -> CsrMatrix:
        """Counts for ``texts`` under ``config``, computed at most once per key.

        ``dataset_id`` must change whenever the texts (or their order) change; when omitted a
        content digest of the texts is used.
        """
        key = (dataset_id if dataset_id is not None else dataset_identity(texts), config)
        cached = self._entries.get(key)
        if cached is not None:
            if cached.n_rows != len(texts):
                raise ValueError("dataset_id reused for a different number of texts")
            self.hits += 1
            self._entries.move_to_end(key)
            return cached
        self.misses += 1
        matrix = count_features(texts, config)
        self._entries[key] = matrix
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return matrix

    def clear(self) -> None:
        """Drop every entry."""
        self._entries.clear()


_DEFAULT_CACHE = FeatureCache()


def default_cache() -> FeatureCache:
    """The process-wide cache, shared by calls that do not pass their own."""
    return _DEFAULT_CACHE
