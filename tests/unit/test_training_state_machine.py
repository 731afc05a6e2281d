"""The training state machine's definition, checked against the rules it must keep and against
the template that deploys it (substitutions, functions, timeouts)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from local import template

ASL_PATH = template.ROOT / "statemachine" / "training.asl.json"
RETRIED = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "TransientError",
}
NAMED_STATES = {
    "Load samples",
    "Plan candidates",
    "Evaluate candidates",
    "Fit best candidate",
    "Publish version",
    "Prune versions",
    "Record failure",
}


def _definition() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(ASL_PATH.read_text(encoding="utf-8"))
    return loaded


def _machine() -> dict[str, Any]:
    machine: dict[str, Any] = template.resources("AWS::Serverless::StateMachine")[
        "TrainingStateMachine"
    ]
    return machine


def _tasks(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for name, state in states.items():
        if state["Type"] == "Task":
            found[name] = state
        if state["Type"] == "Map":
            found.update(_tasks(state["ItemProcessor"]["States"]))
    return found


def test_the_states_an_operator_reads_in_the_console() -> None:
    states = _definition()["States"]
    assert set(states) >= NAMED_STATES
    assert _definition()["StartAt"] == "Load samples"
    assert states["Evaluate candidates"]["Type"] == "Map"
    assert states["Evaluate candidates"]["ItemsPath"] == "$.plan.candidates"
    assert 1 <= states["Evaluate candidates"]["MaxConcurrency"] <= 40
    assert states["Run failed"]["Type"] == "Fail"
    assert states["Published"]["Type"] == "Succeed"
    assert _definition().get("QueryLanguage", "JSONPath") == "JSONPath"


def test_every_task_invokes_lambda_retries_transient_errors_and_has_a_timeout() -> None:
    for name, task in _tasks(_definition()["States"]).items():
        assert task["Resource"] == "arn:aws:states:::lambda:invoke", name
        assert re.fullmatch(r"\$\{\w+FunctionArn\}", task["Parameters"]["FunctionName"]), name
        assert "ResultSelector" in task, f"{name} must keep only what it needs of the result"
        *throttled, retry = task["Retry"]
        assert set(retry["ErrorEquals"]) == RETRIED, name
        if name == "Evaluate candidate":  # capped by reserved concurrency: waits for a slot
            (wait,) = throttled
            assert wait["ErrorEquals"] == ["Lambda.TooManyRequestsException"]
            assert wait["MaxAttempts"] >= 5
        else:
            assert throttled == [], name
        assert 1 <= retry["IntervalSeconds"] <= 2
        assert retry["BackoffRate"] == 2
        assert retry["MaxAttempts"] == 3
        assert 0 < task["TimeoutSeconds"] <= 960, name
    assert _definition()["TimeoutSeconds"] == 3600


def test_every_error_before_the_publish_ends_in_record_failure() -> None:
    states = _definition()["States"]
    for name in (
        "Load samples",
        "Plan candidates",
        "Evaluate candidates",
        "Fit best candidate",
        "Publish version",
    ):
        (catch,) = states[name]["Catch"]
        assert catch == {
            "ErrorEquals": ["States.ALL"],
            "ResultPath": "$.error",
            "Next": "Record failure",
        }, name
    # After the publish the run has succeeded: a pruning failure must not undo that.
    assert states["Prune versions"]["Catch"][0]["Next"] == "Published"
    assert "Catch" not in states["Record failure"]  # its own failure is the reconciler's job
    assert states["Record failure"]["Next"] == "Superseded?"


def test_user_caused_failures_end_without_fail_and_system_failures_fail() -> None:
    """The training-failed alarm counts executions that end in Fail: a user's too-few samples
    must not trip it, a crash or a timeout must."""
    states = _definition()["States"]
    selector = states["Record failure"]["ResultSelector"]
    assert selector["user_caused.$"] == "$.Payload.user_caused"
    choice = states["Superseded?"]
    routes = {
        (rule["Variable"], rule.get("StringEquals", rule.get("BooleanEquals"))): rule["Next"]
        for rule in choice["Choices"]
    }
    assert routes == {
        ("$.failure.outcome", "superseded"): "Run superseded",
        ("$.failure.user_caused", True): "Run failed on its input",
    }
    assert states["Run failed on its input"]["Type"] == "Succeed"
    assert choice["Default"] == "Run failed"
    assert states["Run failed"]["Type"] == "Fail"


def test_payloads_name_only_ids_keys_params_and_metrics() -> None:
    """The history keeps every payload: nothing that could be sample text may be passed."""
    text = ASL_PATH.read_text(encoding="utf-8")
    paths = set(re.findall(r'"\$[^"]*"', text))
    assert not [p for p in paths if "text" in p or 'samples"' in p]
    load = _definition()["States"]["Load samples"]
    assert set(load["ResultSelector"]) == {
        "dataset_key.$",
        "sample_count.$",
        "criteria.$",
        "samples_seen.$",
    }


def test_the_template_substitutes_every_function_and_gives_tasks_time_to_report() -> None:
    definition_text = ASL_PATH.read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{(\w+)\}", definition_text))
    props = _machine()["Properties"]
    substitutions = props["DefinitionSubstitutions"]
    assert set(substitutions) == used
    assert props["DefinitionUri"] == "statemachine/training.asl.json"
    assert props["Type"] == "STANDARD"
    assert props["Tracing"] == {"Enabled": True}
    assert props["Logging"]["IncludeExecutionData"] is False
    functions = template.resources("AWS::Serverless::Function")
    invoked = {p["LambdaInvokePolicy"]["FunctionName"]["Ref"] for p in props["Policies"][:-1]}
    tasks = _tasks(_definition()["States"])
    for key, value in substitutions.items():
        logical_id, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn"
        assert logical_id in invoked, f"the state machine may not invoke {logical_id}"
        fn = functions[logical_id]["Properties"]
        (task,) = [t for t in tasks.values() if t["Parameters"]["FunctionName"] == f"${{{key}}}"]
        # A Lambda timeout then surfaces as the function's error, not as States.Timeout.
        assert task["TimeoutSeconds"] > fn["Timeout"], logical_id
        assert "LogGroup" in fn["LoggingConfig"]


@pytest.mark.parametrize("logical_id", ["EvaluateCandidateFunction", "FitBestCandidateFunction"])
def test_the_compute_steps_are_sized_for_training(logical_id: str) -> None:
    props = template.resources("AWS::Serverless::Function")[logical_id]["Properties"]
    assert props["MemorySize"] >= 1769  # at least one full vCPU
    assert props["Timeout"] >= 300
