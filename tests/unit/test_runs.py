"""Runs without AWS: ids, the "same request" rule, item mapping, and the model-busy problem."""

from __future__ import annotations

import json
import re

import pytest

from u22a8.api import problems
from u22a8.api.run_mapping import run_resource, train_request
from u22a8.api.run_schemas import TRAIN_BODY
from u22a8.config import get_settings
from u22a8.data import runs_repo
from u22a8.data.items import to_item
from u22a8.data.runs_repo import ClaimRefused, item_from_run, run_from_item, running_request
from u22a8.domain import runs_service
from u22a8.entities import errors
from u22a8.entities.model import Model, ModelState, OperationError
from u22a8.entities.run import (
    RUN_ID_PATTERN,
    Run,
    RunningRequest,
    RunStatus,
    TrainRequest,
    new_run_id,
    require_valid_run_id,
)

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:stack-training"


def test_run_ids_match_their_pattern_and_sort_by_start() -> None:
    ids = [new_run_id(now_ms=ms) for ms in (1, 2, 10, 1_800_000_000_000)]
    for run_id in ids:
        assert re.fullmatch(RUN_ID_PATTERN, run_id)
        assert require_valid_run_id(run_id) == run_id
    assert sorted(ids) == ids
    assert len({new_run_id(now_ms=5) for _ in range(100)}) == 100


@pytest.mark.parametrize("bad", ["", "run_", "run_XYZ", "run_" + "0" * 21, "mv_" + "0" * 20])
def test_malformed_run_ids_are_422(bad: str) -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        require_valid_run_id(bad)
    assert raised.value.errors[0].loc == ("path", "run_id")


@pytest.mark.parametrize(
    ("running", "request_", "same"),
    [
        (RunningRequest("r", "train", "medium", False), TrainRequest(), True),
        (RunningRequest("r", "train", "high", True), TrainRequest("high", True), True),
        (RunningRequest("r", "train", "high", False), TrainRequest("high", True), False),
        (RunningRequest("r", "train", "low", False), TrainRequest(), False),
        (RunningRequest("r", "retrain", None, False), TrainRequest(), False),
        (RunningRequest("r", "retrain", "medium", False), TrainRequest(), False),
    ],
)
def test_the_same_request_is_same_kind_effort_and_reoptimize(
    running: RunningRequest, request_: TrainRequest, same: bool
) -> None:
    assert running.same_as(request_) is same


def test_a_null_effort_is_medium() -> None:
    assert train_request(TRAIN_BODY.validate({"effort": None})) == TrainRequest("medium")
    assert train_request(TRAIN_BODY.validate({})) == TrainRequest("medium", False)
    assert train_request(TRAIN_BODY.validate({"effort": "max", "reoptimize_params": True})) == (
        TrainRequest("max", True)
    )


def test_a_run_survives_its_item() -> None:
    run = Run(
        run_id=new_run_id(),
        kind="train",
        status=RunStatus.FAILED,
        started_at="2026-05-19T12:00:00.000Z",
        effort="high",
        reoptimize_params=True,
        finished_at="2026-05-19T12:01:00.000Z",
        progress=0.25,
        error=OperationError("run-failed", "It broke."),
        version=None,
        execution_arn="arn:aws:states:us-east-1:1:execution:sm:x",
    )
    item = item_from_run("acme.m", run)
    assert item["pk"] == {"S": "MODEL#acme.m"}
    assert item["sk"] == {"S": f"RUN#{run.run_id}"}
    assert "version" not in item  # null is never stored
    assert "gsi1pk" not in item  # never in the model listing
    assert run_from_item(item) == run
    resource = run_resource(run)
    assert resource["error"] == {"code": "run-failed", "message": "It broke."}
    assert set(resource) == {
        "run_id",
        "kind",
        "status",
        "effort",
        "reoptimize_params",
        "started_at",
        "finished_at",
        "progress",
        "error",
        "version",
    }


def test_the_running_request_is_read_from_the_model_item() -> None:
    operation = {"kind": "train", "run_id": "run_a", "effort": "low", "reoptimize_params": True}
    item = to_item({"current_run_id": "run_a", "last_operation": operation})
    assert running_request(item) == RunningRequest("run_a", "train", "low", True)
    assert running_request(to_item({"state": "draft"})) is None
    # A run that holds the model without our claim's fields (another writer): never "the same".
    foreign = to_item({"current_run_id": "run_b", "last_operation": operation})
    assert running_request(foreign) == RunningRequest("run_b", "train", None, False)


def test_model_busy_names_the_running_run_in_the_problem() -> None:
    response = problems.from_domain_error(errors.ModelBusy("acme.m", "run_x"), "req-1")
    body = json.loads(response.body)
    assert response.status == 409
    assert body["type"] == "https://u22a8.ai/problems/model-busy"
    assert body["run_id"] == "run_x"
    assert "run_x" in body["detail"]
    assert list(body)[-1] == "request_id"
    without = json.loads(problems.from_domain_error(errors.ModelBusy("acme.m", None), None).body)
    assert "run_id" not in without


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.RunNotFound("acme.m", "run_x"), 404),
        (errors.RunFinished("acme.m", "run_x", "succeeded"), 409),
        (errors.ModelBusy("acme.m", "run_x"), 409),
    ],
)
def test_run_errors_have_their_statuses(error: errors.DomainError, status: int) -> None:
    assert problems.spec_for(error).status == status


@pytest.mark.parametrize("state", [ModelState.BUSY, ModelState.READY])
def test_a_refused_claim_without_a_readable_running_run_is_answered_not_raised(
    monkeypatch: pytest.MonkeyPatch, state: ModelState
) -> None:
    """The claim saw the model busy, but its run item could not be read (``running`` is None):
    still a plain 409 model-busy (without a run id), never an AttributeError; a ready model
    refused a re-train without re-optimizing is the no-op 200."""
    model = Model(
        handle="acme.m",
        criteria=("Clarity",),
        state=state,
        created_at="2026-05-01T09:00:00.000Z",
        updated_at="2026-05-01T09:00:00.000Z",
        revision=3,
    )

    def claim(*args: object) -> None:
        raise ClaimRefused(model, None)

    monkeypatch.setenv("TRAINING_STATE_MACHINE_ARN", MACHINE)
    get_settings.cache_clear()
    monkeypatch.setattr(runs_repo, "claim", claim)
    if state is ModelState.BUSY:
        with pytest.raises(errors.ModelBusy) as caught:
            runs_service.train("acme", "acme.m", TrainRequest(), None)
        assert caught.value.run_id is None
    else:
        outcome = runs_service.train("acme", "acme.m", TrainRequest(), None)
        assert (outcome.state, outcome.run_id) == (ModelState.READY, None)
