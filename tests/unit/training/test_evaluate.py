"""Cross-validation of one candidate, fold assignment, choosing the best, determinism."""

from __future__ import annotations

import json
import math

import numpy as np

from u22a8.training import (
    CandidateResult,
    FeatureCache,
    LabelledSample,
    TrainingParams,
    as_samples,
    collect_labels,
    evaluate_candidate,
    plan_candidates,
    run_search,
    select_best,
)
from u22a8.training.evaluate import CriterionMetrics, assign_folds

from .test_quality import CRITERIA, make_dataset


def test_folds_are_deterministic_balanced_and_stratified() -> None:
    samples = make_dataset(103, seed=2)
    labels = collect_labels(samples, CRITERIA)
    folds = assign_folds(len(samples), labels, 5, seed=0)
    assert np.array_equal(folds, assign_folds(len(samples), labels, 5, seed=0))
    assert not np.array_equal(folds, assign_folds(len(samples), labels, 5, seed=1))
    sizes = np.bincount(folds, minlength=5)
    assert sizes.max() - sizes.min() <= 1
    first = labels[0]
    for in_class in (first.high, ~first.high):
        per_fold = np.bincount(folds[first.rows[in_class]], minlength=5)
        assert per_fold.max() <= math.ceil(in_class.sum() / 5)


def test_small_classes_are_spread_over_folds() -> None:
    # 3 high among 10: every training part keeps at least 2 high samples.
    samples = [
        LabelledSample(text=f"t{i}", scores={"Flow": 0.9 if i < 3 else 0.1}) for i in range(10)
    ]
    labels = collect_labels(samples, ["Flow"])
    folds = assign_folds(10, labels, 5, seed=0)
    assert sorted(folds[:3].tolist()) == sorted(set(folds[:3].tolist()))


def test_candidate_metrics_cover_every_criterion() -> None:
    samples = make_dataset(120, seed=4)
    result = evaluate_candidate(samples, CRITERIA, TrainingParams(), cache=FeatureCache())
    assert set(result.metrics) == set(CRITERIA)
    for name in CRITERIA:
        metrics = result.metrics[name]
        assert metrics["n"] == sum(name in s.scores for s in samples)
        assert 0.0 <= metrics["auc"] <= 1.0
        assert -1.0 <= metrics["spearman"] <= 1.0
    assert result.objective == np.mean([m["auc"] for m in result.metrics.values()])
    assert result.tiebreak == np.mean([m["spearman"] for m in result.metrics.values()])


def test_candidate_result_round_trips_through_json() -> None:
    samples = make_dataset(60, seed=4)
    result = evaluate_candidate(samples, CRITERIA, TrainingParams(), cache=FeatureCache())
    assert CandidateResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def _result(objective: float, tiebreak: float, shrinkage: float) -> CandidateResult:
    metrics = {"C": CriterionMetrics(spearman=tiebreak, auc=objective, n=10)}
    return CandidateResult(TrainingParams(shrinkage=shrinkage), metrics, objective, tiebreak)


def test_select_best_orders_by_objective_then_tiebreak_then_position() -> None:
    a = _result(0.8, 0.5, 0.0)
    b = _result(0.9, 0.1, 1.0)
    c = _result(0.9, 0.3, 2.0)
    d = _result(0.9, 0.3, 3.0)
    assert select_best([a, b]) is b
    assert select_best([a, b, c, d]) is c
    assert select_best([d, c]) is d


def test_search_is_deterministic_and_featurizes_once_per_config() -> None:
    samples = make_dataset(150, seed=8)
    cache = FeatureCache()
    first = run_search(samples, CRITERIA, "medium", cache=cache)
    configs = {p.features for p in plan_candidates("medium")}
    assert cache.misses == len(configs)
    second = run_search(samples, CRITERIA, "medium", cache=FeatureCache())
    assert [r.to_dict() for r in first.candidates] == [r.to_dict() for r in second.candidates]
    assert first.best_params == second.best_params
    assert first.best_metrics == second.best_metrics
    assert len(first.candidates) == len(plan_candidates("medium"))


def test_map_state_style_evaluation_matches_the_in_process_search() -> None:
    raw = [{"text": s.text, "scores": dict(s.scores)} for s in make_dataset(80, seed=9)]
    samples = as_samples(raw)
    items = [json.dumps(p.to_dict()) for p in plan_candidates("low")]
    results = [
        CandidateResult.from_dict(
            json.loads(
                json.dumps(
                    evaluate_candidate(
                        samples, CRITERIA, TrainingParams.from_dict(json.loads(item))
                    ).to_dict()
                )
            )
        )
        for item in items
    ]
    in_process = run_search(samples, CRITERIA, "low", cache=FeatureCache())
    assert select_best(results) == in_process.best
