"""Training parameters and the candidate plan searched for each effort level.

Plans are nested: every effort level evaluates all candidates of the level below plus as many
new ones, so each step up doubles the distinct candidates (2, 4, 8, 16) and, since the best
cross-validated candidate wins, a higher effort never chooses one that scores worse in
cross-validation. No two candidates are the same model (``TrainingParams`` refuses settings that
do not apply to its kind of prototypes, so equal models have equal params). The first candidates
are those that did best on real text (``bench/quality.py``): learned prototypes on
naive-Bayes-weighted word and character blocks, interpolated towards naive Bayes (mostly naive
Bayes, a little of the fit); higher efforts try the regularisation and interpolation around it,
the plain NBSVM fit, features without the NB weighting, other feature spaces, and class-mean
prototypes.
``TrainingParams`` itself lives in ``u22a8.scoring.params`` (re-exported here), so that reading a
model's header needs no numpy.
"""

from __future__ import annotations

from u22a8.effort import DEFAULT_EFFORT, EFFORTS, Effort
from u22a8.scoring.params import (
    DEFAULT_CALIBRATION_L2,
    PROTOTYPES,
    WEIGHTINGS,
    TrainingParams,
    Weighting,
)

from .features import FeatureConfig

__all__ = [
    "BLOCKS",
    "DEFAULT_CALIBRATION_L2",
    "DEFAULT_EFFORT",
    "EFFORTS",
    "PROTOTYPES",
    "SHORT_CHARS",
    "WEIGHTINGS",
    "WORDS_AND_CHARS",
    "WORDS_ONLY",
    "Effort",
    "TrainingParams",
    "Weighting",
    "plan_candidates",
]

#: Word 1-2 grams plus word-boundary character 3-5 grams: robust to spelling and inflection.
WORDS_AND_CHARS = FeatureConfig(word_max_n=2, char_min_n=3, char_max_n=5)
#: Word 1-2 grams only: sharper when specific words and phrases carry the signal.
WORDS_ONLY = FeatureConfig(word_max_n=2, char_min_n=0, char_max_n=0)
#: Word unigrams plus short character 2-4 grams: for short texts and morphology-heavy cues.
SHORT_CHARS = FeatureConfig(word_max_n=1, char_min_n=2, char_max_n=4)
#: Word 1-2 grams and character 2-5 grams in separate halves, each scaled to unit length.
BLOCKS = FeatureConfig(word_max_n=2, char_min_n=2, char_max_n=5, split_blocks=True)
#: The same n-grams sharing one space and one length.
WORDS_AND_CHARS_25 = FeatureConfig(word_max_n=2, char_min_n=2, char_max_n=5)


def _learned(
    features: FeatureConfig, c: float, nb: bool = True, beta: float = 1.0
) -> TrainingParams:
    return TrainingParams(
        features=features,
        prototypes="learned",
        c=c,
        nb_weighted=nb,
        nb_interpolation=beta,
        centered=False,
    )


def _mean(features: FeatureConfig, shrinkage: float = 0.0, centered: bool = True) -> TrainingParams:
    return TrainingParams(features=features, shrinkage=shrinkage, centered=centered)


#: The candidates each level adds to the previous level's (as many as there were before).
_NEW: dict[Effort, tuple[TrainingParams, ...]] = {
    "low": (_learned(BLOCKS, 16.0, beta=0.1), _mean(WORDS_AND_CHARS)),
    "medium": (_learned(BLOCKS, 4.0, beta=0.25), _learned(BLOCKS, 16.0, beta=0.05)),
    "high": (
        _learned(BLOCKS, 4.0),
        _learned(BLOCKS, 4.0, nb=False),
        _learned(BLOCKS, 1.0, beta=0.1),
        _learned(BLOCKS, 16.0, beta=0.25),
    ),
    "max": (
        _learned(WORDS_AND_CHARS_25, 16.0, beta=0.1),
        _learned(WORDS_AND_CHARS_25, 4.0),
        _learned(BLOCKS, 16.0, nb=False),
        _learned(BLOCKS, 64.0, beta=0.1),
        _learned(WORDS_AND_CHARS, 16.0, beta=0.1),
        _learned(SHORT_CHARS, 16.0, beta=0.1),
        _mean(WORDS_ONLY),
        _mean(WORDS_AND_CHARS, shrinkage=1.0),
    ),
}


def plan_candidates(effort: Effort) -> list[TrainingParams]:
    """Candidates for an effort level, in a fixed order: the lower levels' first, then new ones.

    Counts are 2, 4, 8 and 16 for the ``EFFORTS``, lowest first. Ties in cross-validation go to the
    earlier candidate, so the settings that usually win are tried first and kept on a tie.
    """
    if effort not in _NEW:
        raise ValueError(f"effort must be one of {EFFORTS}, got {effort!r}")
    plan: list[TrainingParams] = []
    for level in EFFORTS:
        plan.extend(_NEW[level])
        if level == effort:
            break
    return plan
