"""The compute steps: ``Load samples``, ``Plan candidates``, ``Evaluate candidate``,
``Fit best candidate``. Each takes the state machine's payload and returns the next one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from u22a8 import training as trainer
from u22a8.data import artifacts, training_repo, versions_repo
from u22a8.data.training_repo import RunModel, RunNotCurrent
from u22a8.domain import events
from u22a8.domain.training_run import results, snapshot
from u22a8.domain.training_run.errors import (
    RunSuperseded,
    SamplesUnavailable,
    ZeroDataRetentionOn,
)
from u22a8.domain.training_run.step import BadPayload, integer, mapping, text
from u22a8.entities.model import ModelState
from u22a8.observability import logger
from u22a8.training import (
    DEFAULT_EFFORT,
    EFFORTS,
    OBJECTIVE_NAME,
    CandidateResult,
    Effort,
    FeatureCache,
    LabelledSample,
    TrainingError,
    TrainingParams,
    as_samples,
    check_enough_samples,
    collect_labels,
    fit,
    select_best,
    within_size_limit,
)

#: Errors whose class name and message ``Record failure`` shows to the user as they are.
USER_ERRORS: tuple[type[Exception], ...] = (TrainingError,)


@dataclass
class ContainerCache:
    """What a warm Lambda container keeps between invocations of one run's steps: the last
    snapshot it read and the features computed from it (keyed by the snapshot's S3 key)."""

    # One feature configuration at a time: the size limit (``MAX_TRAINING_CHARS``) is what one
    # featurised dataset takes of the evaluation function's memory.
    features: FeatureCache = field(default_factory=lambda: FeatureCache(max_entries=1))
    dataset_key: str | None = None
    criteria: tuple[str, ...] = ()
    samples: list[LabelledSample] = field(default_factory=list)

    def load(self, handle: str, dataset_key: str) -> tuple[tuple[str, ...], list[LabelledSample]]:
        if dataset_key != self.dataset_key:
            try:
                blob = artifacts.get_artifact(dataset_key)
            except artifacts.ArtifactMissing as missing:
                model = training_repo.get_model(handle)
                if model is not None and model.zero_data_retention:
                    raise ZeroDataRetentionOn(handle) from missing  # purged with the samples
                raise SamplesUnavailable(handle) from missing
            data = snapshot.decode(blob)
            self.features.clear()
            self.dataset_key = dataset_key
            self.criteria = data.criteria
            self.samples = as_samples(data.samples)
        return self.criteria, self.samples


def _holding_model(handle: str, run_id: str) -> RunModel:
    """The model, if ``run_id`` still holds it and it still retains samples."""
    model = training_repo.get_model(handle)
    if model is None or model.current_run_id != run_id:
        raise RunSuperseded(handle, run_id)
    if model.zero_data_retention:
        raise ZeroDataRetentionOn(handle)
    return model


def load_samples(event: Mapping[str, Any]) -> dict[str, Any]:
    """Snapshot the model's samples to S3, after checking the run still holds the model, that
    every criterion has enough labelled samples and that the text fits a run's memory (a too
    small or too large dataset fails before any search).

    The model is read before the samples: ``samples_seen`` (its count of samples since the active
    version) then covers no sample the snapshot lacks, so publishing can subtract it safely.
    """
    handle, run_id = text(event, "handle"), text(event, "run_id")
    model = _holding_model(handle, run_id)
    _announce_busy(handle, run_id, model.state_before_run)
    samples = within_size_limit(training_repo.iter_samples(handle, model.data_epoch))
    rows = [{"text": t, "scores": s} for t, s in samples]
    check_enough_samples(collect_labels(as_samples(rows), model.criteria))
    key = snapshot.snapshot_key(handle, run_id)
    artifacts.put_artifact(key, snapshot.encode(model.criteria, rows), "application/gzip")
    try:
        training_repo.record_snapshot(handle, run_id, key, len(rows))
    except RunNotCurrent as gone:
        artifacts.delete_artifact(key)
        raise RunSuperseded(handle, run_id) from gone
    logger.info("samples loaded", extra={"sample_count": len(rows)})
    return {
        "dataset_key": key,
        "sample_count": len(rows),
        "criteria": list(model.criteria),
        "samples_seen": model.samples_since_version,
    }


def _announce_busy(handle: str, run_id: str, state_before_run: str | None) -> None:
    """``Model State Changed`` to ``busy``, from the run's first step rather than the API: the
    train request then needs no events client (cold start), a run that never got to run (its
    start undone, or cancelled first) announces nothing, and the model item read here says which
    state the claim left (``state_before_run``). A retried step may announce twice, as
    EventBridge delivers at least once anyway."""
    from_state = ModelState(state_before_run) if state_before_run else None
    events.model_state_changed(handle, ModelState.BUSY, from_state, run_id)


def _effort(raw: Any) -> Effort:
    if raw is None:
        return DEFAULT_EFFORT
    if raw not in EFFORTS:
        raise BadPayload(f"unknown effort {raw!r}")
    return cast(Effort, raw)


def plan_candidates(event: Mapping[str, Any]) -> dict[str, Any]:
    """The candidates to cross-validate: the effort's grid, or for a retrain the active version's
    params alone (no search). A retrain of a model without an active version searches with the
    default effort instead, rather than fail."""
    handle, run_id = text(event, "handle"), text(event, "run_id")
    plan: Sequence[TrainingParams] = ()
    if event.get("kind") == "retrain":
        model = _holding_model(handle, run_id)
        active = versions_repo.get(handle, model.active_version) if model.active_version else None
        if active is not None and active.params:
            plan = [TrainingParams.from_dict(dict(active.params))]
    if not plan:
        plan = trainer.plan_candidates(_effort(event.get("effort")))
    try:
        training_repo.record_plan(handle, run_id, len(plan))
    except RunNotCurrent as gone:
        raise RunSuperseded(handle, run_id) from gone
    return {
        "candidates": [{"index": i, "params": p.to_dict()} for i, p in enumerate(plan)],
        "total": len(plan),
    }


def evaluate_candidate(event: Mapping[str, Any], cache: ContainerCache) -> dict[str, Any]:
    """Cross-validate one candidate (a Map iteration), then count it in the run's progress."""
    handle, run_id = text(event, "handle"), text(event, "run_id")
    dataset_key, total = text(event, "dataset_key"), integer(event, "total")
    candidate = mapping(event, "candidate")
    index = integer(candidate, "index")
    params = TrainingParams.from_dict(dict(mapping(candidate, "params")))
    criteria, samples = cache.load(handle, dataset_key)
    validated = trainer.cross_validate(
        samples, criteria, params, cache=cache.features, dataset_id=dataset_key
    )
    try:
        training_repo.record_candidate_done(handle, run_id, index, total)
    except RunNotCurrent as gone:
        raise RunSuperseded(handle, run_id) from gone
    except training_repo.RetentionTurnedOn as purged:
        raise ZeroDataRetentionOn(handle) from purged
    return results.compact(index, validated.result, criteria, validated.calibrations)


def version_metrics(result: CandidateResult) -> dict[str, Any]:
    """A version's ``metrics``: each criterion's out-of-fold ``{spearman, auc, n}``, and under
    ``objective`` what chose the candidate (mean AUC, then mean Spearman). A criterion named
    ``objective`` keeps its own metrics there instead."""
    metrics: dict[str, Any] = {name: dict(m) for name, m in result.metrics.items()}
    metrics.setdefault(
        "objective",
        {"name": OBJECTIVE_NAME, "mean_auc": result.objective, "mean_spearman": result.tiebreak},
    )
    return metrics


def fit_best(event: Mapping[str, Any], cache: ContainerCache) -> dict[str, Any]:
    """Choose the best result (plan order breaks ties), fit it on all samples, store the artifact
    under the run's version id."""
    handle, run_id = text(event, "handle"), text(event, "run_id")
    raw_results = event.get("results")
    if not isinstance(raw_results, list) or not raw_results:
        raise BadPayload("payload field 'results' must be a non-empty list")
    ordered = sorted(raw_results, key=lambda r: int(r["index"]))
    _holding_model(handle, run_id)  # no fit for a cancelled run, or on purged samples
    dataset_key = text(event, "dataset_key")
    criteria, samples = cache.load(handle, dataset_key)
    expanded = [results.expand(r, criteria) for r in ordered]
    best = select_best(expanded)
    # The winner's own calibrations (from its cross-validation): the same as fitting computes.
    winner = next(raw for raw, result in zip(ordered, expanded, strict=True) if result is best)
    calibrations = results.calibrations(winner, criteria)
    model = fit(
        samples,
        criteria,
        best.params,
        cache=cache.features,
        dataset_id=dataset_key,
        calibrations=calibrations,
    )
    version_id = snapshot.version_id_for(run_id)
    key = artifacts.artifact_key(handle, version_id)
    blob = model.to_bytes()
    artifacts.put_artifact(key, blob)
    logger.info("best candidate fitted", extra={"version_id": version_id})
    return {
        "version_id": version_id,
        "params": best.params.to_dict(),
        "metrics": version_metrics(best),
        "artifact_key": key,
        "artifact_bytes": len(blob),
        "sample_count": len(samples),
    }
