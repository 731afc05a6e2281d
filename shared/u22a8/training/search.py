"""Training parameters and the candidate plan searched for each effort level.

Candidates are nested: every effort level evaluates all candidates of the level below plus new
ones, so a higher effort can never pick a candidate that scores worse in cross-validation. Only
three feature configurations exist across all levels, so a process evaluating many candidates
featurises each dataset at most three times (see ``FeatureCache``). ``TrainingParams`` itself lives
in ``u22a8.scoring.params`` (re-exported here), so that reading a model's header needs no numpy.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal, get_args

from u22a8.scoring.params import DEFAULT_CALIBRATION_L2, WEIGHTINGS, TrainingParams, Weighting

from .features import FeatureConfig

__all__ = [
    "DEFAULT_CALIBRATION_L2",
    "EFFORTS",
    "SHORT_CHARS",
    "WEIGHTINGS",
    "WORDS_AND_CHARS",
    "WORDS_ONLY",
    "Effort",
    "TrainingParams",
    "Weighting",
    "plan_candidates",
]

Effort = Literal["low", "medium", "high", "max"]
EFFORTS: tuple[Effort, ...] = get_args(Effort)

#: Word 1-2 grams plus word-boundary character 3-5 grams: robust to spelling and inflection.
WORDS_AND_CHARS = FeatureConfig(word_max_n=2, char_min_n=3, char_max_n=5)
#: Word 1-2 grams only: sharper when specific words and phrases carry the signal.
WORDS_ONLY = FeatureConfig(word_max_n=2, char_min_n=0, char_max_n=0)
#: Word unigrams plus short character 2-4 grams: for short texts and morphology-heavy cues.
SHORT_CHARS = FeatureConfig(word_max_n=1, char_min_n=2, char_max_n=4)


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
