"""Too few samples (or too much text) fails with a message that says what is needed and what
there is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from u22a8.training import (
    MIN_LABELLED_PER_CRITERION,
    MIN_PER_CLASS,
    InvalidSamples,
    LabelledSample,
    NotEnoughSamples,
    TooManySamples,
    TrainingError,
    as_samples,
    check_size,
    collect_labels,
    errors,
    evaluate_candidate,
    fit,
    run_search,
    within_size_limit,
)
from u22a8.training.search import TrainingParams


def _samples(flow_scores: list[float], clarity_count: int = 12) -> list[LabelledSample]:
    out = [
        LabelledSample(text=f"text number {i}", scores={"Clarity": 0.9 if i % 2 else 0.1})
        for i in range(clarity_count)
    ]
    out += [
        LabelledSample(text=f"flow text {i}", scores={"Flow": score})
        for i, score in enumerate(flow_scores)
    ]
    return out


def test_minimums_fit_five_fold_cross_validation() -> None:
    assert MIN_LABELLED_PER_CRITERION >= 10
    assert MIN_PER_CLASS >= 3


def test_message_names_the_criterion_and_counts() -> None:
    samples = _samples([0.9, 0.2, 0.1, 0.3])
    with pytest.raises(NotEnoughSamples) as caught:
        run_search(samples, ["Clarity", "Flow"], "low")
    error = caught.value
    assert error.code == "not-enough-samples"
    assert isinstance(error, TrainingError)
    assert error.message == (
        "criterion 'Flow' needs at least 10 labelled samples with at least 3 high (>= 0.5) "
        "and 3 low; it has 4 (1 high, 3 low)"
    )
    assert [s.criterion for s in error.shortfalls] == ["Flow"]


def test_a_criterion_without_low_samples_fails_even_with_many_samples() -> None:
    samples = _samples([0.8] * 20)
    with pytest.raises(NotEnoughSamples, match=r"it has 20 \(20 high, 0 low\)"):
        fit(samples, ["Clarity", "Flow"], TrainingParams())


def test_every_short_criterion_is_reported() -> None:
    with pytest.raises(NotEnoughSamples) as caught:
        evaluate_candidate(_samples([], clarity_count=4), ["Clarity", "Flow"], TrainingParams())
    assert [s.criterion for s in caught.value.shortfalls] == ["Clarity", "Flow"]
    assert "it has 0 (0 high, 0 low)" in caught.value.message


def test_scores_outside_zero_to_one_are_invalid() -> None:
    samples = [*_samples([0.5] * 12), LabelledSample(text="bad", scores={"Flow": 1.5})]
    with pytest.raises(InvalidSamples) as caught:
        fit(samples, ["Clarity", "Flow"], TrainingParams())
    assert caught.value.code == "invalid-samples"


def test_non_numeric_scores_are_invalid_and_missing_ones_unlabelled() -> None:
    raw = [{"text": "fine", "scores": {"Flow": None}}, {"text": "bad", "scores": {"Flow": "high"}}]
    samples = as_samples(raw)
    assert collect_labels(samples[:1], ["Flow"])[0].rows.size == 0
    with pytest.raises(InvalidSamples, match="sample 1"):
        collect_labels(samples, ["Flow"])


def test_the_size_limit_stops_reading_at_the_first_sample_over_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(errors, "MAX_TRAINING_CHARS", 10)
    monkeypatch.setattr(errors, "SAMPLE_OVERHEAD_CHARS", 0)
    read: list[int] = []

    def samples() -> Iterator[tuple[str, int]]:
        for i in range(100):
            read.append(i)
            yield "abcd", i

    with pytest.raises(TooManySamples) as caught:
        list(within_size_limit(samples()))
    assert read == [0, 1, 2]  # 4 + 4 + 4 > 10: the rest is never read
    assert (caught.value.samples, caught.value.characters) == (3, 12)
    assert caught.value.code == "too-many-samples"
    assert list(within_size_limit([("abcd", 1), ("abcdef", 2)])) == [("abcd", 1), ("abcdef", 2)]
    check_size(["0123456789"])
    with pytest.raises(TooManySamples):
        check_size(["0123456789", "x"])


def test_each_sample_counts_its_overhead_so_many_short_texts_hit_the_limit_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Memory grows per sample as well as per character: 3 one-character samples count 3 + 3 x 27
    (the default overhead), which 83 holds and 84 needs."""
    assert errors.SAMPLE_OVERHEAD_CHARS == 27
    monkeypatch.setattr(errors, "MAX_TRAINING_CHARS", 84)
    check_size(["a", "b", "c"])
    monkeypatch.setattr(errors, "MAX_TRAINING_CHARS", 83)
    with pytest.raises(TooManySamples) as caught:
        check_size(["a", "b", "c"])
    assert (caught.value.samples, caught.value.characters) == (3, 84)
    assert "counting each sample's text plus 27" in caught.value.message


def test_the_real_limit_admits_the_sets_its_memory_holds() -> None:
    """The measured memory model (errors.py): a set at the limit stays near 1.4 GB of the
    evaluation function's 1,769 MB, for long texts and short ones alike."""
    for length in (250, 60, 1):
        fitting = errors.MAX_TRAINING_CHARS // (length + errors.SAMPLE_OVERHEAD_CHARS)
        megabytes = 40 + 173e-6 * fitting * length + 4.6e-3 * fitting
        assert megabytes < 1_769 * 0.85, (length, fitting, megabytes)
        check_size(["x" * length] * fitting)
        with pytest.raises(TooManySamples):
            check_size(["x" * length] * (fitting + 1))
