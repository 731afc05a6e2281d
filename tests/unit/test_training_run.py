"""The training steps' pure parts: error translation, the user-facing failure, the snapshot."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from u22a8 import training
from u22a8.data.transient import is_transient
from u22a8.domain.training_run import errors, failures, snapshot
from u22a8.domain.training_run.fitting import version_metrics
from u22a8.domain.training_run.step import BadPayload, integer, run_step, text
from u22a8.entities.errors import ServiceBusy
from u22a8.training import CandidateResult, CriterionMetrics, TrainingParams

RUN = "run_0192f1e2a3b4c5d6e7f8a9b0"


def _client_error(code: str, status: int = 400) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": "m"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "Op")


def _lambda_error(error_type: str, message: str) -> dict[str, str]:
    cause = {"errorType": error_type, "errorMessage": message, "stackTrace": ["  File x"]}
    return {"Error": error_type, "Cause": json.dumps(cause)}


# -- transient or not ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        ServiceBusy(),
        _client_error("ProvisionedThroughputExceededException"),
        _client_error("ThrottlingException"),
        _client_error("TransactionConflictException"),
        _client_error("SlowDown", 503),
        _client_error("InternalError", 500),
        ReadTimeoutError(endpoint_url="https://dynamodb"),
    ],
)
def test_throttling_conflicts_and_outages_are_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        _client_error("ConditionalCheckFailedException"),
        _client_error("ValidationException"),
        _client_error("NoSuchKey", 404),
        ValueError("bad"),
    ],
)
def test_answers_that_a_retry_cannot_change_are_not(error: Exception) -> None:
    assert not is_transient(error)


# -- the step wrapper ----------------------------------------------------------------------------


def _raise(error: Exception) -> Any:
    def action(event: Any) -> Any:
        raise error

    return action


def test_run_step_turns_throttling_into_transient_error() -> None:
    with pytest.raises(errors.TransientError):
        run_step("Load samples", _raise(_client_error("ThrottlingException")), {"handle": "a.b"})


def test_run_step_hides_what_an_unexpected_exception_says() -> None:
    with pytest.raises(errors.StepFailed) as failed:
        run_step("Fit best candidate", _raise(KeyError("some sample text")), {})
    assert "sample text" not in str(failed.value)
    assert "KeyError" in str(failed.value)


def test_run_step_lets_user_facing_errors_through_unchanged() -> None:
    superseded = errors.RunSuperseded("a.b", RUN)
    with pytest.raises(errors.RunSuperseded) as raised:
        run_step("Publish version", _raise(superseded), {})
    assert raised.value is superseded
    too_few = training.NotEnoughSamples([training.Shortfall("Clarity", 3, 2, 1)])
    with pytest.raises(training.NotEnoughSamples):
        run_step("Load samples", _raise(too_few), {}, (training.TrainingError,))
    with pytest.raises(errors.StepFailed):  # not declared by this step: hidden
        run_step("Publish version", _raise(too_few), {})


def test_payload_fields_are_checked() -> None:
    assert text({"handle": "a.b"}, "handle") == "a.b"
    assert integer({"total": 3}, "total") == 3
    for bad in ({}, {"handle": ""}, {"handle": 3}):
        with pytest.raises(BadPayload):
            text(bad, "handle")
    for bad_int in ({"total": True}, {"total": -1}, {"total": "3"}):
        with pytest.raises(BadPayload):
            integer(bad_int, "total")


# -- the user-facing failure ---------------------------------------------------------------------


def test_the_trainers_errors_keep_their_code_and_message() -> None:
    too_few = training.NotEnoughSamples([training.Shortfall("Clarity", 4, 3, 1)])
    error = failures.describe(_lambda_error("NotEnoughSamples", str(too_few)), RUN)
    assert error.code == "not-enough-samples"
    assert error.message == too_few.message
    invalid = failures.describe(_lambda_error("InvalidSamples", "sample 3 has score 2"), RUN)
    assert (invalid.code, invalid.message) == ("invalid-samples", "sample 3 has score 2")


def test_the_user_facing_table_matches_the_error_classes() -> None:
    classes: list[type[Any]] = [
        training.TrainingError,
        training.NotEnoughSamples,
        training.InvalidSamples,
        training.TooManySamples,
        errors.ZeroDataRetentionOn,
        errors.SamplesUnavailable,
        errors.RunSuperseded,
    ]
    assert {cls.__name__: cls.code for cls in classes} == failures.USER_FACING


def test_only_what_the_user_can_fix_counts_as_user_caused() -> None:
    """Those end the execution without ``Fail`` (no training-failed alarm); a superseded run is
    ended by whoever released it, and the service's own failures must keep alarming."""
    assert set(failures.USER_FACING.values()) - failures.USER_CAUSED == {"run-superseded"}
    for system in ("internal-error", "run-timed-out", "service-unavailable"):
        assert system not in failures.USER_CAUSED


@pytest.mark.parametrize(
    ("caught", "code"),
    [
        (_lambda_error("KeyError", "'text of a sample'"), "internal-error"),
        (_lambda_error("StepFailed", "Fit best candidate failed (KeyError)"), "internal-error"),
        ({"Error": "States.Runtime", "Cause": "path $.x not found"}, "internal-error"),
        ({"Error": "States.Timeout", "Cause": ""}, "run-timed-out"),
        ({"Error": "Lambda.ServiceException", "Cause": "oops"}, "service-unavailable"),
        (
            _lambda_error("TransientError", "Publish version: ThrottlingException"),
            "service-unavailable",
        ),
        ({"Error": "NotEnoughSamples", "Cause": "not json"}, "internal-error"),
        (None, "internal-error"),
    ],
)
def test_anything_else_gets_a_generic_message(caught: dict[str, str] | None, code: str) -> None:
    error = failures.describe(caught, RUN)
    assert error.code == code
    assert "sample" not in error.message.replace("no new version", "")
    assert "Traceback" not in error.message
    assert "File " not in error.message
    if code == "internal-error":
        assert RUN in error.message


# -- snapshot, ids, metrics ----------------------------------------------------------------------


def test_the_snapshot_round_trips_byte_identically() -> None:
    samples = [{"text": "Ünïcode ✓ text", "scores": {"Clarity": 0.25}}, {"text": "b", "scores": {}}]
    blob = snapshot.encode(["Clarity"], samples)
    assert blob == snapshot.encode(["Clarity"], samples)  # a retry rewrites the same bytes
    decoded = snapshot.decode(blob)
    assert decoded.criteria == ("Clarity",)
    assert list(decoded.samples) == samples
    assert snapshot.snapshot_key("acme.tone", RUN) == f"datasets/acme.tone/{RUN}.json.gz"


def test_a_run_has_one_version_id() -> None:
    version_id = snapshot.version_id_for(RUN)
    assert re.fullmatch(r"mv_[0-9a-f]{20}", version_id)
    assert snapshot.version_id_for(RUN) == version_id
    assert snapshot.version_id_for(RUN + "x") != version_id


def _result(criteria: list[str]) -> CandidateResult:
    metrics = {c: CriterionMetrics(spearman=0.5, auc=0.75, n=40) for c in criteria}
    return CandidateResult(TrainingParams(), metrics, objective=0.75, tiebreak=0.5)


def test_version_metrics_are_per_criterion_plus_the_objective() -> None:
    metrics = version_metrics(_result(["Clarity", "Flow"]))
    assert metrics["Clarity"] == {"spearman": 0.5, "auc": 0.75, "n": 40}
    assert metrics["objective"] == {
        "name": "balanced_cosine",
        "mean_auc": 0.75,
        "mean_spearman": 0.5,
    }
    clash = version_metrics(_result(["objective"]))
    assert clash == {"objective": {"spearman": 0.5, "auc": 0.75, "n": 40}}
