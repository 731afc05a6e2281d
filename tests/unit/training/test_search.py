"""The candidate plan: sizes per effort, distinctness, nesting, JSON round trip."""

from __future__ import annotations

import itertools
import json

import pytest

from u22a8.training.search import EFFORTS, TrainingParams, plan_candidates


def test_each_effort_at_least_doubles_the_candidates() -> None:
    counts = [len(plan_candidates(effort)) for effort in EFFORTS]
    assert counts[0] >= 4
    for smaller, larger in itertools.pairwise(counts):
        assert larger >= 2 * smaller
    assert counts == [4, 8, 16, 48]


@pytest.mark.parametrize("effort", EFFORTS)
def test_candidates_are_distinct_and_few_feature_configs(effort: str) -> None:
    plan = plan_candidates(effort)  # type: ignore[arg-type]
    assert len(set(plan)) == len(plan)
    dicts = [json.dumps(p.to_dict(), sort_keys=True) for p in plan]
    assert len(set(dicts)) == len(dicts)
    assert len({p.features for p in plan}) <= 3


def test_plans_are_nested_and_deterministic() -> None:
    previous: list[TrainingParams] = []
    for effort in EFFORTS:
        plan = plan_candidates(effort)
        assert plan == plan_candidates(effort)
        assert plan[: len(previous)] == previous
        previous = plan


def test_every_searched_dimension_takes_more_than_one_value_at_max() -> None:
    plan = plan_candidates("max")
    assert len({p.features for p in plan}) > 1
    assert len({p.shrinkage for p in plan}) > 1
    assert len({p.centered for p in plan}) > 1
    assert len({p.weighting for p in plan}) > 1


def test_params_round_trip_through_json() -> None:
    for params in plan_candidates("max"):
        assert TrainingParams.from_dict(json.loads(json.dumps(params.to_dict()))) == params


def test_invalid_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="effort"):
        plan_candidates("extreme")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shrinkage"):
        TrainingParams(shrinkage=-1.0)
    bad = TrainingParams().to_dict() | {"weighting": "random"}
    with pytest.raises(ValueError, match="weighting"):
        TrainingParams.from_dict(bad)
