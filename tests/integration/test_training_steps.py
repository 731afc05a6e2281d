"""The training steps called directly, for the races a whole execution cannot stage on demand: a
run that lost its model between two steps, a retried publish, zero-data-retention turned on
mid-run, concurrent progress. The run is claimed by writing what ``POST …/train`` writes
(docs/training-design.md, "Claim"), without starting an execution."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from local.synthetic import labelled_samples
from tests.helpers import GatewayClient
from u22a8.config import get_settings
from u22a8.data import artifacts, clients, inline_artifacts, runs_repo, training_repo
from u22a8.domain import runs_service
from u22a8.domain.training_run import fitting, outcome, snapshot
from u22a8.domain.training_run.errors import RunSuperseded, ZeroDataRetentionOn
from u22a8.domain.training_run.step import BadPayload
from u22a8.entities.model import ModelState
from u22a8.entities.run import Run, RunStatus, TrainRequest
from u22a8.training import TrainingParams, plan_candidates

pytestmark = pytest.mark.workflow

HANDLE = "acme.steps"
CRITERIA = ["Clarity", "Flow"]


def _key(sk: str) -> dict[str, Any]:
    return {"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": sk}}


def _item(sk: str) -> dict[str, Any]:
    item: dict[str, Any] = clients.dynamodb().get_item(
        TableName=get_settings().models_table, Key=_key(sk), ConsistentRead=True
    )["Item"]
    return item


def claim(run_id: str, kind: str = "train") -> None:
    """The model busy with ``run_id`` and the run running: the API's claim, without a start."""
    run = Run(
        run_id=run_id,
        kind=kind,
        status=RunStatus.RUNNING,
        started_at="2026-05-19T12:00:00.000Z",
        effort="low",
        progress=0.0,
    )
    claimable = [ModelState.DRAFT, ModelState.FAILED, ModelState.READY]
    runs_repo.claim(HANDLE, run, TrainRequest(effort="low"), claimable, None)


def release(run_id: str) -> None:
    """What a cancel does: the run ends and the model no longer belongs to it."""
    assert runs_service.finish_run(HANDLE, run_id, "cancelled")


def _objects(prefix: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(
        Bucket=get_settings().artifacts_bucket, Prefix=prefix
    )
    return [o["Key"] for o in listed.get("Contents", [])]


@pytest.fixture
def model(api: GatewayClient) -> None:
    assert api.post("/v1/models", {"handle": HANDLE, "criteria": CRITERIA}).status == 201
    samples = labelled_samples(30, CRITERIA, seed=9)
    assert api.post(f"/v1/models/{HANDLE}/samples", {"samples": samples}).status == 201


def _loaded(run_id: str) -> dict[str, Any]:
    return fitting.load_samples({"handle": HANDLE, "run_id": run_id})


def _fitted(run_id: str, loaded: dict[str, Any]) -> dict[str, Any]:
    params = plan_candidates("low")[0]
    cache = fitting.ContainerCache()
    event = {
        "handle": HANDLE,
        "run_id": run_id,
        "dataset_key": loaded["dataset_key"],
        "total": 1,
        "candidate": {"index": 0, "params": params.to_dict()},
    }
    result = fitting.evaluate_candidate(event, cache)
    return fitting.fit_best(
        {
            "handle": HANDLE,
            "run_id": run_id,
            "dataset_key": loaded["dataset_key"],
            "results": [result],
        },
        cache,
    )


def _publish(run_id: str, loaded: dict[str, Any], fitted: dict[str, Any]) -> dict[str, Any]:
    return outcome.publish_version(
        {
            "handle": HANDLE,
            "run_id": run_id,
            "dataset_key": loaded["dataset_key"],
            "samples_seen": loaded["samples_seen"],
            "fitted": fitted,
        }
    )


@pytest.mark.usefixtures("model")
def test_a_publish_retried_after_it_committed_answers_the_same() -> None:
    run_id = "run_0192f1e2a3b4aaaaaaaaaaaa"
    claim(run_id)
    loaded = _loaded(run_id)
    assert loaded["samples_seen"] == 30
    assert _objects("datasets/") == [loaded["dataset_key"]]
    fitted = _fitted(run_id, loaded)

    first = _publish(run_id, loaded, fitted)
    again = _publish(run_id, loaded, fitted)

    assert first == again == {"version": 1, "version_id": fitted["version_id"]}
    meta = _item("META")
    assert meta["state"]["S"] == "ready"
    assert meta["version_count"]["N"] == "1"
    assert meta["samples_since_version"]["N"] == "0"
    assert "current_run_id" not in meta
    assert "gsi2pk" not in meta
    assert "state_before_run" not in meta
    assert "operation_before_run" not in meta
    run = _item(f"RUN#{run_id}")
    assert run["status"]["S"] == "succeeded"
    assert run["version"]["N"] == "1"
    assert _objects("datasets/") == []  # the snapshot is gone once published
    assert _objects("artifacts/") == [fitted["artifact_key"]]


@pytest.mark.usefixtures("model")
def test_a_small_artifact_is_copied_into_the_table_with_its_version() -> None:
    run_id = "run_0192f1e2a3b4cccccccccccc"
    claim(run_id)
    loaded = _loaded(run_id)
    fitted = _fitted(run_id, loaded)
    assert inline_artifacts.fits(fitted["artifact_bytes"])
    _publish(run_id, loaded, fitted)
    copied = inline_artifacts.get(HANDLE, fitted["version_id"])
    assert copied is not None
    assert copied == artifacts.get_artifact(fitted["artifact_key"])


@pytest.mark.usefixtures("model")
def test_an_artifact_too_large_for_the_table_stays_in_s3_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id = "run_0192f1e2a3b4dddddddddddd"
    claim(run_id)
    loaded = _loaded(run_id)
    fitted = _fitted(run_id, loaded)
    monkeypatch.setattr(
        inline_artifacts, "inline_limit_bytes", lambda: fitted["artifact_bytes"] - 1
    )
    assert _publish(run_id, loaded, fitted)["version"] == 1
    assert inline_artifacts.get(HANDLE, fitted["version_id"]) is None
    assert _objects("artifacts/") == [fitted["artifact_key"]]


@pytest.mark.usefixtures("model")
def test_the_next_run_publishes_the_next_number_and_keeps_newer_samples_counted(
    api: GatewayClient,
) -> None:
    first = "run_0192f1e2a3b4aaaaaaaaaaaa"
    claim(first)
    loaded = _loaded(first)
    _publish(first, loaded, _fitted(first, loaded))
    second = "run_0192f1e2a3b5bbbbbbbbbbbb"
    claim(second, kind="retrain")
    loaded = _loaded(second)
    # Samples added while the run trains are not in its snapshot: they still count as new.
    late = labelled_samples(4, CRITERIA, seed=10)
    assert api.post(f"/v1/models/{HANDLE}/samples", {"samples": late}).status == 201

    published = _publish(second, loaded, _fitted(second, loaded))

    assert published["version"] == 2
    meta = _item("META")
    assert meta["active_version"]["N"] == "2"
    assert meta["version_count"]["N"] == "2"
    assert meta["samples_since_version"]["N"] == "4"
    assert meta["last_operation"]["M"]["kind"]["S"] == "retrain"


@pytest.mark.usefixtures("model")
def test_a_run_that_lost_its_model_publishes_nothing_and_deletes_its_artifact() -> None:
    run_id = "run_0192f1e2a3b4aaaaaaaaaaaa"
    claim(run_id)
    loaded = _loaded(run_id)
    fitted = _fitted(run_id, loaded)
    release(run_id)
    revision = _item("META")["revision"]["N"]

    with pytest.raises(RunSuperseded):
        _publish(run_id, loaded, fitted)

    meta = _item("META")
    assert meta["state"]["S"] == "draft"
    assert meta["revision"]["N"] == revision
    assert "active_version" not in meta
    assert _objects("artifacts/") == []
    assert _objects("datasets/") == []
    with pytest.raises(RunSuperseded):  # and a later step of it refuses to start
        _loaded(run_id)


@pytest.mark.usefixtures("model")
def test_zero_data_retention_turned_on_mid_run_stops_it(api: GatewayClient) -> None:
    run_id = "run_0192f1e2a3b4aaaaaaaaaaaa"
    claim(run_id)
    loaded = _loaded(run_id)
    fitted = _fitted(run_id, loaded)
    patched = api.patch(f"/v1/models/{HANDLE}", {"zero_data_retention": True})
    assert patched.status == 200, patched.body

    with pytest.raises(ZeroDataRetentionOn):
        _publish(run_id, loaded, fitted)
    with pytest.raises(ZeroDataRetentionOn):
        training_repo_progress(run_id, index=0)
    with pytest.raises(ZeroDataRetentionOn):
        _loaded(run_id)
    assert "active_version" not in _item("META")
    assert _objects("artifacts/") == []


def training_repo_progress(run_id: str, index: int, total: int = 4) -> float:
    """The progress write of an evaluation, through the step's own error translation."""
    try:
        return training_repo.record_candidate_done(HANDLE, run_id, index, total)
    except training_repo.RetentionTurnedOn as purged:
        raise ZeroDataRetentionOn(HANDLE) from purged
    except training_repo.RunNotCurrent as gone:
        raise RunSuperseded(HANDLE, run_id) from gone


@pytest.mark.usefixtures("model")
def test_progress_counts_each_candidate_once_only_grows_and_keeps_the_etag() -> None:
    run_id = "run_0192f1e2a3b4aaaaaaaaaaaa"
    claim(run_id)
    revision = _item("META")["revision"]["N"]

    assert training_repo_progress(run_id, 2) == 0.2
    assert training_repo_progress(run_id, 2) == 0.2  # a retried evaluation counts once
    assert training_repo_progress(run_id, 0) == 0.4
    assert training_repo_progress(run_id, 3) == 0.6

    meta = _item("META")
    assert meta["last_operation"]["M"]["progress"]["N"] == "0.6"
    assert meta["revision"]["N"] == revision
    run = _item(f"RUN#{run_id}")
    assert run["candidates_done"]["N"] == "3"
    assert run["progress"]["N"] == "0.6"
    release(run_id)
    with pytest.raises(RunSuperseded):
        training_repo_progress(run_id, 1)


@pytest.mark.usefixtures("model")
def test_a_retrain_reuses_the_active_params_without_a_search() -> None:
    first = "run_0192f1e2a3b4aaaaaaaaaaaa"
    claim(first)
    loaded = _loaded(first)
    fitted = _fitted(first, loaded)
    _publish(first, loaded, fitted)
    retrain = "run_0192f1e2a3b5bbbbbbbbbbbb"
    claim(retrain, kind="retrain")

    plan = fitting.plan_candidates(
        {"handle": HANDLE, "run_id": retrain, "kind": "retrain", "effort": None}
    )

    assert plan["total"] == 1
    (candidate,) = plan["candidates"]
    assert TrainingParams.from_dict(candidate["params"]) == TrainingParams.from_dict(
        fitted["params"]
    )
    assert _item(f"RUN#{retrain}")["candidates_total"]["N"] == "1"
    search = fitting.plan_candidates(
        {"handle": HANDLE, "run_id": retrain, "kind": "train", "effort": "high"}
    )
    assert search["total"] == len(plan_candidates("high"))


@pytest.mark.usefixtures("model")
def test_the_snapshot_holds_the_samples_in_insertion_order() -> None:
    run_id = "run_0192f1e2a3b4aaaaaaaaaaaa"
    claim(run_id)
    loaded = _loaded(run_id)

    stored = snapshot.decode(artifacts.get_artifact(loaded["dataset_key"]))

    assert stored.criteria == tuple(CRITERIA)
    assert [s["text"] for s in stored.samples] == [
        s["text"] for s in labelled_samples(30, CRITERIA, seed=9)
    ]
    assert loaded["sample_count"] == 30
    assert _item(f"RUN#{run_id}")["dataset_key"]["S"] == loaded["dataset_key"]


@pytest.mark.usefixtures("model")
def test_the_fit_uses_the_winners_travelled_calibrations_and_makes_the_same_artifact() -> None:
    """Each result carries its calibrations, so ``Fit best candidate`` does not cross-validate
    the winner again; a result without them (an execution started before they travelled) is
    fitted as before, to the same bytes, and a malformed one is refused."""
    run_id = "run_0192f1e2a3b4aaaaaaaaaaaa"
    claim(run_id)
    loaded = _loaded(run_id)
    cache = fitting.ContainerCache()
    evaluated = [
        fitting.evaluate_candidate(
            {
                "handle": HANDLE,
                "run_id": run_id,
                "dataset_key": loaded["dataset_key"],
                "total": 2,
                "candidate": {"index": i, "params": p.to_dict()},
            },
            cache,
        )
        for i, p in enumerate(plan_candidates("low"))
    ]
    assert all(len(r["calibrations"]) == len(CRITERIA) for r in evaluated)

    def fitted(results: list[dict[str, Any]]) -> bytes:
        event = {"handle": HANDLE, "run_id": run_id, "dataset_key": loaded["dataset_key"]}
        answer = fitting.fit_best({**event, "results": results}, fitting.ContainerCache())
        return artifacts.get_artifact(answer["artifact_key"])

    travelled = fitted(evaluated)
    assert fitted([{k: v for k, v in r.items() if k != "calibrations"} for r in evaluated]) == (
        travelled
    )
    # Another candidate's calibrations in the winner's place show they are used as they come.
    swapped = [
        {**r, "calibrations": evaluated[1 - i]["calibrations"]} for i, r in enumerate(evaluated)
    ]
    assert fitted(swapped) != travelled
    with pytest.raises(BadPayload, match="calibration"):
        fitted([{**r, "calibrations": [[1.0, "x"]] * len(CRITERIA)} for r in evaluated])
