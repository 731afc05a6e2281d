"""Training parameters and the candidate plan searched for each effort level.

Candidates are nested: every effort level evaluates all candidates of the level below plus new
ones, so a higher effort can never pick a candidate that scores worse in cross-validation. Only
three feature configurations exist across all levels, so a process evaluating many candidates
featurises each dataset at most three times (see ``FeatureCache``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from .features import FeatureConfig

Effort = Literal["low", "medium", "high", "max"]
Weighting = Literal["uniform", "graded"]
EFFORTS: tuple[Effort, ...] = get_args(Effort)
WEIGHTINGS: tuple[Weighting, ...] = get_args(Weighting)

#: Word 1-2 grams plus word-boundary character 3-5 grams: robust to spelling and inflection.
WORDS_AND_CHARS = FeatureConfig(word_max_n=2, char_min_n=3, char_max_n=5)
#: Word 1-2 grams only: sharper when specific words and phrases carry the signal.
WORDS_ONLY = FeatureConfig(word_max_n=2, char_min_n=0, char_max_n=0)
#: Word unigrams plus short character 2-4 grams: for short texts and morphology-heavy cues.
SHORT_CHARS = FeatureConfig(word_max_n=1, char_min_n=2, char_max_n=4)

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


@dataclass(frozen=True, slots=True)
class _Grid:
    features: tuple[FeatureConfig, ...]
    shrinkages: tuple[float, ...]
    centered: tuple[bool, ...]
    weightings: tuple[Weighting, ...]

    def expand(self) -> list[TrainingParams]:
        return [
            TrainingParams(features=f, shrinkage=s, centered=c, weighting=w)
            for f, s, c, w in itertools.product(
                self.features, self.shrinkages, self.centered, self.weightings
            )
        ]


# Each level's grid contains the previous one's, so plans are nested.
_GRIDS: dict[Effort, _Grid] = {
    "low": _Grid((WORDS_AND_CHARS,), (0.0, 1.0), (True, False), ("uniform",)),
    "medium": _Grid((WORDS_AND_CHARS, WORDS_ONLY), (0.0, 1.0), (True, False), ("uniform",)),
    "high": _Grid((WORDS_AND_CHARS, WORDS_ONLY), (0.0, 1.0), (True, False), ("uniform", "graded")),
    "max": _Grid(
        (WORDS_AND_CHARS, WORDS_ONLY, SHORT_CHARS),
        (0.0, 1.0, 0.5, 2.0),
        (True, False),
        ("uniform", "graded"),
    ),
}


def plan_candidates(effort: Effort) -> list[TrainingParams]:
    """Candidates for an effort level, in a fixed order: the lower levels' first, then new ones.

    Counts are 4, 8, 16 and 48 for low, medium, high and max. Ties in cross-validation go to the
    earlier candidate, so cheaper, simpler settings win when nothing is gained.
    """
    if effort not in _GRIDS:
        raise ValueError(f"effort must be one of {EFFORTS}, got {effort!r}")
    plan: list[TrainingParams] = []
    seen: set[TrainingParams] = set()
    for level in EFFORTS:
        for params in _GRIDS[level].expand():
            if params not in seen:
                seen.add(params)
                plan.append(params)
        if level == effort:
            break
    return plan
