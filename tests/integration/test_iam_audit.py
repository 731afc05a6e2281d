"""The IAM audit at work on moto: calls are attributed to the function (or the state machine)
that makes them, and S3 answers a missing key as it answers a role without ``s3:ListBucket``."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from local import iam_audit, iam_policies
from local.synthetic import labelled_samples
from tests.helpers import GatewayClient
from tests.integration.workflow_support import Engine
from u22a8.data import artifacts

CRITERIA = ["Clarity", "Flow"]


def test_a_missing_object_answers_403_to_a_role_without_list_bucket(aws: dict[str, str]) -> None:
    s3 = boto3.client("s3")
    with iam_audit.recording(iam_policies.prefix_of(aws)), iam_audit.acting_as("ScoreFunction"):
        with pytest.raises(ClientError) as got:
            s3.get_object(Bucket=aws["ArtifactsBucket"], Key="artifacts/acme.x/mv_gone.npz")
        assert got.value.response["Error"]["Code"] == "AccessDenied"
        assert got.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        with pytest.raises(ClientError) as head:
            s3.head_object(Bucket=aws["ArtifactsBucket"], Key="artifacts/acme.x/mv_gone.npz")
        assert head.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # Outside any function (a test, the operator's CLI) moto's own answer stands.
    with pytest.raises(ClientError) as plain:
        s3.get_object(Bucket=aws["ArtifactsBucket"], Key="artifacts/acme.x/mv_gone.npz")
    assert plain.value.response["Error"]["Code"] == "NoSuchKey"


@pytest.mark.parametrize(
    ("function", "key"),
    [
        ("ScoreFunction", "artifacts/acme.x/mv_pruned.npz"),  # pruned while it was scored
        ("PublishVersionFunction", "artifacts/acme.x/mv_pruned.npz"),
        ("EvaluateCandidateFunction", "datasets/acme.x/run_purged.json.gz"),  # purged snapshot
        ("FitBestCandidateFunction", "datasets/acme.x/run_purged.json.gz"),
    ],
)
def test_an_object_gone_reads_as_missing_as_aws_answers_it(
    aws: dict[str, str], function: str, key: str
) -> None:
    """These functions may GetObject their prefix but not ListBucket: on AWS a missing object is
    AccessDenied to them, which must still mean "missing" (pruned artifact, purged snapshot)."""
    with (
        iam_audit.recording(iam_policies.prefix_of(aws)),
        iam_audit.acting_as(function),
        pytest.raises(artifacts.ArtifactMissing),
    ):
        artifacts.get_artifact(key)


def test_calls_are_attributed_to_the_function_that_makes_them(
    api: GatewayClient, aws: dict[str, str]
) -> None:
    with iam_audit.recording(iam_policies.prefix_of(aws)) as recorder:
        assert (
            api.post("/v1/models", {"handle": "acme.audited", "criteria": ["Clarity"]}).status
            == 201
        )
        assert api.get("/v1/models/acme.audited").status == 200
    made = {(call.principal, call.operation) for call in recorder.calls}
    assert ("AuthorizerFunction", "GetItem") in made
    assert ("CreateModelFunction", "PutItem") in made
    assert ("GetModelFunction", "GetItem") in made
    assert {call.principal for call in recorder.calls} == {
        "AuthorizerFunction",
        "CreateModelFunction",
        "GetModelFunction",
    }


@pytest.mark.workflow
def test_the_state_machines_task_invocations_are_its_own_calls(
    api: GatewayClient, engine: Engine, aws: dict[str, str]
) -> None:
    prefix = iam_policies.prefix_of(aws)
    with iam_audit.recording(prefix) as recorder:
        assert api.post("/v1/models", {"handle": "acme.steps", "criteria": CRITERIA}).status == 201
        samples = {"samples": labelled_samples(40, CRITERIA, seed=5)}
        assert api.post("/v1/models/acme.steps/samples", samples).status == 201
        reply = api.post("/v1/models/acme.steps/train", {"effort": "low"})
        assert reply.status == 202, reply.body
        assert engine.wait(reply.json()["run_id"]).status == "SUCCEEDED"
    machine = [call for call in recorder.calls if call.principal == "TrainingStateMachine"]
    assert {call.operation for call in machine} == {"Invoke"}
    invoked = {request.resource.rsplit(":", 1)[1] for call in machine for request in call.requests}
    steps = ("LoadSamples", "PlanCandidates", "EvaluateCandidate", "FitBestCandidate")
    assert {f"{prefix}-{step}Function" for step in steps} <= invoked
    # The steps' own calls are theirs, not the state machine's.
    assert any(call.principal == "LoadSamplesFunction" for call in recorder.calls)
