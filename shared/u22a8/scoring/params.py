"""The parameters a model is trained with, as its artifact records them.

Defined here rather than in ``u22a8.training.search`` (which re-exports them) so that reading an
artifact's header, which validates them, does not import numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from .features import FeatureConfig

Weighting = Literal["uniform", "graded"]
WEIGHTINGS: tuple[Weighting, ...] = get_args(Weighting)

#: Ridge penalty on the calibration slope. Calibration is monotonic, so it cannot change the rank
#: metrics that choose a candidate; it is therefore fixed rather than searched.
DEFAULT_CALIBRATION_L2 = 1.0


@dataclass(frozen=True, slots=True)
class TrainingParams:
    """Everything that decides what ``fit`` learns from a given set of samples.

    ``shrinkage`` soft-thresholds the high-minus-low prototype difference by that multiple of its
    RMS, dropping n-grams that barely separate the classes (noise, filler); 0 keeps all of them.
    ``centered`` measures cosines around the class-balanced mean instead of the origin, so that
    n-grams common to both classes stop dominating the similarity.
    ``weighting`` "graded" lets samples far from the threshold count more in their prototype.
    """

    features: FeatureConfig = field(default_factory=FeatureConfig)
    shrinkage: float = 0.0
    centered: bool = True
    weighting: Weighting = "uniform"
    calibration_l2: float = DEFAULT_CALIBRATION_L2

    def __post_init__(self) -> None:
        if not self.shrinkage >= 0.0:
            raise ValueError("shrinkage must be >= 0")
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}")
        if not self.calibration_l2 > 0.0:
            raise ValueError("calibration_l2 must be > 0")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, e.g. for the Step Functions Map state's items."""
        return {
            "features": self.features.to_dict(),
            "shrinkage": self.shrinkage,
            "centered": self.centered,
            "weighting": self.weighting,
            "calibration_l2": self.calibration_l2,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingParams:
        """Inverse of :meth:`to_dict`; unknown weightings and bad values raise ValueError."""
        weighting = str(data["weighting"])
        if weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}")
        return cls(
            features=FeatureConfig.from_dict(dict(data["features"])),
            shrinkage=float(data["shrinkage"]),
            centered=bool(data["centered"]),
            weighting="graded" if weighting == "graded" else "uniform",
            calibration_l2=float(data.get("calibration_l2", DEFAULT_CALIBRATION_L2)),
        )
