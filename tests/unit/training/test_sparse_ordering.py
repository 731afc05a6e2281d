"""The counting/radix replacements of ``np.unique`` and a stable ``np.argsort`` give the same
answer as those, bit for bit, on every width of the hashed space (one and two 16-bit digits)."""

from __future__ import annotations

import numpy as np
import pytest

from u22a8.training.features import CsrMatrix


def _random_csr(n_rows: int, n_cols: int, per_row: int, seed: int) -> CsrMatrix:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, per_row + 1, n_rows)
    lengths[n_rows // 2] = 0  # an empty row
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    # Columns clustered near both ends, so some columns stay unused and high digits vary.
    low = rng.integers(0, min(n_cols, 50), int(indptr[-1]) // 2)
    high = rng.integers(max(n_cols - 5_000, 0), n_cols, int(indptr[-1]) - low.size)
    indices = rng.permutation(np.concatenate([low, high])).astype(np.intp)
    return CsrMatrix(indptr, indices, rng.random(indices.size), n_cols)


@pytest.mark.parametrize("n_cols", [1, 7, 2**16, 2**16 + 1, 2**18, 2**20])
def test_column_order_is_a_stable_argsort(n_cols: int) -> None:
    matrix = _random_csr(300, n_cols, 40, seed=n_cols)
    expected = np.argsort(matrix.indices, kind="stable")
    np.testing.assert_array_equal(matrix.column_order(), expected)


@pytest.mark.parametrize("n_cols", [7, 2**16 + 1, 2**18])
def test_compact_columns_is_unique_with_inverse(n_cols: int) -> None:
    matrix = _random_csr(200, n_cols, 30, seed=n_cols + 1)
    columns, compact = matrix.compact_columns()
    expected_columns, inverse = np.unique(matrix.indices, return_inverse=True)
    np.testing.assert_array_equal(columns, expected_columns)
    np.testing.assert_array_equal(compact.indices, inverse)
    assert compact.n_cols == expected_columns.size
    assert compact.indptr is matrix.indptr
    assert compact.data is matrix.data
    # Mapping the compact columns back gives the original matrix.
    np.testing.assert_array_equal(columns[compact.indices], matrix.indices)


def test_empty_matrix() -> None:
    empty = CsrMatrix(np.zeros(3, dtype=np.int64), np.zeros(0, dtype=np.intp), np.zeros(0), 2**18)
    assert empty.column_order().size == 0
    columns, compact = empty.compact_columns()
    assert columns.size == 0
    assert compact.n_cols == 0
