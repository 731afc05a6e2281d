"""Scoring texts with a fitted model's artifact: what ``FittedModel.score`` computes, without numpy.

A text's TF-IDF vector has a few hundred non-zero columns out of 2**18, so each score is a handful
of sparse dot products: the text's weights against the IDF, and against each criterion's prototype
mean and delta (gathered with ``operator.itemgetter`` from float32 views of the artifact's arrays,
and summed with ``math.sumprod``, both at C speed). The full-length products the contrast needs
(``mean.mean``, ``mean.delta``, ``delta.delta``) are computed once, when the artifact is loaded,
over only the columns where some prototype is non-zero.

The formulas are those of ``u22a8.training.objective`` (``Prototypes.raw_scores``,
``Calibration.apply``); a property test checks both agree to 1e-9 on models of every feature
configuration. Summation order differs from numpy's, so the last bits may too.
"""

from __future__ import annotations

import json
import math
import struct
import zipfile
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain, compress, repeat
from operator import is_not, itemgetter, mul, truediv
from typing import Any

from .artifact import (
    FLOAT32,
    FORMAT_NAME,
    LITTLE_ENDIAN,
    READABLE_VERSIONS,
    UINT8,
    InvalidModel,
    floats,
    read_arrays,
)
from .features import column_counts
from .params import TrainingParams

#: Floor of squared norms and of ``delta.delta``, as in ``u22a8.training.objective``.
EPS = 1e-12
_Z_LIMIT = 500.0
_DECODE_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    SyntaxError,
    RuntimeError,
    NotImplementedError,
    OverflowError,
    MemoryError,
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
)

#: Picks fixed keys out of a sequence or mapping (``operator.itemgetter``), as one C call.
Gather = Callable[[Any], Sequence[Any]]

#: Prototype values kept as tuples of Python floats (about 32 bytes each, but gathered several
#: times faster than from float32 buffers) when a model has at most this many non-zero values in
#: all; denser models are gathered from the artifact's float32 buffers (4 bytes a value).
TUPLE_BUDGET = 2**21

_SUBLINEAR: list[float] = [0.0]
_is_not_none = partial(is_not, None)


def sublinear(max_count: int) -> list[float]:
    """The table ``count -> 1 + ln(count)`` (index 0 unused), long enough for ``max_count``."""
    while len(_SUBLINEAR) <= max_count:
        _SUBLINEAR.append(1.0 + math.log(len(_SUBLINEAR)))
    return _SUBLINEAR


def gatherer(columns: Sequence[Any]) -> Gather:
    """A function picking ``columns`` (keys, in order) out of a sequence or a mapping."""
    if len(columns) > 1:
        getter: Gather = itemgetter(*columns)
        return getter
    picked = tuple(columns)
    return lambda values: tuple(values[c] for c in picked)


def nonzero_support(rows: Sequence[memoryview], n_features: int) -> list[int]:
    """Columns where any of the float32 ``rows`` (raw payloads of ``n_features`` values) has a
    non-zero bit pattern: a superset of their non-zero values, ascending, found at C speed.

    The rows are OR-ed together as big integers; the union's zero 8-byte words (two columns)
    are skipped by ``itertools.compress`` and both columns of every other word are kept.
    """
    union = 0
    for row in rows:
        union |= int.from_bytes(row, "little")
    if not union:
        return []
    words = memoryview(union.to_bytes(n_features * 4, "little")).cast("Q")
    pairs = list(compress(range(0, n_features, 2), words))
    return list(chain.from_iterable(zip(pairs, map((1).__add__, pairs), strict=True)))


def column_major(
    rows: Sequence[memoryview], columns: Sequence[int], little_endian: bool = LITTLE_ENDIAN
) -> list[float]:
    """The float32 ``rows`` (raw payloads of equal length) at ``columns``, column by column:
    ``[rows[0][c0], rows[1][c0], ..., rows[0][c1], ...]``, as Python floats allocated in that
    order (so that one column's values sit next to each other in memory).

    The transposition is C-speed: the rows are laid end to end in one array and each column is
    a step slice of it.
    """
    if not rows or not columns:
        return []
    stacked = array("f")
    for row in rows:
        stacked.frombytes(row)
    step = len(rows[0]) // 4
    transposed = array(
        "f", b"".join(map(stacked.__getitem__, map(slice, columns, repeat(None), repeat(step))))
    )
    if not little_endian:
        transposed.byteswap()
    return transposed.tolist()


def unit_blocks(weights: list[float], split: int) -> list[float]:
    """``weights[:split]`` and ``weights[split:]`` each scaled to unit length (empty ones kept)."""
    words, chars = weights[:split], weights[split:]
    word_norm = math.sqrt(math.sumprod(words, words)) or 1.0
    char_norm = math.sqrt(math.sumprod(chars, chars)) or 1.0
    return [w / word_norm for w in words] + [c / char_norm for c in chars]


@dataclass(frozen=True, slots=True, eq=False)
class CriterionScorer:
    """One criterion's contrast constants (``mean.mean``, ``mean.delta``, ``delta.delta``) and
    its calibration curve."""

    name: str
    mm: float
    md: float
    dd: float
    slope: float
    intercept: float

    @classmethod
    def build(
        cls,
        name: str,
        mean: Sequence[float],
        delta: Sequence[float],
        calibration: tuple[float, float],
    ) -> CriterionScorer:
        """Precompute the products of ``mean`` and ``delta`` (any columns they leave out must be
        zero in both)."""
        mm = float(math.sumprod(mean, mean))
        md = float(math.sumprod(mean, delta))
        dd = float(math.sumprod(delta, delta))
        return cls.saved(name, (mm, md, dd), calibration)

    @classmethod
    def saved(
        cls, name: str, contrast: Sequence[float], calibration: tuple[float, float]
    ) -> CriterionScorer:
        """From the products the artifact saved (``Prototypes.contrast``)."""
        mm, md, dd = (float(value) for value in contrast)
        if not math.isfinite(mm + md + dd):
            raise InvalidModel(f"criterion {name!r} has non-finite prototypes")
        return cls(name, mm, md, dd, *calibration)

    def raw(self, xm: float, xd: float, xx: float, centered: bool) -> float:
        """cos(x, high) - cos(x, low) for one L2-normalised (or empty) text vector x, given
        x.mean, x.delta and x.x."""
        mm, md, dd = self.mm, self.md, self.dd
        if dd <= EPS:
            return 0.0
        if centered:
            # cos(x - m, d) - cos(x - m, -d) = 2 cos(x - m, d), |x - m|^2 expanded.
            dist = math.sqrt(max(xx - 2.0 * xm + mm, EPS))
            return 2.0 * (xd - md) / (dist * math.sqrt(dd))
        high_norm = math.sqrt(max(mm + 2.0 * md + dd, EPS))
        low_norm = math.sqrt(max(mm - 2.0 * md + dd, EPS))
        x_norm = math.sqrt(xx) or 1.0
        return ((xm + xd) / high_norm - (xm - xd) / low_norm) / x_norm

    def calibrate(self, raw: float) -> float:
        """sigmoid(slope * raw + intercept), clipped to [0, 1]."""
        z = min(max(self.slope * raw + self.intercept, -_Z_LIMIT), _Z_LIMIT)
        return min(max(1.0 / (1.0 + math.exp(-z)), 0.0), 1.0)


@dataclass(frozen=True, slots=True, eq=False)
class Scorer:
    """A fitted version read from its artifact: texts in, one 0..1 score per criterion out.

    Prototypes are held in one of two layouts. Usually (``positions`` set) only the columns where
    some prototype is non-zero are kept, each as a block ``(mean_0, delta_0, mean_1, delta_1, ...)``
    of Python floats allocated next to each other, so that a text gathers its columns' blocks in
    one C call and every criterion's dot products are strided slices of them; ``positions`` maps
    a column to its block. A model with more non-zero values than ``TUPLE_BUDGET`` keeps
    ``means`` and ``deltas`` as float32 views of the artifact instead (a quarter of the memory,
    slower to gather from).
    """

    params: TrainingParams
    criteria: tuple[str, ...]
    n_samples: int
    idf: Sequence[float]
    scorers: tuple[CriterionScorer, ...]
    positions: dict[int, int] | None
    blocks: tuple[tuple[float, ...], ...]
    means: tuple[Sequence[float], ...]
    deltas: tuple[Sequence[float], ...]

    @classmethod
    def from_bytes(cls, blob: bytes, tuple_budget: int = TUPLE_BUDGET) -> Scorer:
        """Read what ``FittedModel.to_bytes`` wrote; raises :class:`InvalidModel` on bad input."""
        try:
            arrays = read_arrays(
                blob,
                {"header": UINT8, "idf": FLOAT32, "means": FLOAT32, "deltas": FLOAT32},
                optional=frozenset({"means"}),
            )
            header: dict[str, Any] = json.loads(bytes(arrays["header"].payload).decode("utf-8"))
            if header.get("format") != FORMAT_NAME or header.get("version") not in (
                READABLE_VERSIONS
            ):
                raise InvalidModel(
                    f"unsupported model format {header.get('format')!r} "
                    f"version {header.get('version')!r}"
                )
            params = TrainingParams.from_dict(header["params"])
            criteria = tuple(str(c) for c in header["criteria"])
            calibrations = [
                (float(c["slope"]), float(c["intercept"])) for c in header["calibrations"]
            ]
            n_samples = int(header["n_samples"])
            contrasts = header.get("contrasts")
            saved_contrasts = (
                None if contrasts is None else [(c["mm"], c["md"], c["dd"]) for c in contrasts]
            )
        except _DECODE_ERRORS as exc:
            raise InvalidModel(f"not a model file: {exc}") from exc
        n = params.features.n_features
        expected = (len(criteria), n)
        zero_means = "means" not in arrays
        if zero_means and not (header["version"] >= 2 and params.learned):
            raise InvalidModel("model arrays do not match its header: no prototype means")
        if (
            (not zero_means and arrays["means"].shape != expected)
            or arrays["deltas"].shape != expected
            or arrays["idf"].shape != (n,)
            or len(calibrations) != len(criteria)
            or (saved_contrasts is not None and len(saved_contrasts) != len(criteria))
        ):
            raise InvalidModel("model arrays do not match its header")
        row_bytes = 4 * n
        delta_rows = [
            arrays["deltas"].payload[j * row_bytes : (j + 1) * row_bytes]
            for j in range(len(criteria))
        ]
        mean_rows = (
            [memoryview(bytes(row_bytes))] * len(criteria)
            if zero_means
            else [
                arrays["means"].payload[j * row_bytes : (j + 1) * row_bytes]
                for j in range(len(criteria))
            ]
        )
        idf = floats(arrays["idf"].payload)
        if saved_contrasts is not None:
            # The artifact saved the full-length products: no pass over the prototypes at all, so
            # a cold container's first score costs little more than inflating the arrays. Texts
            # gather their columns from the float32 views (as fast as the blocks below for
            # models of a few criteria, measured in bench/scoring.py). Zero means (learned
            # prototypes) are not gathered at all.
            return cls(
                params,
                criteria,
                n_samples,
                idf,
                tuple(
                    CriterionScorer.saved(name, contrast, calibration)
                    for name, contrast, calibration in zip(
                        criteria, saved_contrasts, calibrations, strict=True
                    )
                ),
                None,
                (),
                () if zero_means else tuple(floats(row) for row in mean_rows),
                tuple(floats(row) for row in delta_rows),
            )
        support = nonzero_support([*mean_rows, *delta_rows], n)
        gather_support = gatherer(support)
        means = tuple(floats(row) for row in mean_rows)
        deltas = tuple(floats(row) for row in delta_rows)
        if len(support) * 2 * len(criteria) > tuple_budget:
            positions = None
            blocks: tuple[tuple[float, ...], ...] = ()
            scorers = tuple(
                CriterionScorer.build(name, gather_support(m), gather_support(d), calibration)
                for name, m, d, calibration in zip(
                    criteria, means, deltas, calibrations, strict=True
                )
            )
        else:
            width = 2 * len(criteria)
            rows = [row for pair in zip(mean_rows, delta_rows, strict=True) for row in pair]
            flat = column_major(rows, support)
            scorers = tuple(
                CriterionScorer.build(name, flat[2 * j :: width], flat[2 * j + 1 :: width], cal)
                for j, (name, cal) in enumerate(zip(criteria, calibrations, strict=True))
            )
            blocks = tuple(zip(*[iter(flat)] * width, strict=True)) if width else ()
            positions = dict(zip(support, range(len(support)), strict=True))
            means = deltas = ()
        return cls(params, criteria, n_samples, idf, scorers, positions, blocks, means, deltas)

    def vectors(self, texts: Sequence[str]) -> list[tuple[list[int], list[float]]]:
        """Each text's L2-normalised TF-IDF vector: its non-zero columns (ascending) and values.

        Term frequencies are sublinear (1 + ln count), as ``count_features`` computes them; split
        feature blocks are scaled to unit length apart first, as ``apply_idf`` does.
        """
        out: list[tuple[list[int], list[float]]] = []
        idf = self.idf
        config = self.params.features
        for counts in column_counts(texts, config):
            columns = sorted(counts)
            gather = gatherer(columns)
            frequencies = gatherer(gather(counts))(sublinear(max(counts.values(), default=0)))
            weights = list(map(mul, frequencies, gather(idf)))
            if config.split_blocks:
                weights = unit_blocks(weights, bisect_left(columns, config.char_offset))
            norm = math.sqrt(math.sumprod(weights, weights)) or 1.0
            out.append((columns, list(map(truediv, weights, repeat(norm, len(weights))))))
        return out

    def raw_scores(self, texts: Sequence[str]) -> list[list[float]]:
        """Uncalibrated contrast scores, one list (a value per criterion) per text."""
        centered = self.params.centered
        positions = self.positions
        scorers = self.scorers
        width = 2 * len(scorers)
        sumprod = math.sumprod
        out: list[list[float]] = []
        for columns, x in self.vectors(texts):
            xx = sumprod(x, x)
            if positions is None:
                gather = gatherer(columns)
                products = (
                    [(0.0, sumprod(x, gather(d))) for d in self.deltas]
                    if not self.means
                    else [
                        (sumprod(x, gather(m)), sumprod(x, gather(d)))
                        for m, d in zip(self.means, self.deltas, strict=True)
                    ]
                )
            else:  # only the columns some prototype has (the others add nothing)
                found = list(map(positions.get, columns))
                known = list(map(_is_not_none, found))
                values = list(compress(x, known))
                blocks: Sequence[tuple[float, ...]] = gatherer(list(compress(found, known)))(
                    self.blocks
                )
                flat = list(chain.from_iterable(blocks))
                products = [
                    (sumprod(values, flat[k::width]), sumprod(values, flat[k + 1 :: width]))
                    for k in range(0, width, 2)
                ]
            out.append(
                [s.raw(xm, xd, xx, centered) for s, (xm, xd) in zip(scorers, products, strict=True)]
            )
        return out

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """One ``{criterion: score}`` dict per text, every criterion present, scores in [0, 1].

        A non-finite prototype value (a damaged artifact whose saved contrasts spared the load a
        pass over the arrays) is refused here rather than answered as NaN."""
        scorers = self.scorers
        rows = self.raw_scores(texts)
        if not all(map(math.isfinite, chain.from_iterable(rows))):
            raise InvalidModel("the model's prototypes hold non-finite values")
        return [
            {s.name: s.calibrate(raw) for s, raw in zip(scorers, row, strict=True)} for row in rows
        ]
