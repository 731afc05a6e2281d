"""Fitting the chosen parameters on all samples, scoring texts, and (de)serialising the result.

A fitted model holds only numbers: the IDF weights and, per criterion, the two prototypes and a
calibration curve, all over the hashed feature space, so no vocabulary is stored. Its arrays
are held at float32 precision in memory too, so a model scores exactly the same before and
after a ``to_bytes``/``from_bytes`` round trip.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from u22a8.scoring.artifact import FORMAT_NAME, FORMAT_VERSION, READABLE_VERSIONS

from .errors import TrainingError
from .evaluate import DEFAULT_SEED, check_enough_samples, collect_labels, cross_validate
from .features import FeatureCache, apply_idf, count_features, default_cache, fit_idf
from .learned import criterion_prototypes
from .objective import OBJECTIVE_NAME, Calibration, Prototypes
from .search import TrainingParams
from .types import LabelledSample

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _as_float32(values: NDArray[np.float64]) -> NDArray[np.float64]:
    return values.astype(np.float32).astype(np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class FittedModel:
    """A trained scorer: texts in, one 0..1 score per criterion out."""

    params: TrainingParams
    criteria: tuple[str, ...]
    idf: NDArray[np.float64]
    prototypes: tuple[Prototypes, ...]
    calibrations: tuple[Calibration, ...]
    n_samples: int

    def __post_init__(self) -> None:
        n = len(self.criteria)
        if len(self.prototypes) != n or len(self.calibrations) != n:
            raise ValueError("one prototype pair and one calibration per criterion")
        if self.idf.shape != (self.params.features.n_features,):
            raise ValueError("idf does not match the feature space")

    def raw_scores(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Uncalibrated contrast scores, shape (len(texts), len(criteria))."""
        x = apply_idf(count_features(texts, self.params.features), self.idf, self.params.features)
        out = np.empty((len(texts), len(self.criteria)), dtype=np.float64)
        for j, protos in enumerate(self.prototypes):
            out[:, j] = protos.raw_scores(x)
        return out

    def score_matrix(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Calibrated scores in [0, 1], shape (len(texts), len(criteria))."""
        raw = self.raw_scores(texts)
        for j, calibration in enumerate(self.calibrations):
            raw[:, j] = calibration.apply(raw[:, j])
        return np.clip(raw, 0.0, 1.0)

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """One ``{criterion: score}`` dict per text, every criterion present, scores in [0, 1]."""
        matrix = self.score_matrix(texts)
        return [
            {name: float(value) for name, value in zip(self.criteria, row, strict=True)}
            for row in matrix
        ]

    def header(self) -> dict[str, Any]:
        """The JSON part of the serialised model: everything except the large arrays."""
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "objective": OBJECTIVE_NAME,
            "criteria": list(self.criteria),
            "params": self.params.to_dict(),
            "calibrations": [
                {"slope": c.slope, "intercept": c.intercept} for c in self.calibrations
            ],
            # Per criterion: what scoring needs of the prototypes beyond a text's own columns.
            "contrasts": [
                dict(zip(("mm", "md", "dd"), p.contrast(), strict=True)) for p in self.prototypes
            ],
            "n_samples": self.n_samples,
        }

    def to_bytes(self) -> bytes:
        """Compressed npz (float32 IDF, prototype means and deltas, JSON header as bytes).

        Learned prototypes have zero means, which are left out (format version 2). Written entry
        by entry with a fixed timestamp, unlike ``np.savez_compressed``, so the
        same model always serialises to the same bytes (stable digests, no spurious diffs).
        """
        header = json.dumps(self.header(), sort_keys=True).encode("utf-8")
        arrays: dict[str, NDArray[Any]] = {
            "header": np.frombuffer(header, dtype=np.uint8),
            "idf": self.idf.astype(np.float32),
            "means": np.stack([p.mean for p in self.prototypes]).astype(np.float32),
            "deltas": np.stack([p.delta for p in self.prototypes]).astype(np.float32),
        }
        if self.params.learned:
            del arrays["means"]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, array, allow_pickle=False)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> FittedModel:
        """Inverse of :meth:`to_bytes`; raises TrainingError("invalid-model") on bad input."""
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
                header = json.loads(archive["header"].tobytes().decode("utf-8"))
                idf = archive["idf"].astype(np.float64)
                deltas = archive["deltas"].astype(np.float64)
                has_means = "means" in archive.files
                means = archive["means"].astype(np.float64) if has_means else np.zeros_like(deltas)
            if header.get("format") != FORMAT_NAME or header.get("version") not in (
                READABLE_VERSIONS
            ):
                raise TrainingError(
                    f"unsupported model format {header.get('format')!r} "
                    f"version {header.get('version')!r}",
                    code="invalid-model",
                )
            params = TrainingParams.from_dict(header["params"])
            criteria = tuple(str(c) for c in header["criteria"])
            calibrations = tuple(
                Calibration(slope=float(c["slope"]), intercept=float(c["intercept"]))
                for c in header["calibrations"]
            )
            n_samples = int(header["n_samples"])
            if not has_means and not params.learned:
                raise TrainingError("model has no prototype means", code="invalid-model")
        except (
            OSError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            zipfile.BadZipFile,
        ) as exc:
            raise TrainingError(f"not a model file: {exc}", code="invalid-model") from exc
        expected = (len(criteria), params.features.n_features)
        if means.shape != expected or deltas.shape != expected or idf.shape != expected[1:]:
            raise TrainingError("model arrays do not match its header", code="invalid-model")
        return cls(
            params=params,
            criteria=criteria,
            idf=idf,
            prototypes=tuple(
                Prototypes(mean=m, delta=d, centered=params.centered)
                for m, d in zip(means, deltas, strict=True)
            ),
            calibrations=calibrations,
            n_samples=n_samples,
        )


def fit(
    samples: Sequence[LabelledSample],
    criteria: Sequence[str],
    params: TrainingParams,
    *,
    folds: int | None = None,
    seed: int = DEFAULT_SEED,
    cache: FeatureCache | None = None,
    dataset_id: str | None = None,
    calibrations: Sequence[Calibration] | None = None,
) -> FittedModel:
    """Fit ``params`` on all samples.

    Calibration is fitted to out-of-fold raw scores (the same folds as cross-validation),
    because in-sample raw scores are inflated by each sample's own contribution to its
    prototype and would make the calibrated scores over-confident on new texts. The
    cross-validation of these params already computed them (``cross_validate``): passing its
    ``calibrations`` skips the folds, which are most of the work, and gives the same model.
    """
    labels = collect_labels(samples, criteria)
    check_enough_samples(labels)
    texts = [s.text for s in samples]
    tf = (cache or default_cache()).term_frequencies(texts, params.features, dataset_id)
    idf = _as_float32(fit_idf(tf))
    x = apply_idf(tf, idf, params.features)
    prototypes = tuple(
        criterion_prototypes(x, crit.rows, crit.scores, params, n_criteria=len(labels)).as_float32()
        for crit in labels
    )
    if calibrations is None:
        calibrations = cross_validate(
            samples, criteria, params, folds=folds, seed=seed, cache=cache, dataset_id=dataset_id
        ).calibrations
    return FittedModel(
        params=params,
        criteria=tuple(criteria),
        idf=idf,
        prototypes=prototypes,
        calibrations=tuple(calibrations),
        n_samples=len(samples),
    )
