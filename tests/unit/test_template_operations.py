"""What operating the stack relies on, checked in ``template.yaml``: log retention, each function
logging to its own group, the alarms, event publishing rights and least-privilege IAM."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.template import load_template, resources

# Log delivery and X-Ray are account-level APIs that take no resource ARN (AWS requires "*"):
# the state machine's statement for its logging and tracing is the one allowed exception.
ACCOUNT_LEVEL_ACTIONS = frozenset(
    {
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
    }
)
# The functions that change a model's state or end a run, so put events on the bus.
PUBLISHERS = {
    "ArchiveModelFunction",
    "CancelRunFunction",
    "ReconcileRunFunction",
    "SweepStuckRunsFunction",
    "LoadSamplesFunction",  # announces busy once the run holds the model
    "PublishVersionFunction",
    "RecordFailureFunction",
}
ALARMED_METRICS = {
    ("AWS/ApiGateway", "5XXError"),
    ("AWS/ApiGateway", "Latency"),
    ("AWS/Lambda", "Errors"),
    ("AWS/Lambda", "Throttles"),
    ("AWS/States", "ExecutionsFailed"),
    ("AWS/States", "ExecutionsTimedOut"),
    ("AWS/States", "ExecutionsAborted"),
    ("AWS/DynamoDB", "ThrottledRequests"),
    ("AWS/DynamoDB", "ReadThrottleEvents"),
    ("AWS/DynamoDB", "WriteThrottleEvents"),
    ("U22a8", "StuckRunsReconciled"),
    ("U22a8", "EventsNotPublished"),
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement of the template, with the resource it belongs to."""
    template = load_template()
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        for policy in props.get("Policies", []) if isinstance(props, dict) else []:
            if isinstance(policy, dict):
                document = policy.get("PolicyDocument", policy)
                for statement in _as_list(document.get("Statement", [])):
                    yield logical_id, statement
        document = props.get("PolicyDocument") if isinstance(props, dict) else None
        if isinstance(document, dict):
            for statement in _as_list(document.get("Statement", [])):
                yield logical_id, statement


def test_every_log_group_has_a_retention() -> None:
    groups = resources("AWS::Logs::LogGroup")
    assert groups
    for logical_id, group in groups.items():
        assert "RetentionInDays" in group["Properties"], logical_id


def test_every_function_logs_to_its_own_log_group() -> None:
    groups = resources("AWS::Logs::LogGroup")
    used: set[str] = set()
    for logical_id, function in resources("AWS::Serverless::Function").items():
        target = function["Properties"]["LoggingConfig"]["LogGroup"]
        assert isinstance(target, dict), logical_id
        assert target.get("Ref") in groups, logical_id
        assert target["Ref"] not in used, logical_id
        used.add(target["Ref"])


def test_the_state_machine_logs_to_its_own_log_group() -> None:
    groups = resources("AWS::Logs::LogGroup")
    (machine,) = resources("AWS::Serverless::StateMachine").values()
    (destination,) = machine["Properties"]["Logging"]["Destinations"]
    logical_id, attribute = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"]
    assert (logical_id, attribute) == ("TrainingStateMachineLogGroup", "Arn")
    assert logical_id in groups


def test_the_alarms_cover_the_operational_signals() -> None:
    alarms = resources("AWS::CloudWatch::Alarm")
    covered = {
        (alarm["Properties"]["Namespace"], alarm["Properties"]["MetricName"])
        for alarm in alarms.values()
    }
    assert covered >= ALARMED_METRICS
    for logical_id, alarm in alarms.items():
        # Notify only when a topic is given: never an empty or dangling action.
        assert alarm["Properties"]["AlarmActions"] == {
            "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
        }, logical_id
    assert resources("AWS::CloudWatch::Dashboard")


def test_only_the_publishing_functions_may_put_events_and_only_on_the_bus() -> None:
    allowed: set[str] = set()
    for logical_id, statement in _statements():
        if "events:PutEvents" in _as_list(statement["Action"]):
            assert statement["Resource"] == {"Fn::GetAtt": ["ModelEventsBus", "Arn"]}
            allowed.add(logical_id)
    assert allowed == PUBLISHERS
    environment = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    assert environment["EVENT_BUS_NAME"] == {"Ref": "ModelEventsBus"}


@pytest.mark.parametrize("check", ["action", "resource"])
def test_no_statement_allows_everything(check: str) -> None:
    for logical_id, statement in _statements():
        if statement["Effect"] == "Deny":
            continue  # a Deny of s3:* (the bucket's TLS-only policy) narrows, never grants
        actions = _as_list(statement["Action"])
        if check == "action":
            for action in actions:
                assert action != "*", logical_id
                assert not action.endswith(":*"), (logical_id, action)
        elif "*" in _as_list(statement.get("Resource", [])):
            assert set(actions) <= ACCOUNT_LEVEL_ACTIONS, (logical_id, actions)
            assert logical_id == "TrainingStateMachine", logical_id
