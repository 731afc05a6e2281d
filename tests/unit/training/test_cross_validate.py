"""``cross_validate`` hands the fit the calibrations it would compute again: the same model."""

from __future__ import annotations

import pytest

from u22a8.training import (
    FeatureCache,
    TrainingParams,
    cross_validate,
    evaluate_candidate,
    fit,
    plan_candidates,
)

from .test_quality import CRITERIA, make_dataset


@pytest.mark.parametrize(
    "params", [plan_candidates("low")[0], plan_candidates("low")[1]], ids=["learned", "mean"]
)
def test_a_fit_given_the_cross_validation_calibrations_is_the_same_model(
    params: TrainingParams,
) -> None:
    samples = make_dataset(160, seed=11)
    cache = FeatureCache()
    validated = cross_validate(samples, CRITERIA, params, cache=cache)
    assert validated.result == evaluate_candidate(samples, CRITERIA, params, cache=cache)
    assert len(validated.calibrations) == len(CRITERIA)
    assert all(c.slope > 0.0 for c in validated.calibrations)  # learnable data: a real curve
    computed = fit(samples, CRITERIA, params, cache=cache)
    given = fit(samples, CRITERIA, params, cache=cache, calibrations=validated.calibrations)
    assert given.calibrations == computed.calibrations
    assert given.to_bytes() == computed.to_bytes()


def test_calibrations_from_other_folds_make_another_model() -> None:
    """The calibrations are used as given (the test above could not fail otherwise)."""
    samples = make_dataset(160, seed=11)
    params = plan_candidates("low")[0]
    cache = FeatureCache()
    other = cross_validate(samples, CRITERIA, params, cache=cache, seed=7).calibrations
    assert fit(samples, CRITERIA, params, cache=cache, calibrations=other).to_bytes() != (
        fit(samples, CRITERIA, params, cache=cache).to_bytes()
    )
