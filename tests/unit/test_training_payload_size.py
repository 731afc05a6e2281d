"""The worst-case training run stays inside Step Functions' 256 KiB per state.

``States.DataLimitExceeded`` cannot be caught: a state over the limit fails the execution outside
``Record failure`` and leaves the run to the reconciler. The largest states are the Map's output
(one result per candidate) and what follows it, so this builds the worst case from the real step
code and the real definition: a ``max`` search's plan, 20 criteria of 64 characters that each
take the most bytes JSON can spend on one, the longest handle, and metrics whose numbers print
as long as a float can. Each state's data is what the definition's ResultSelector and ResultPath
keep of each step's real output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from local import template
from u22a8.api.schemas import MAX_CRITERION_CHARS
from u22a8.data.artifacts import artifact_key
from u22a8.domain.training_run import results, snapshot
from u22a8.domain.training_run.fitting import version_metrics
from u22a8.entities.model import MAX_CRITERIA
from u22a8.training import CandidateResult, plan_candidates
from u22a8.training.objective import Calibration

LIMIT_BYTES = 256 * 1024
#: The longest the handle pattern allows (39 + 1 + 63 characters).
HANDLE = "n" * 39 + "." + "m" * 63
RUN_ID = "run_" + "f" * 26
#: One character, escaped by JSON to 12 bytes (a surrogate pair as ``\uXXXX\uXXXX``).
WIDEST_CHARACTER = "\U0001f600"
#: A float whose shortest repr is as long as any (17 significant digits, sign, exponent).
LONGEST_FLOAT = -1.2345678901234567e-300
LARGEST_COUNT = 10**9

Compactor = Callable[[int, CandidateResult, Sequence[str]], dict[str, Any]]


def _definition() -> dict[str, Any]:
    path = template.ROOT / "statemachine" / "training.asl.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _size(data: Any) -> int:
    """Bytes of the JSON Step Functions stores, however it escapes: the larger of both."""
    return max(
        len(json.dumps(data, ensure_ascii=flag, separators=(",", ":")).encode())
        for flag in (True, False)
    )


def _select(selector: Mapping[str, str], payload: Mapping[str, Any]) -> dict[str, Any]:
    """A ResultSelector applied to a Lambda invoke result (paths of the form $.Payload.<field>)."""
    selected: dict[str, Any] = {}
    for key, path in selector.items():
        found = re.fullmatch(r"\$\.Payload\.(\w+)", path)
        assert key.endswith(".$"), key
        assert found, f"unexpected selector {key}: {path}"
        selected[key[:-2]] = payload[found.group(1)]
    return selected


def _result_path(state: Mapping[str, Any]) -> str:
    path = str(state["ResultPath"])
    assert re.fullmatch(r"\$\.\w+", path), path
    return path[2:]


def _worst_criteria() -> list[str]:
    return [f"{i:02d}" + WIDEST_CHARACTER * (MAX_CRITERION_CHARS - 2) for i in range(MAX_CRITERIA)]


def _worst_result(params: Any, criteria: Sequence[str]) -> CandidateResult:
    metrics: dict[str, Any] = {
        name: {"spearman": LONGEST_FLOAT, "auc": LONGEST_FLOAT, "n": LARGEST_COUNT}
        for name in criteria
    }
    return CandidateResult(
        params=params, metrics=metrics, objective=LONGEST_FLOAT, tiebreak=LONGEST_FLOAT
    )


def _with_calibrations(
    index: int, result: CandidateResult, criteria: Sequence[str]
) -> dict[str, Any]:
    """What an evaluation returns: the compact result with a calibration per criterion."""
    worst = Calibration(slope=LONGEST_FLOAT, intercept=LONGEST_FLOAT)
    return results.compact(index, result, criteria, [worst] * len(criteria))


def _named(index: int, result: CandidateResult, criteria: Sequence[str]) -> dict[str, Any]:
    """The shape results had before: metrics keyed by criterion name."""
    return {**_with_calibrations(index, result, criteria), **result.to_dict()}


def _worst_states(compact: Compactor) -> dict[str, int]:
    """Bytes of each state's data along the longest path of the worst-case run."""
    states = _definition()["States"]
    criteria = _worst_criteria()
    plan = plan_candidates("max")
    state: dict[str, Any] = {
        "handle": HANDLE,
        "run_id": RUN_ID,
        "kind": "train",
        "effort": "max",
        "reoptimize_params": True,
    }
    sizes = {"input": _size(state)}
    dataset_key = snapshot.snapshot_key(HANDLE, RUN_ID)
    outputs = {
        "Load samples": {
            "dataset_key": dataset_key,
            "sample_count": LARGEST_COUNT,
            "criteria": criteria,
            "samples_seen": LARGEST_COUNT,
        },
        "Plan candidates": {
            "candidates": [{"index": i, "params": p.to_dict()} for i, p in enumerate(plan)],
            "total": len(plan),
        },
    }
    for name in ("Load samples", "Plan candidates"):
        step = states[name]
        state[_result_path(step)] = _select(step["ResultSelector"], outputs[name])
        sizes[name] = _size(state)

    mapped = states["Evaluate candidates"]
    evaluate = mapped["ItemProcessor"]["States"]["Evaluate candidate"]
    worst = [_worst_result(p, criteria) for p in plan]
    state[_result_path(mapped)] = [
        _select(evaluate["ResultSelector"], compact(i, r, criteria)) for i, r in enumerate(worst)
    ]
    sizes["Evaluate candidates"] = _size(state)

    version_id = snapshot.version_id_for(RUN_ID)
    fitted = {
        "version_id": version_id,
        "params": plan[-1].to_dict(),
        "metrics": version_metrics(worst[-1]),
        "artifact_key": artifact_key(HANDLE, version_id),
        "artifact_bytes": LARGEST_COUNT,
        "sample_count": LARGEST_COUNT,
    }
    fit = states["Fit best candidate"]
    state[_result_path(fit)] = _select(fit["ResultSelector"], fitted)
    sizes["Fit best candidate"] = _size(state)
    publish = states["Publish version"]
    state[_result_path(publish)] = _select(
        publish["ResultSelector"], {"version": 999_999, "version_id": version_id}
    )
    sizes["Publish version"] = _size(state)
    return sizes


def test_the_worst_case_run_keeps_every_state_under_the_limit() -> None:
    sizes = _worst_states(_with_calibrations)
    for state, size in sizes.items():
        assert size < LIMIT_BYTES, f"{state}: {size} bytes"
    # Room to spare, so a new field in a result does not put a run at the edge.
    assert max(sizes.values()) < LIMIT_BYTES // 2, sizes


def test_results_keyed_by_criterion_name_would_exceed_it() -> None:
    """What the Map returned before: the same run failed with States.DataLimitExceeded."""
    assert _worst_states(_named)["Evaluate candidates"] > LIMIT_BYTES


def test_the_worst_criteria_are_valid_names() -> None:
    criteria = _worst_criteria()
    assert len(criteria) == MAX_CRITERIA
    assert all(len(name) == MAX_CRITERION_CHARS for name in criteria)
    assert len(set(criteria)) == MAX_CRITERIA


@pytest.mark.parametrize("count", [1, 2, MAX_CRITERIA])
def test_compact_results_expand_back_to_the_same_result(count: int) -> None:
    criteria = _worst_criteria()[:count]
    original = _worst_result(plan_candidates("max")[0], criteria)
    travelled = json.loads(json.dumps(results.compact(7, original, criteria)))
    assert travelled["index"] == 7
    assert results.expand(travelled, criteria) == original
