"""The training workflow end to end, in-process: the API starts a run, moto's Step Functions
engine executes the real state machine from ``template.yaml`` and invokes the real step handlers
(``local.lambda_bridge``), and the results are read back through the API and from S3.

Each test waits for its execution's end (the bridge's watcher), never for a fixed time.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError

from local.lambda_bridge import LambdaServiceError
from local.synthetic import labelled_samples
from tests.helpers import GatewayClient
from tests.integration.workflow_support import WAIT_S, Engine
from u22a8.config import get_settings
from u22a8.data import training_repo
from u22a8.training import (
    MIN_LABELLED_PER_CRITERION,
    FittedModel,
    TrainingParams,
    plan_candidates,
    roc_auc,
)

pytestmark = pytest.mark.workflow

CRITERIA = ["Clarity", "Flow"]
HANDLE = "acme.tone"


# -- helpers -------------------------------------------------------------------------------------


def create_model(api: GatewayClient, handle: str = HANDLE, **fields: Any) -> None:
    reply = api.post("/v1/models", {"handle": handle, "criteria": CRITERIA, **fields})
    assert reply.status == 201, reply.body


def add_samples(
    api: GatewayClient, samples: list[dict[str, Any]], handle: str = HANDLE
) -> list[str]:
    ids: list[str] = []
    for start in range(0, len(samples), 500):
        reply = api.post(f"/v1/models/{handle}/samples", {"samples": samples[start : start + 500]})
        assert reply.status == 201, reply.body
        ids.extend(reply.json()["sample_ids"])
    return ids


def train(
    api: GatewayClient, engine: Engine, body: dict[str, Any] | None = None, handle: str = HANDLE
) -> tuple[str, str]:
    """POST …/train, then wait for the execution; the run id and how the execution ended."""
    reply = api.post(f"/v1/models/{handle}/train", body if body is not None else {"effort": "low"})
    assert reply.status == 202, reply.body
    assert reply.json()["state"] == "busy"
    run_id = str(reply.json()["run_id"])
    return run_id, engine.wait(run_id).status


def model(api: GatewayClient, handle: str = HANDLE) -> dict[str, Any]:
    reply = api.get(f"/v1/models/{handle}")
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.json()
    return body


def run_of(api: GatewayClient, run_id: str, handle: str = HANDLE) -> dict[str, Any]:
    reply = api.get(f"/v1/models/{handle}/runs/{run_id}")
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.json()
    return body


def versions(api: GatewayClient, handle: str = HANDLE) -> list[dict[str, Any]]:
    reply = api.get(f"/v1/models/{handle}/versions")
    assert reply.status == 200, reply.body
    data: list[dict[str, Any]] = reply.json()["data"]
    return data


def s3_objects(prefix: str) -> dict[str, bytes]:
    s3 = boto3.client("s3")
    bucket = get_settings().artifacts_bucket
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def failed_errors(engine: Engine, run_id: str) -> list[str]:
    return [
        str(e["taskFailedEventDetails"].get("error"))
        for e in engine.history(run_id)
        if e["type"] == "TaskFailed"
    ]


# -- the happy path ------------------------------------------------------------------------------


def test_a_first_run_takes_a_draft_through_busy_to_ready_with_v1(
    api: GatewayClient, engine: Engine
) -> None:
    create_model(api)
    samples = labelled_samples(60, CRITERIA, seed=3)
    add_samples(api, samples)
    assert model(api)["state"] == "draft"
    etag_before = api.get(f"/v1/models/{HANDLE}").header("ETag")

    started = time.monotonic()
    reply = api.post(f"/v1/models/{HANDLE}/train", {"effort": "low"})
    assert reply.status == 202, reply.body
    run_id = reply.json()["run_id"]
    status = engine.wait(run_id).status
    seconds = time.monotonic() - started
    assert status == "SUCCEEDED", engine.output(run_id)

    ready = model(api)
    assert ready["state"] == "ready"
    assert ready["active_version"] == 1
    assert ready["active_version_id"].startswith("mv_")
    operation = ready["last_operation"]
    assert operation["kind"] == "train"
    assert operation["status"] == "succeeded"
    assert operation["run_id"] == run_id
    assert operation["progress"] == 1
    assert operation["finished_at"] >= operation["started_at"]
    assert operation.get("error") is None
    assert api.get(f"/v1/models/{HANDLE}").header("ETag") != etag_before

    (version,) = versions(api)
    assert version["version"] == 1
    assert version["version_id"] == ready["active_version_id"]
    assert version["run_id"] == run_id
    assert TrainingParams.from_dict(version["params"]) in plan_candidates("low")
    for criterion in CRITERIA:
        metrics = version["metrics"][criterion]
        assert metrics["n"] == 60
        assert 0.7 < metrics["auc"] <= 1  # the synthetic cues are learnable
        assert 0.5 < metrics["spearman"] <= 1
    objective = version["metrics"]["objective"]
    assert objective["name"] == "balanced_cosine"
    assert objective["mean_auc"] == pytest.approx(
        np.mean([version["metrics"][c]["auc"] for c in CRITERIA])
    )

    run = run_of(api, run_id)
    assert run["status"] == "succeeded"
    assert run["kind"] == "train"
    assert run["effort"] == "low"
    assert run["version"] == 1
    assert run["progress"] == 1
    assert run["error"] is None

    # The snapshot (sample text) is gone with the run; the artifact stays with the version.
    assert s3_objects("datasets/") == {}
    assert list(s3_objects("artifacts/")) == [f"artifacts/{HANDLE}/{version['version_id']}.npz"]

    entered = engine.entered_states(run_id)
    total = len(plan_candidates("low"))
    assert entered == {
        "Load samples": 1,
        "Plan candidates": 1,
        "Evaluate candidates": 1,
        "Evaluate candidate": total,
        "Fit best candidate": 1,
        "Publish version": 1,
        "Prune versions": 1,
        "Published": 1,
    }
    print(
        f"low effort, 60 samples: {seconds:.2f} s, {sum(entered.values())} state transitions "
        f"({total} candidates)"
    )


def test_progress_is_written_without_changing_the_etag(api: GatewayClient, engine: Engine) -> None:
    """Progress belongs to ``last_operation`` but does not bump the revision, so a client that
    polls GET and then PATCHes with If-Match is not refused because a candidate finished."""
    create_model(api)
    add_samples(api, labelled_samples(40, CRITERIA, seed=5))
    seen: list[tuple[float | None, str | None]] = []
    evaluate = engine.function_names["EvaluateCandidateFunction"]
    real = engine.registry.get(evaluate)
    assert real is not None

    def observing(event: dict[str, Any]) -> Any:
        result = real(event)
        reply = api.get(f"/v1/models/{HANDLE}")
        seen.append((reply.json()["last_operation"].get("progress"), reply.header("ETag")))
        return result

    engine.registry.register(evaluate, observing)
    run_id, status = train(api, engine, {"effort": "medium"})
    assert status == "SUCCEEDED"

    total = len(plan_candidates("medium"))
    progress = sorted(p for p, _ in seen if p is not None)
    assert len(progress) == total
    assert progress[-1] == pytest.approx(total / (total + 1), abs=1e-4)  # the fit is the last unit
    assert len({etag for _, etag in seen}) == 1  # the busy model's ETag never moved
    run = run_of(api, run_id)
    assert run["progress"] == 1


# -- failures ------------------------------------------------------------------------------------


def test_too_few_samples_fail_the_run_and_say_how_many_are_needed(
    api: GatewayClient, engine: Engine
) -> None:
    create_model(api)
    add_samples(api, labelled_samples(6, CRITERIA, seed=1))

    run_id, status = train(api, engine)

    # The user's failure, not the service's: recorded, then no Fail state (no alarm).
    assert status == "SUCCEEDED"
    failed = model(api)
    assert failed["state"] == "failed"
    assert failed["active_version"] is None
    error = failed["last_operation"]["error"]
    assert failed["last_operation"]["status"] == "failed"
    assert error["code"] == "not-enough-samples"
    assert f"at least {MIN_LABELLED_PER_CRITERION} labelled samples" in error["message"]
    assert "it has 6" in error["message"]
    assert "Traceback" not in error["message"]
    run = run_of(api, run_id)
    assert run["status"] == "failed"
    assert run["error"] == error
    assert versions(api) == []
    assert s3_objects("datasets/") == {}  # nothing was snapshotted
    entered = engine.entered_states(run_id)
    assert entered == {
        "Load samples": 1,
        "Record failure": 1,
        "Superseded?": 1,
        "Run failed on its input": 1,
    }
    assert failed_errors(engine, run_id) == ["NotEnoughSamples"]  # not retried


def test_a_failed_reoptimize_leaves_a_ready_model_on_its_old_version(
    api: GatewayClient, engine: Engine
) -> None:
    create_model(api)
    ids = add_samples(api, labelled_samples(40, CRITERIA, seed=2))
    first, status = train(api, engine)
    assert status == "SUCCEEDED"
    v1 = model(api)["active_version_id"]
    for sample_id in ids[8:]:
        assert api.delete(f"/v1/models/{HANDLE}/samples/{sample_id}").status == 204

    second, status = train(api, engine, {"effort": "low", "reoptimize_params": True})

    assert status == "SUCCEEDED"  # the run failed on its samples; the execution did its job
    after = model(api)
    assert after["state"] == "ready"
    assert after["active_version"] == 1
    assert after["active_version_id"] == v1
    operation = after["last_operation"]
    assert operation["run_id"] == second
    assert operation["status"] == "failed"
    assert operation["error"]["code"] == "not-enough-samples"
    assert run_of(api, second)["status"] == "failed"
    assert run_of(api, first)["status"] == "succeeded"
    assert [v["version"] for v in versions(api)] == [1]


def test_a_model_without_retained_samples_fails_to_train_and_says_why(
    api: GatewayClient, engine: Engine
) -> None:
    create_model(api, zero_data_retention=True)

    run_id, status = train(api, engine)

    assert status == "SUCCEEDED"
    assert engine.entered_states(run_id)["Run failed on its input"] == 1
    failed = model(api)
    assert failed["state"] == "failed"
    error = failed["last_operation"]["error"]
    assert error["code"] == "zero-data-retention"
    assert "zero-data-retention" in error["message"]
    assert engine.entered_states(run_id)["Load samples"] == 1
    assert s3_objects("datasets/") == {}


def test_a_crashing_step_is_recorded_as_an_internal_error(
    api: GatewayClient, engine: Engine
) -> None:
    create_model(api)
    add_samples(api, labelled_samples(40, CRITERIA, seed=4))

    def crash(event: dict[str, Any]) -> Any:
        raise RuntimeError("the fit ran out of luck")

    engine.registry.register(engine.function_names["FitBestCandidateFunction"], crash)
    run_id, status = train(api, engine)

    assert status == "FAILED"  # a crash is the service's failure: Fail, and the alarm
    assert engine.entered_states(run_id)["Run failed"] == 1
    failed = model(api)
    assert failed["state"] == "failed"
    error = failed["last_operation"]["error"]
    assert error["code"] == "internal-error"
    assert run_id in error["message"]  # what to quote to support
    assert "out of luck" not in error["message"]  # never the exception's own words
    assert "RuntimeError" not in error["message"]
    assert engine.entered_states(run_id)["Record failure"] == 1
    assert failed_errors(engine, run_id) == ["RuntimeError"]  # a bug is not retried
    assert s3_objects("datasets/") == {}  # the snapshot went with the failed run
    assert s3_objects("artifacts/") == {}


def test_transient_errors_are_retried_with_backoff_then_the_run_succeeds(
    api: GatewayClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_model(api)
    add_samples(api, labelled_samples(40, CRITERIA, seed=6))
    load = engine.function_names["LoadSamplesFunction"]
    real_load = engine.registry.get(load)
    assert real_load is not None
    calls = {"load": 0, "publish": 0}

    def lambda_throttled_once(event: dict[str, Any]) -> Any:
        calls["load"] += 1
        if calls["load"] == 1:
            raise LambdaServiceError("TooManyRequestsException", "Rate exceeded", status=429)
        return real_load(event)

    real_publish = training_repo.publish

    def dynamodb_throttled_twice(publication: training_repo.Publication) -> None:
        calls["publish"] += 1
        if calls["publish"] <= 2:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
                "TransactWriteItems",
            )
        real_publish(publication)

    engine.registry.register(load, lambda_throttled_once)
    monkeypatch.setattr(training_repo, "publish", dynamodb_throttled_twice)
    run_id, status = train(api, engine)

    assert status == "SUCCEEDED"
    assert model(api)["state"] == "ready"
    assert failed_errors(engine, run_id) == [
        "Lambda.TooManyRequestsException",
        "TransientError",
        "TransientError",
    ]
    assert engine.retry_waits == [2.0, 2.0, 4.0]  # IntervalSeconds 2, BackoffRate 2, per state
    assert calls == {"load": 2, "publish": 3}


def test_a_run_cancelled_mid_search_publishes_nothing(api: GatewayClient, engine: Engine) -> None:
    """Cancel stops the execution and releases the model at once; the evaluations already
    running finish (Step Functions does not interrupt a task), find the run gone, and nothing
    of the run reaches the model."""
    create_model(api)
    add_samples(api, labelled_samples(40, CRITERIA, seed=12))
    evaluate = engine.function_names["EvaluateCandidateFunction"]
    real = engine.registry.get(evaluate)
    assert real is not None
    entered, release = threading.Event(), threading.Event()
    calls = {"started": 0, "returned": 0}
    outcomes: list[str] = []
    done = threading.Condition()

    def held(event: dict[str, Any]) -> Any:
        with done:
            calls["started"] += 1
        entered.set()
        assert release.wait(WAIT_S)
        try:
            return real(event)
        except Exception as error:
            outcomes.append(type(error).__name__)
            raise
        finally:
            with done:
                calls["returned"] += 1
                done.notify_all()

    engine.registry.register(evaluate, held)
    reply = api.post(f"/v1/models/{HANDLE}/train", {"effort": "low"})
    assert reply.status == 202, reply.body
    run_id = reply.json()["run_id"]
    assert entered.wait(WAIT_S)
    cancelled = api.post(f"/v1/models/{HANDLE}/runs/{run_id}/cancel")
    assert cancelled.status == 200, cancelled.body
    release.set()

    # AWS reports ABORTED at once; moto ends an execution stopped mid-Map when the running
    # iterations return, as FAILED with their error. Either way no state after the Map runs.
    assert engine.wait(run_id).status in {"ABORTED", "FAILED"}
    after = model(api)
    assert after["state"] == "draft"
    assert after["active_version"] is None
    assert after["last_operation"]["status"] == "cancelled"
    assert run_of(api, run_id)["status"] == "cancelled"
    assert versions(api) == []
    assert s3_objects("artifacts/") == {}
    with done:  # the evaluations that were running when the cancel came have finished
        assert done.wait_for(lambda: calls["returned"] == calls["started"], WAIT_S)
    assert set(outcomes) == {"RunSuperseded"}  # none of them counted itself into the run
    assert run_of(api, run_id)["progress"] == 0
    states = engine.entered_states(run_id)
    assert "Fit best candidate" not in states
    assert "Record failure" not in states


# -- what the execution history holds ------------------------------------------------------------


def test_the_execution_history_never_holds_sample_text(api: GatewayClient, engine: Engine) -> None:
    create_model(api)
    samples = labelled_samples(40, CRITERIA, seed=7)
    add_samples(api, samples)
    run_id, status = train(api, engine)
    assert status == "SUCCEEDED"
    too_few = "acme.small"
    create_model(api, too_few)
    add_samples(api, samples[:5], handle=too_few)
    failed_run, status = train(api, engine, handle=too_few)
    assert status == "SUCCEEDED"  # failed on its samples (the run says so)
    assert run_of(api, failed_run, too_few)["status"] == "failed"

    for rid in (run_id, failed_run):
        history = json.dumps(engine.history(rid), default=str)
        output = json.dumps(engine.output(rid))
        assert len(history) > 1000
        for sample in samples:
            assert sample["text"] not in history
            assert sample["text"] not in output
            # Not even a fragment: the texts' longest words are the synthetic cues and filler.
            assert sample["text"][:40] not in history


def test_two_runs_on_the_same_samples_publish_the_same_model(
    api: GatewayClient, engine: Engine
) -> None:
    samples = labelled_samples(50, CRITERIA, seed=8)
    published = []
    for handle in ("acme.first", "acme.second"):
        create_model(api, handle)
        add_samples(api, samples, handle=handle)
        _, status = train(api, engine, {"effort": "medium"}, handle=handle)
        assert status == "SUCCEEDED"
        (version,) = versions(api, handle)
        artifact = s3_objects(f"artifacts/{handle}/")
        published.append((version["params"], version["metrics"], list(artifact.values())))

    (params_a, metrics_a, blob_a), (params_b, metrics_b, blob_b) = published
    assert params_a == params_b
    assert metrics_a == metrics_b
    assert blob_a == blob_b  # byte for byte


# -- quality -------------------------------------------------------------------------------------


def test_the_published_artifact_scores_held_out_texts_well(
    api: GatewayClient, engine: Engine
) -> None:
    """Each synthetic criterion depends on its own cue words; the artifact the workflow published
    must rank held-out texts clearly better than a constant scorer (AUC 0.5), per criterion, and
    must not confuse the criteria with each other."""
    data = labelled_samples(400, CRITERIA, seed=21)
    train_set, held_out = data[:240], data[240:]
    create_model(api)
    add_samples(api, train_set)
    _, status = train(api, engine, {"effort": "medium"})
    assert status == "SUCCEEDED"

    (version,) = versions(api)
    (blob,) = s3_objects(f"artifacts/{HANDLE}/{version['version_id']}.npz").values()
    fitted = FittedModel.from_bytes(blob)
    assert fitted.criteria == tuple(CRITERIA)
    scores = fitted.score_matrix([s["text"] for s in held_out])
    for j, criterion in enumerate(CRITERIA):
        high = np.array([s["scores"][criterion] >= 0.5 for s in held_out])
        auc = roc_auc(high, scores[:, j])
        other = CRITERIA[1 - j]
        cross = roc_auc(np.array([s["scores"][other] >= 0.5 for s in held_out]), scores[:, j])
        print(f"{criterion}: held-out AUC {auc:.3f}, against {other}'s labels {cross:.3f}")
        assert auc >= 0.8
        assert abs(cross - 0.5) < 0.15
