"""A candidate's result as it travels through the Map: small enough for Step Functions.

Every Map iteration's result is gathered into one array of the state, and a state is limited to
256 KiB (``States.DataLimitExceeded``, which no Catch can handle). Keyed by criterion name, a
``max`` search (48 candidates) over 20 criteria of 64 characters is over that limit, so the
metrics travel as ``[spearman, auc, n]`` in the snapshot's criteria order, and the names are put
back by ``Fit best candidate``, which reads the same snapshot
(``tests/unit/test_training_payload_size.py`` computes the worst case). Each result also carries
its calibrations as ``[slope, intercept]`` rows in the same order, so that ``Fit best candidate``
fits the winner on all samples once rather than repeating its cross-validation to calibrate it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from u22a8.domain.training_run.step import BadPayload
from u22a8.training import CandidateResult
from u22a8.training.evaluate import CriterionMetrics
from u22a8.training.objective import Calibration

#: The fields of one criterion's metrics, in the order they travel.
METRIC_FIELDS = ("spearman", "auc", "n")


def _row(metrics: CriterionMetrics) -> list[float | int]:
    return [metrics["spearman"], metrics["auc"], metrics["n"]]


def compact(
    index: int,
    result: CandidateResult,
    criteria: Sequence[str],
    calibrations: Sequence[Calibration] = (),
) -> dict[str, Any]:
    """The Map iteration's output: the metrics (and calibrations, when given) as rows in
    ``criteria`` order, no names."""
    out: dict[str, Any] = {
        "index": index,
        "params": result.params.to_dict(),
        "metrics": [_row(result.metrics[name]) for name in criteria],
        "objective": result.objective,
        "tiebreak": result.tiebreak,
    }
    if calibrations:
        out["calibrations"] = [[c.slope, c.intercept] for c in calibrations]
    return out


def expand(raw: Mapping[str, Any], criteria: Sequence[str]) -> CandidateResult:
    """Inverse of :func:`compact`, given the same snapshot's criteria."""
    rows = raw.get("metrics")
    if not isinstance(rows, list) or len(rows) != len(criteria):
        raise BadPayload(f"candidate {raw.get('index')} has no metrics row per criterion")
    metrics = {
        name: dict(zip(METRIC_FIELDS, row, strict=True))
        for name, row in zip(criteria, rows, strict=True)
    }
    return CandidateResult.from_dict({**raw, "metrics": metrics})


def calibrations(raw: Mapping[str, Any], criteria: Sequence[str]) -> tuple[Calibration, ...] | None:
    """The calibrations a compact result carries, or ``None`` for one without them (a result of
    an execution started before they travelled: the fit then computes them itself)."""
    rows = raw.get("calibrations")
    if rows is None:
        return None
    if not isinstance(rows, list) or len(rows) != len(criteria):
        raise BadPayload(f"candidate {raw.get('index')} has no calibration per criterion")
    try:
        return tuple(Calibration(slope=float(a), intercept=float(b)) for a, b in rows)
    except (TypeError, ValueError) as error:
        raise BadPayload(f"candidate {raw.get('index')} has a malformed calibration") from error
