"""``local.iam_policies`` and ``local.iam_audit``: the template's roles as SAM deploys them, IAM's
evaluation of them, and AWS calls turned into the authorizations IAM makes for each."""

from __future__ import annotations

from pathlib import Path

import pytest

from local import iam_audit, iam_policies, streams, template
from local.iam_policies import Policy, Request, Statement

PREFIX = "unit"
ACCOUNT = "123456789012"
MODELS = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{PREFIX}-ModelsTable"
BUCKET = f"arn:aws:s3:::{PREFIX}-artifactsbucket"


def _policy(principal: str) -> Policy:
    return iam_policies.policies(PREFIX)[principal]


def test_every_function_and_the_state_machine_has_its_role() -> None:
    found = iam_policies.policies(PREFIX)
    assert "TrainingStateMachine" in found
    assert "ScoreFunction" in found
    functions = set(template.resources("AWS::Serverless::Function"))
    assert len(functions) >= 29
    assert {name for name in found if name.endswith("Function")} == functions


def test_policy_templates_and_sams_own_grants_are_expanded_and_resolved() -> None:
    machine = _policy("TrainingStateMachine")
    step = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{PREFIX}-LoadSamplesFunction"
    assert machine.allows(Request("lambda:InvokeFunction", step))
    assert machine.allows(Request("lambda:InvokeFunction", f"{step}:$LATEST"))  # `${name}*`
    assert not machine.allows(
        Request("lambda:InvokeFunction", step.replace("LoadSamples", "CreateModel"))
    )
    # The on-failure queue of a stream mapping: granted by SAM, not written in the template.
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{PREFIX}-StreamFailuresQueue"
    assert _policy("RetrainFunction").allows(Request("sqs:SendMessage", queue))
    # !Sub with ${AWS::StackName}: executions of the stack's own state machine only.
    execution = f"arn:aws:states:us-east-1:{ACCOUNT}:execution:{PREFIX}-training:run_1"
    assert _policy("CancelRunFunction").allows(Request("states:StopExecution", execution))
    other = execution.replace(f"{PREFIX}-training", "other-training")
    assert not _policy("CancelRunFunction").allows(Request("states:StopExecution", other))


def test_resources_are_matched_exactly_indexes_and_object_keys_included() -> None:
    listing = _policy("ListModelsFunction")
    assert listing.allows(Request("dynamodb:Query", f"{MODELS}/index/gsi1"))
    assert not listing.allows(Request("dynamodb:Query", MODELS))
    assert not listing.allows(Request("dynamodb:Query", f"{MODELS}/index/gsi2"))
    fit = _policy("FitBestCandidateFunction")
    assert fit.allows(Request("s3:PutObject", f"{BUCKET}/artifacts/acme.x/mv_1.npz"))
    assert not fit.allows(Request("s3:PutObject", f"{BUCKET}/datasets/acme.x/run_1.json.gz"))
    assert not fit.allows(Request("s3:putobject", f"{BUCKET}/datasets/acme.x/run_1.json.gz"))
    assert fit.allows(Request("S3:PUTOBJECT", f"{BUCKET}/artifacts/a"))  # actions ignore case


def test_conditions_are_evaluated_and_a_missing_key_does_not_grant() -> None:
    purge = _policy("PurgeSamplesFunction")
    assert purge.allows(Request("s3:ListBucket", BUCKET, (("s3:prefix", "datasets/acme.x/"),)))
    assert not purge.allows(Request("s3:ListBucket", BUCKET, (("s3:prefix", "artifacts/acme.x/"),)))
    assert not purge.allows(Request("s3:ListBucket", BUCKET))


def test_an_explicit_deny_wins() -> None:
    policy = Policy(
        "F",
        (
            Statement("Allow", ("s3:*",), ("*",)),
            Statement("Deny", ("s3:DeleteObject",), (f"{BUCKET}/artifacts/*",)),
        ),
    )
    assert policy.allows(Request("s3:DeleteObject", f"{BUCKET}/datasets/x"))
    assert not policy.allows(Request("s3:DeleteObject", f"{BUCKET}/artifacts/x"))


@pytest.mark.parametrize(
    ("service", "operation", "params", "expected"),
    [
        (
            "dynamodb",
            "Query",
            {"TableName": "t", "IndexName": "gsi2"},
            [("dynamodb:Query", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t/index/gsi2")],
        ),
        (
            "dynamodb",
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Update": {"TableName": "t"}},
                    {"Put": {"TableName": "t"}},
                    {"ConditionCheck": {"TableName": "u"}},
                    {"Delete": {"TableName": "t"}},
                ]
            },
            [
                ("dynamodb:UpdateItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t"),
                ("dynamodb:PutItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t"),
                ("dynamodb:ConditionCheckItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/u"),
                ("dynamodb:DeleteItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t"),
            ],
        ),
        (
            "dynamodb",
            "BatchWriteItem",
            {"RequestItems": {"t": []}},
            [("dynamodb:BatchWriteItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t")],
        ),
        (
            "s3",
            "HeadObject",
            {"Bucket": "b", "Key": "k/1"},
            [("s3:GetObject", "arn:aws:s3:::b/k/1")],
        ),
        (
            "s3",
            "DeleteObjects",
            {"Bucket": "b", "Delete": {"Objects": [{"Key": "a"}, {"Key": "c"}]}},
            [("s3:DeleteObject", "arn:aws:s3:::b/a"), ("s3:DeleteObject", "arn:aws:s3:::b/c")],
        ),
        ("s3", "ListObjectsV2", {"Bucket": "b"}, [("s3:ListBucket", "arn:aws:s3:::b")]),
        (
            "stepfunctions",
            "StopExecution",
            {"executionArn": "arn:aws:states:us-east-1:1:execution:m:r"},
            [("states:StopExecution", "arn:aws:states:us-east-1:1:execution:m:r")],
        ),
        (
            "events",
            "PutEvents",
            {"Entries": [{"EventBusName": "bus"}, {"EventBusName": "bus"}, {}]},
            [
                ("events:PutEvents", f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/bus"),
                ("events:PutEvents", f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"),
            ],
        ),
        (
            "lambda",
            "Invoke",
            {"FunctionName": "fn"},
            [("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn")],
        ),
        ("sts", "GetCallerIdentity", {}, []),
        ("sqs", "SendMessage", {}, [("sqs:SendMessage", "*")]),
    ],
)
def test_calls_become_the_authorizations_iam_makes(
    service: str, operation: str, params: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    found = iam_audit.requests_for(service, operation, params)
    assert [(r.action, r.resource) for r in found] == expected


def test_list_objects_carries_its_prefix_as_a_condition_key() -> None:
    (request,) = iam_audit.requests_for("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "d/"})
    assert request.context == (("s3:prefix", "d/"),)


def test_violations_name_the_principal_the_action_and_the_resource() -> None:
    denied = Request("dynamodb:Scan", MODELS)
    allowed = Request("dynamodb:GetItem", MODELS)
    calls = [
        iam_audit.Call("GetModelFunction", "dynamodb", "Scan", (denied,)),
        iam_audit.Call("GetModelFunction", "dynamodb", "GetItem", (allowed,)),
        iam_audit.Call("GetModelFunction", "dynamodb", "Scan", (denied,)),  # reported once
        iam_audit.Call("NoSuchFunction", "dynamodb", "GetItem", (allowed,)),
    ]
    assert iam_audit.violations(calls, PREFIX) == [
        f"GetModelFunction may not dynamodb:Scan on {MODELS} (dynamodb.Scan)",
        f"NoSuchFunction may not dynamodb:GetItem on {MODELS} (dynamodb.GetItem)",
    ]


def test_calls_survive_the_trip_through_the_stacks_file(tmp_path: Path) -> None:
    sink = tmp_path / "calls.jsonl"
    call = iam_audit.Call(
        "PurgeSamplesFunction",
        "s3",
        "ListObjectsV2",
        (Request("s3:ListBucket", BUCKET, (("s3:prefix", "datasets/"),)),),
    )
    recorder = iam_audit.Recorder(PREFIX, sink, keep=False)
    recorder.record(call)
    recorder.record(call)
    assert recorder.calls == []
    assert iam_audit.read_calls(sink) == [call, call]


def test_stream_consumers_roles_allow_what_their_mappings_do_with_them() -> None:
    """Lambda's event source mapping reads the stream and sends failed batches to the queue with
    the function's role: calls no test makes, so they are checked here, per mapping."""
    stream = f"{MODELS}/stream/2026-01-01T00:00:00.000"
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{PREFIX}-StreamFailuresQueue"
    for source in streams.sources():
        policy = _policy(source.function)
        for action in ("DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"):
            assert policy.allows(Request(f"dynamodb:{action}", stream)), (source.function, action)
        assert policy.allows(Request("sqs:SendMessage", queue)), source.function
