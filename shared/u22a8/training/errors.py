"""Errors a training run can end with.

Each error carries a stable ``code`` so the API can map it to a run's failure reason without
parsing messages, and a ``message`` that is safe to show to the user as-is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: A sample's score at or above this counts as "high" for its criterion; below it, "low".
HIGH_THRESHOLD = 0.5
#: Folds used by cross-validation unless a caller asks for another number.
DEFAULT_FOLDS = 5
#: Fewest labelled samples a criterion needs. Two per fold keeps every validation fold non-empty
#: with room to spare, and below this rank correlation and AUC are too noisy to choose parameters.
MIN_LABELLED_PER_CRITERION = 2 * DEFAULT_FOLDS
#: Fewest samples per class (high and low) a criterion needs. With stratified folds a class of
#: three leaves at least two of it in every training fold, so every fold can build both prototypes.
MIN_PER_CLASS = 3


class TrainingError(Exception):
    """A training failure the user can act on; ``code`` is stable, ``message`` is user-facing."""

    code: str = "training-failed"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


@dataclass(frozen=True, slots=True)
class Shortfall:
    """How far one criterion is from trainable, kept structured for callers that want numbers."""

    criterion: str
    labelled: int
    high: int
    low: int

    def describe(self) -> str:
        """Say what is needed and what there is, in the user's terms."""
        return (
            f"criterion {self.criterion!r} needs at least {MIN_LABELLED_PER_CRITERION} labelled "
            f"samples with at least {MIN_PER_CLASS} high (>= {HIGH_THRESHOLD}) and "
            f"{MIN_PER_CLASS} low; it has {self.labelled} ({self.high} high, {self.low} low)"
        )


class NotEnoughSamples(TrainingError):
    """Some criterion has too few labelled samples (or too few of one class) to train on."""

    code = "not-enough-samples"

    def __init__(self, shortfalls: list[Shortfall]) -> None:
        if not shortfalls:
            raise ValueError("NotEnoughSamples needs at least one shortfall")
        self.shortfalls = tuple(shortfalls)
        super().__init__("; ".join(s.describe() for s in shortfalls))


#: What a run's memory holds, in characters: each sample counts its text plus
#: ``SAMPLE_OVERHEAD_CHARS``. Measured (one evaluation in-process: snapshot decoded, featurised,
#: a learned candidate's 3 folds), memory grows by about 173 MB per million characters and
#: 4.6 KB per sample (the sample's Python objects and rows): 517 MB at 10,000 generated samples
#: of 254 characters, 1,485 MB at 30,000; 181 MB at 10,000 npm summaries of 55 characters,
#: 597 MB at 40,000. A limit on characters alone let 8 million characters of short texts
#: (145,000 summaries: about 2.1 GB) past the evaluation function's 1,769 MB (template.yaml).
#: 8 million counted this way is about 1.4 GB however long the texts are: about 28,900 samples
#: of 250 characters or 92,000 of 60. Larger sets fail at once, before any search.
MAX_TRAINING_CHARS = 8_000_000
#: A sample's memory beyond its text, in characters (4.6 KB a sample / 173 bytes a character).
SAMPLE_OVERHEAD_CHARS = 27


class TooManySamples(TrainingError):
    """The samples hold more text than a run can featurise within its function's memory."""

    code = "too-many-samples"

    def __init__(self, samples: int, characters: int) -> None:
        self.samples = samples
        self.characters = characters
        super().__init__(
            f"the model's samples are too large to train on: a training run handles at most "
            f"{MAX_TRAINING_CHARS:,} characters, counting each sample's text plus "
            f"{SAMPLE_OVERHEAD_CHARS} (about 28,900 samples of 250 characters, or 92,000 of 60), "
            f"within its memory, and the first {samples:,} samples already count "
            f"{characters:,}. Delete samples, or split the model's criteria over models with "
            "fewer samples each"
        )


def within_size_limit[T](samples: Iterable[tuple[str, T]]) -> Iterator[tuple[str, T]]:
    """``(text, labels)`` pairs passed through, raising :class:`TooManySamples` as soon as they
    count more than :data:`MAX_TRAINING_CHARS` (text plus :data:`SAMPLE_OVERHEAD_CHARS` each):
    a too large set fails without being read whole."""
    characters = 0
    for count, (text, labels) in enumerate(samples, start=1):
        characters += len(text) + SAMPLE_OVERHEAD_CHARS
        if characters > MAX_TRAINING_CHARS:
            raise TooManySamples(count, characters)
        yield text, labels


def check_size(texts: Iterable[str]) -> None:
    """Raise :class:`TooManySamples` when ``texts`` count more than :data:`MAX_TRAINING_CHARS`."""
    for _ in within_size_limit((text, None) for text in texts):
        pass


class InvalidSamples(TrainingError):
    """Samples that the API should have rejected reached training (e.g. a score outside 0..1)."""

    code = "invalid-samples"
