"""The training steps' events: the payloads ``statemachine/training.asl.json`` passes each step
for the story's run, with what the earlier steps return computed by the real trainer (it is
deterministic), rounded for stable files."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Final

from local.sam_story import CRITERIA, EFFORT, HANDLE, RUN_ID, samples_body


def _dataset_key() -> str:
    return f"datasets/{HANDLE}/{RUN_ID}.json.gz"  # snapshot.snapshot_key(HANDLE, RUN_ID)


def _run() -> dict[str, Any]:
    return {"handle": HANDLE, "run_id": RUN_ID}


def _candidate() -> dict[str, Any]:
    """The plan's first candidate for ``EFFORT``."""
    from u22a8.training import plan_candidates

    return {"index": 0, "params": plan_candidates(EFFORT)[0].to_dict()}


def _samples() -> list[Any]:
    from u22a8.training.types import LabelledSample

    return [
        LabelledSample(text=s["text"], scores=dict(s["scores"])) for s in samples_body()["samples"]
    ]


def _plan_total() -> int:
    from u22a8.training import plan_candidates

    return len(plan_candidates(EFFORT))


@cache
def _evaluated() -> dict[str, Any]:
    """What "Evaluate candidates" returns for the first candidate on the walk-through's samples:
    the trainer is deterministic, so this is the real result, in the compact shape the Map
    gathers (``results.compact``: metrics and calibrations as rows in the snapshot's criteria
    order), the metrics rounded for a stable file."""
    from u22a8.domain.training_run import results
    from u22a8.training import TrainingParams
    from u22a8.training.evaluate import cross_validate

    params = TrainingParams.from_dict(_candidate()["params"])
    validated = cross_validate(_samples(), list(CRITERIA), params)
    exact = results.compact(0, validated.result, CRITERIA, validated.calibrations)
    # The calibrations stay exact: the fit stores them in the artifact's header, whose size the
    # fit's event states.
    compact: dict[str, Any] = {**_rounded(exact), "calibrations": exact["calibrations"]}
    return compact


@cache
def _artifact_bytes() -> int:
    """The size of the artifact "Fit best candidate" stores for that candidate."""
    from u22a8.training import TrainingParams, fit

    params = TrainingParams.from_dict(_candidate()["params"])
    return len(fit(_samples(), list(CRITERIA), params).to_bytes())


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _version_id() -> str:
    from u22a8.domain.training_run.snapshot import version_id_for

    return version_id_for(RUN_ID)


def _fitted() -> dict[str, Any]:
    """What "Fit best candidate" returns (``$.fitted``), for the publish step."""
    from u22a8.data.artifacts import artifact_key
    from u22a8.domain.training_run import results
    from u22a8.domain.training_run.fitting import version_metrics

    best = results.expand(_evaluated(), CRITERIA)
    version_id = _version_id()
    return {
        "version_id": version_id,
        "params": best.params.to_dict(),
        "metrics": _rounded(version_metrics(best)),
        "artifact_key": artifact_key(HANDLE, version_id),
        "artifact_bytes": _artifact_bytes(),
        "sample_count": len(samples_body()["samples"]),
    }


STEP_EVENTS: Final[Mapping[str, Callable[[], dict[str, Any]]]] = {
    "LoadSamplesFunction": _run,
    "PlanCandidatesFunction": lambda: {**_run(), "kind": "train", "effort": EFFORT},
    "EvaluateCandidateFunction": lambda: {
        **_run(),
        "dataset_key": _dataset_key(),
        "total": _plan_total(),
        "candidate": _candidate(),
    },
    "FitBestCandidateFunction": lambda: {
        **_run(),
        "dataset_key": _dataset_key(),
        "results": [_evaluated()],
    },
    "PublishVersionFunction": lambda: {
        **_run(),
        "dataset_key": _dataset_key(),
        "samples_seen": len(samples_body()["samples"]),
        "fitted": _fitted(),
    },
    "PruneVersionsFunction": _run,
    "RecordFailureFunction": lambda: {
        **_run(),
        "error": {
            "Error": "NotEnoughSamples",
            "Cause": json.dumps({"errorMessage": "not enough samples", "errorType": "X"}),
        },
    },
}
