"""The candidate plan: sizes per effort, distinctness, nesting, readable params, JSON round trip."""

from __future__ import annotations

import itertools
import json

import pytest

from u22a8.training.search import EFFORTS, TrainingParams, plan_candidates


def test_each_effort_doubles_the_distinct_candidates() -> None:
    counts = [len(set(plan_candidates(effort))) for effort in EFFORTS]
    for smaller, larger in itertools.pairwise(counts):
        assert larger >= 2 * smaller
    assert counts == [2, 4, 8, 16]


@pytest.mark.parametrize("effort", EFFORTS)
def test_candidates_are_distinct_models(effort: str) -> None:
    plan = plan_candidates(effort)  # type: ignore[arg-type]
    assert len(set(plan)) == len(plan)
    dicts = [json.dumps(p.to_dict(), sort_keys=True) for p in plan]
    assert len(set(dicts)) == len(dicts)
    summaries = [p.describe() for p in plan]
    assert len(set(summaries)) == len(summaries)


def test_plans_are_nested_and_deterministic() -> None:
    previous: list[TrainingParams] = []
    for effort in EFFORTS:
        plan = plan_candidates(effort)
        assert plan == plan_candidates(effort)
        assert plan[: len(previous)] == previous
        previous = plan


def test_the_search_chooses_between_mean_and_learned_prototypes_at_every_effort() -> None:
    for effort in EFFORTS:
        plan = plan_candidates(effort)
        assert {p.prototypes for p in plan} == {"mean", "learned"}
    plan = plan_candidates("max")
    assert len({p.features for p in plan}) > 2
    assert len({p.c for p in plan if p.learned}) > 2
    assert {p.nb_weighted for p in plan if p.learned} == {True, False}
    assert len({p.nb_interpolation for p in plan if p.learned}) > 2
    assert len({(p.shrinkage, p.centered) for p in plan if not p.learned}) > 1


def test_params_round_trip_through_json() -> None:
    for params in plan_candidates("max"):
        assert TrainingParams.from_dict(json.loads(json.dumps(params.to_dict()))) == params


def test_params_say_what_was_chosen_in_words() -> None:
    learned = plan_candidates("low")[0].to_dict()
    assert learned["summary"].startswith("learned prototypes")
    assert "C = 16" in learned["summary"]
    assert "naive-Bayes" in learned["summary"]
    assert "10 % fitted + 90 % naive-Bayes weights" in learned["summary"]
    assert "character 2-5 grams" in learned["summary"]
    assert plan_candidates("low")[1].to_dict()["summary"].startswith("class-mean prototypes")


def test_params_written_before_learned_prototypes_read_as_class_means() -> None:
    old = dict(TrainingParams().to_dict().items())
    for key in ("prototypes", "c", "nb_weighted", "nb_interpolation", "summary"):
        del old[key]
    assert TrainingParams.from_dict(old) == TrainingParams()


def test_params_written_before_the_interpolation_read_as_the_fit_alone() -> None:
    nbsvm = TrainingParams(prototypes="learned", centered=False, c=4.0, nb_weighted=True)
    old = {k: v for k, v in nbsvm.to_dict().items() if k != "nb_interpolation"}
    assert TrainingParams.from_dict(old) == nbsvm
    assert nbsvm.nb_interpolation == 1.0
    assert "interpolated" not in nbsvm.describe()


def test_invalid_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="effort"):
        plan_candidates("extreme")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shrinkage"):
        TrainingParams(shrinkage=-1.0)
    bad = TrainingParams().to_dict() | {"weighting": "random"}
    with pytest.raises(ValueError, match="weighting"):
        TrainingParams.from_dict(bad)
    with pytest.raises(ValueError, match="prototypes must be"):
        TrainingParams.from_dict(TrainingParams().to_dict() | {"prototypes": "median"})
    with pytest.raises(ValueError, match="c must be"):
        TrainingParams(prototypes="learned", centered=False, c=0.0)
    with pytest.raises(ValueError, match="learned prototypes take no"):
        TrainingParams(prototypes="learned", shrinkage=1.0, centered=False)
    with pytest.raises(ValueError, match="learned prototypes only"):
        TrainingParams(nb_weighted=True)
    for beta in (0.0, -0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="nb_interpolation must be"):
            TrainingParams(
                prototypes="learned", centered=False, nb_weighted=True, nb_interpolation=beta
            )
    with pytest.raises(ValueError, match="nb_interpolation applies"):
        TrainingParams(prototypes="learned", centered=False, nb_interpolation=0.5)
    with pytest.raises(ValueError, match="nb_interpolation applies"):
        TrainingParams(nb_interpolation=0.5)
