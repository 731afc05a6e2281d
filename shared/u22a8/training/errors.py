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


#: Most characters of sample text a run trains on. Featurising takes about 190 MB per million
#: characters (measured: 517 MB at 10,000 samples of 254 characters, 998 MB at 20,000), and the
#: evaluation function has 1,769 MB (template.yaml), so 8 million characters (about 31,000 such
#: samples, or 130,000 package summaries of 60 characters) peak near 1.6 GB with room left for
#: the fit itself. Larger sets fail at once, before any search, rather than run out of memory.
MAX_TRAINING_CHARS = 8_000_000


class TooManySamples(TrainingError):
    """The samples hold more text than a run can featurise within its function's memory."""

    code = "too-many-samples"

    def __init__(self, samples: int, characters: int) -> None:
        self.samples = samples
        self.characters = characters
        super().__init__(
            f"the model's samples hold more than {MAX_TRAINING_CHARS:,} characters of text (the "
            f"first {samples:,} already hold {characters:,}), and a training run handles at most "
            f"{MAX_TRAINING_CHARS:,} characters (about 31,000 samples of 250 characters) within "
            "its memory. Delete samples, or split the model's criteria over models with fewer "
            "samples each"
        )


def within_size_limit[T](samples: Iterable[tuple[str, T]]) -> Iterator[tuple[str, T]]:
    """``(text, labels)`` pairs passed through, raising :class:`TooManySamples` as soon as their
    text exceeds :data:`MAX_TRAINING_CHARS`: a too large set fails without being read whole."""
    characters = 0
    for count, (text, labels) in enumerate(samples, start=1):
        characters += len(text)
        if characters > MAX_TRAINING_CHARS:
            raise TooManySamples(count, characters)
        yield text, labels


def check_size(texts: Iterable[str]) -> None:
    """Raise :class:`TooManySamples` when ``texts`` exceed :data:`MAX_TRAINING_CHARS`."""
    for _ in within_size_limit((text, None) for text in texts):
        pass


class InvalidSamples(TrainingError):
    """Samples that the API should have rejected reached training (e.g. a score outside 0..1)."""

    code = "invalid-samples"
