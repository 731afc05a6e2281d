"""moto's Step Functions engine runs state machines whose Lambda tasks run in-process handlers.

This is a test of the *engine and the bridge* (``local.lambda_bridge``), not of our workflow: the
state machine and the functions (``test-*``) are throwaway doubles defined here. It pins what the
real workflow's tests rely on, in moto 5.2.5: Task (``lambda:invoke`` and plain ARN), Map with
MaxConcurrency, Retry with backoff, Catch on a custom error name, StopExecution, and the same flow
under ``ThreadedMotoServer``. Executions are awaited with ``lambda_bridge.watch_executions`` (moto
tells us when an execution ends), not by polling DescribeExecution.
"""

from __future__ import annotations

import inspect
import json
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.awslambda.models import LambdaBackend
from moto.core.config import DefaultConfig, default_user_config
from moto.server import ThreadedMotoServer

from local import lambda_bridge, patches, template
from local.lambda_bridge import LambdaServiceError, LambdaTarget

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_stepfunctions.type_defs import HistoryEventTypeDef

ENGINE_CONFIG: DefaultConfig = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}
TASK = "arn:aws:states:::lambda:invoke"
WAIT_S = 30.0  # upper bound for anything we wait on; each wait ends as soon as its event happens


class ModelRejected(Exception):
    """The custom error a Catch names (Step Functions uses the payload's errorType)."""


class TransientError(Exception):
    """A function error that a Retry names."""


@dataclass
class Run:
    execution_arn: str
    end: lambda_bridge.ExecutionEnd
    description: dict[str, Any]
    history: list[HistoryEventTypeDef]
    seconds: float

    @property
    def output(self) -> Any:
        return json.loads(self.description["output"])

    def types(self) -> Counter[str]:
        return Counter(event["type"] for event in self.history)


@dataclass
class Engine:
    sfn: SFNClient
    lambda_client: LambdaClient
    role_arn: str
    registry: lambda_bridge.Registry
    watcher: lambda_bridge.ExecutionWatcher
    mode: str

    def function(self, name: str, target: LambdaTarget) -> str:
        """Create ``name`` in moto's Lambda and make invocations run ``target``; its ARN."""
        arn = self.lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=self.role_arn,
            Handler="app.handler",
            Code={"ZipFile": lambda_bridge.dummy_zip()},
        )["FunctionArn"]
        self.registry.register(name, target)
        return arn

    def state_machine(self, definition: dict[str, Any]) -> str:
        return self.sfn.create_state_machine(
            name=f"engine-test-{uuid.uuid4().hex[:8]}",
            definition=json.dumps(definition),
            roleArn=self.role_arn,
        )["stateMachineArn"]

    def start(self, state_machine_arn: str, payload: Any) -> str:
        # Always name executions: moto names an unnamed one "None", so a second one collides.
        return self.sfn.start_execution(
            stateMachineArn=state_machine_arn,
            name=f"run-{uuid.uuid4().hex}",
            input=json.dumps(payload),
        )["executionArn"]

    def finish(self, execution_arn: str, started: float) -> Run:
        end = self.watcher.wait(execution_arn, timeout=WAIT_S)
        seconds = time.monotonic() - started
        description = dict(self.sfn.describe_execution(executionArn=execution_arn))
        history = self.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)
        return Run(execution_arn, end, description, history["events"], seconds)

    def run(self, definition: dict[str, Any], payload: Any) -> Run:
        state_machine_arn = self.state_machine(definition)
        started = time.monotonic()
        return self.finish(self.start(state_machine_arn, payload), started)


def _clients() -> tuple[SFNClient, LambdaClient, str]:
    role_arn = lambda_bridge.ensure_execution_role(boto3.client("iam"))
    return boto3.client("stepfunctions"), boto3.client("lambda"), role_arn


@contextmanager
def _in_process_mock() -> Iterator[None]:
    with mock_aws(config=ENGINE_CONFIG):
        yield


@contextmanager
def _in_process_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's server on a random port, in this process (as the local stack runs it)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        # moto's engine ignores AWS_ENDPOINT_URL: it calls http://localhost:$MOTO_PORT (5000).
        monkeypatch.setenv("MOTO_PORT", str(port))
        with patch.dict(default_user_config):  # the server's config is this process's: restore
            _post(f"{endpoint}/moto-api/config", ENGINE_CONFIG)
            try:
                yield
            finally:
                _post(f"{endpoint}/moto-api/reset", {})
    finally:
        server.stop()


def _post(url: str, body: Any) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=WAIT_S) as response:
        assert response.status < 300


@pytest.fixture(params=["mock", "server"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    mode = str(request.param)
    backend = _in_process_mock() if mode == "mock" else _in_process_server(monkeypatch)
    with (
        backend,
        lambda_bridge.installed() as registry,
        lambda_bridge.watch_executions() as watcher,
    ):
        sfn, lambda_client, role_arn = _clients()
        yield Engine(sfn, lambda_client, role_arn, registry, watcher, mode)


@pytest.fixture
def mock_engine() -> Iterator[Engine]:
    with (
        _in_process_mock(),
        lambda_bridge.installed() as registry,
        lambda_bridge.watch_executions() as watcher,
    ):
        sfn, lambda_client, role_arn = _clients()
        yield Engine(sfn, lambda_client, role_arn, registry, watcher, "mock")


# -- the flow: Task -> Choice -> Map -> Pass -> Task with Retry -> Task with Catch -> Pass -------


@dataclass
class Doubles:
    """The flow's throwaway functions. Map iterations call ``score`` on the engine's threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    # Two scorers must be inside ``score`` at the same time for either to get past the barrier.
    barrier: threading.Barrier = field(default_factory=lambda: threading.Barrier(2, timeout=WAIT_S))
    in_flight: int = 0
    max_in_flight: int = 0
    score_threads: set[str] = field(default_factory=set)
    flaky_calls: int = 0

    def prepare(self, event: dict[str, Any]) -> dict[str, Any]:
        return {"candidates": event["candidates"], "count": len(event["candidates"]), "dropped": 1}

    def score(self, event: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.score_threads.add(threading.current_thread().name)
        try:
            self.barrier.wait()
        finally:
            with self.lock:
                self.in_flight -= 1
        return {"candidate": event["candidate"], "index": event["index"], "run": event["run"]}

    def flaky(self, event: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.flaky_calls += 1
            attempt = self.flaky_calls
        if attempt == 1:
            raise TransientError("the first attempt fails")
        return {"attempt": attempt}

    def reject(self, event: dict[str, Any]) -> dict[str, Any]:
        raise ModelRejected(f"run {event['run']} was rejected")


def flow(arns: dict[str, str]) -> dict[str, Any]:
    """Ten states; ``${...}``-free because the ARNs are known here."""
    return {
        "Comment": "engine test double",
        "StartAt": "Prepare",
        "States": {
            "Prepare": {
                "Type": "Task",
                "Resource": TASK,
                "Parameters": {"FunctionName": arns["prepare"], "Payload.$": "$"},
                "ResultSelector": {
                    "candidates.$": "$.Payload.candidates",
                    "count.$": "$.Payload.count",
                },
                "ResultPath": "$.prepared",
                "Next": "HasCandidates",
            },
            "HasCandidates": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.prepared.count", "NumericGreaterThan": 0, "Next": "Evaluate"}
                ],
                "Default": "NothingToDo",
            },
            "Evaluate": {
                "Type": "Map",
                "ItemsPath": "$.prepared.candidates",
                "MaxConcurrency": 2,
                "ItemSelector": {
                    "candidate.$": "$$.Map.Item.Value",
                    "index.$": "$$.Map.Item.Index",
                    "run.$": "$.run",
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Score",
                    "States": {
                        # The plain function-ARN form of a Lambda task.
                        "Score": {"Type": "Task", "Resource": arns["score"], "End": True}
                    },
                },
                "ResultPath": "$.scores",
                "Next": "Summarise",
            },
            "Summarise": {
                "Type": "Pass",
                "Parameters": {"evaluated.$": "States.ArrayLength($.scores)"},
                "ResultPath": "$.summary",
                "Next": "Flaky",
            },
            "Flaky": {
                "Type": "Task",
                "Resource": TASK,
                "Parameters": {"FunctionName": arns["flaky"], "Payload": {"run.$": "$.run"}},
                "ResultSelector": {"attempt.$": "$.Payload.attempt"},
                "ResultPath": "$.flaky",
                "Retry": [
                    {
                        "ErrorEquals": ["TransientError"],
                        "IntervalSeconds": 1,
                        "BackoffRate": 2.0,
                        "MaxAttempts": 3,
                    }
                ],
                "Next": "Publish",
            },
            "Publish": {
                "Type": "Task",
                "Resource": TASK,
                "Parameters": {"FunctionName": arns["reject"], "Payload": {"run.$": "$.run"}},
                "ResultPath": "$.published",
                "Catch": [
                    {"ErrorEquals": ["ModelRejected"], "ResultPath": "$.error", "Next": "Record"}
                ],
                "Next": "Done",
            },
            "Record": {
                "Type": "Pass",
                "Parameters": {
                    "error.$": "$.error.Error",
                    "cause.$": "States.StringToJson($.error.Cause)",
                },
                "ResultPath": "$.failure",
                "End": True,
            },
            "Done": {"Type": "Succeed"},
            "NothingToDo": {"Type": "Succeed"},
        },
    }


def test_flow_runs_in_process_handlers(engine: Engine) -> None:
    doubles = Doubles()
    arns = {
        name: engine.function(f"test-{name}", getattr(doubles, name))
        for name in ("prepare", "score", "flaky", "reject")
    }

    run = engine.run(flow(arns), {"run": "r1", "candidates": ["a", "bb", "ccc", "dddd"]})

    assert run.end.status == "SUCCEEDED", run.description
    assert run.description["status"] == "SUCCEEDED"
    output = run.output
    assert output["prepared"] == {"candidates": ["a", "bb", "ccc", "dddd"], "count": 4}
    assert output["scores"] == [
        {"candidate": c, "index": i, "run": "r1"} for i, c in enumerate(["a", "bb", "ccc", "dddd"])
    ]
    assert output["summary"] == {"evaluated": 4}
    assert output["flaky"] == {"attempt": 2}
    assert "published" not in output
    assert output["failure"]["error"] == "ModelRejected"
    assert output["failure"]["cause"]["errorType"] == "ModelRejected"
    assert output["failure"]["cause"]["errorMessage"] == "run r1 was rejected"
    assert output["failure"]["cause"]["stackTrace"]
    assert {name: engine.registry.invocations(f"test-{name}") for name in arns} == {
        "prepare": 1,
        "score": 4,
        "flaky": 2,
        "reject": 1,
    }

    # Map iterations run concurrently, on the engine's threads, at most MaxConcurrency at a time.
    assert doubles.max_in_flight == 2
    assert len(doubles.score_threads) >= 2
    assert "MainThread" not in doubles.score_threads

    # The retry happened, after moto really waited IntervalSeconds (1 s, AWS's minimum).
    failed = next(
        e
        for e in run.history
        if e["type"] == "TaskFailed" and e["taskFailedEventDetails"]["error"] == "TransientError"
    )
    rescheduled = next(
        e for e in run.history if e["type"] == "TaskScheduled" and e["id"] > failed["id"]
    )
    assert (rescheduled["timestamp"] - failed["timestamp"]).total_seconds() >= 0.9

    # The history moto writes: ids in order, each pointing back.
    assert [e["id"] for e in run.history] == list(range(1, len(run.history) + 1))
    assert run.types() == {
        "ExecutionStarted": 1,
        "TaskStateEntered": 7,  # Prepare, Flaky, Publish and the four Score iterations
        "TaskScheduled": 4,
        "TaskStarted": 4,
        "TaskSucceeded": 2,
        "TaskFailed": 2,
        "TaskStateExited": 7,
        "ChoiceStateEntered": 1,
        "ChoiceStateExited": 1,
        "MapStateEntered": 1,
        "MapStateStarted": 1,
        "MapIterationStarted": 4,
        "MapIterationSucceeded": 4,
        "MapStateSucceeded": 1,
        "MapStateExited": 1,
        "LambdaFunctionScheduled": 4,
        "LambdaFunctionStarted": 4,
        "LambdaFunctionSucceeded": 4,
        "PassStateEntered": 2,
        "PassStateExited": 2,
        "ExecutionSucceeded": 1,
    }, run.types()
    print(f"{engine.mode}: {len(run.history)} events in {run.seconds:.2f} s")


# -- stopping ------------------------------------------------------------------------------------


@dataclass
class Blocker:
    """A function that holds its task open until the test releases it."""

    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    returned: threading.Event = field(default_factory=threading.Event)

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.entered.set()
        released = self.release.wait(WAIT_S)
        self.returned.set()
        return {"released": released}


def test_stop_execution_aborts_once_the_running_task_returns(engine: Engine) -> None:
    blocker = Blocker()
    arn = engine.function("test-block", blocker)
    state_machine = engine.state_machine(
        {
            "StartAt": "Block",
            "States": {
                "Block": {"Type": "Task", "Resource": arn, "Next": "After"},
                "After": {"Type": "Pass", "End": True},
            },
        }
    )
    started = time.monotonic()
    execution_arn = engine.start(state_machine, {})
    try:
        assert blocker.entered.wait(WAIT_S)
        engine.sfn.stop_execution(executionArn=execution_arn, error="Cancelled", cause="test")
        # moto does not interrupt a running task: the execution stays RUNNING until it returns.
        assert engine.sfn.describe_execution(executionArn=execution_arn)["status"] == "RUNNING"
        assert not blocker.returned.is_set()
    finally:
        blocker.release.set()
    run = engine.finish(execution_arn, started)

    assert run.end.status == "ABORTED"
    assert run.description["status"] == "ABORTED"
    assert "stopDate" in run.description
    assert blocker.returned.is_set()
    types = run.types()
    assert types["ExecutionAborted"] == 1
    assert types["LambdaFunctionSucceeded"] == 1  # the task's result is recorded, then dropped
    assert "PassStateEntered" not in types  # no state runs after the stop
    # moto drops StopExecution's error and cause (AWS reports them on the execution).
    assert run.description.get("error") is None


def test_stop_execution_interrupts_a_wait_state(mock_engine: Engine) -> None:
    state_machine = mock_engine.state_machine(
        {
            "StartAt": "Wait",
            "States": {
                "Wait": {"Type": "Wait", "Seconds": 3600, "Next": "After"},
                "After": {"Type": "Pass", "End": True},
            },
        }
    )
    started = time.monotonic()
    execution_arn = mock_engine.start(state_machine, {})
    # No event tells us the Wait has begun, so poll the history (bounded, 10 ms apart).
    deadline = started + WAIT_S
    while not any(
        event["type"] == "WaitStateEntered"
        for event in mock_engine.sfn.get_execution_history(executionArn=execution_arn)["events"]
    ):
        assert time.monotonic() < deadline, "the execution never entered its Wait state"
        time.sleep(0.01)
    mock_engine.sfn.stop_execution(executionArn=execution_arn)
    run = mock_engine.finish(execution_arn, started)

    assert run.end.status == "ABORTED"
    assert run.seconds < 10  # not 3600
    assert [e["type"] for e in run.history] == [
        "ExecutionStarted",
        "WaitStateEntered",
        "ExecutionAborted",
    ]


# -- errors, retries, timeouts -------------------------------------------------------------------


def test_service_errors_retry_with_backoff_and_task_failed_catches_function_errors(
    mock_engine: Engine,
) -> None:
    calls = Counter[str]()

    def unavailable(event: dict[str, Any]) -> dict[str, Any]:
        calls["unavailable"] += 1
        if calls["unavailable"] <= 3:
            raise LambdaServiceError("ServiceException", "try again")
        return {"calls": calls["unavailable"]}

    def broken(event: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("missing")

    unavailable_arn = mock_engine.function("test-unavailable", unavailable)
    broken_arn = mock_engine.function("test-broken", broken)
    definition = {
        "StartAt": "Unavailable",
        "States": {
            "Unavailable": {
                "Type": "Task",
                "Resource": TASK,
                "Parameters": {"FunctionName": unavailable_arn, "Payload": {}},
                "OutputPath": "$.Payload",
                "Retry": [
                    {
                        "ErrorEquals": [
                            "Lambda.ServiceException",
                            "Lambda.TooManyRequestsException",
                        ],
                        "IntervalSeconds": 2,
                        "BackoffRate": 2.0,
                        "MaxAttempts": 3,
                    }
                ],
                "Next": "Broken",
            },
            "Broken": {
                "Type": "Task",
                "Resource": broken_arn,
                "Catch": [
                    {
                        "ErrorEquals": ["States.TaskFailed"],
                        "ResultPath": "$.caught",
                        "Next": "Caught",
                    }
                ],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    with lambda_bridge.instant_retries() as waits:
        run = mock_engine.run(definition, {})

    assert run.end.status == "SUCCEEDED", run.description
    assert waits == [2.0, 4.0, 8.0]  # IntervalSeconds * BackoffRate**n, not slept
    assert run.output["calls"] == 4
    assert run.output["caught"]["Error"] == "KeyError"
    errors = [
        e["taskFailedEventDetails"]["error"] for e in run.history if e["type"] == "TaskFailed"
    ]
    assert errors == ["Lambda.ServiceException"] * 3


def test_task_timeout_is_states_timeout(mock_engine: Engine) -> None:
    blocker = Blocker()
    arn = mock_engine.function("test-slow", blocker)
    definition = {
        "StartAt": "Slow",
        "States": {
            "Slow": {
                "Type": "Task",
                "Resource": TASK,
                "Parameters": {"FunctionName": arn, "Payload": {}},
                "TimeoutSeconds": 1,
                "Catch": [
                    {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "Late"}
                ],
                "End": True,
            },
            "Late": {"Type": "Pass", "End": True},
        },
    }
    try:
        run = mock_engine.run(definition, {})
    finally:
        blocker.release.set()  # moto abandons the task's thread; let it finish

    assert run.end.status == "SUCCEEDED"
    assert run.output["timeout"] == {"Error": "States.Timeout", "Cause": ""}
    assert "TaskTimedOut" in run.types()
    assert run.seconds >= 1.0  # moto waits the timeout out in real time


# -- the bridge's Invoke contract ----------------------------------------------------------------


def test_invoke_contract(mock_engine: Engine) -> None:
    client = boto3.client(
        "lambda", config=Config(retries={"total_max_attempts": 1})
    )  # no SDK retries of the 500
    mock_engine.function("test-echo", lambda event: {"echo": event})
    mock_engine.function("test-raise", lambda event: 1 / 0)
    mock_engine.function("test-unmarshallable", lambda event: {"x": object()})
    mock_engine.function("test-down", _raise_service_error)
    mock_engine.lambda_client.create_function(
        FunctionName="test-unregistered",
        Runtime="python3.12",
        Role=mock_engine.role_arn,
        Handler="app.handler",
        Code={"ZipFile": lambda_bridge.dummy_zip()},
    )

    ok = client.invoke(FunctionName="test-echo", Payload=b'{"a": 1}')
    assert ok["StatusCode"] == 200
    assert "FunctionError" not in ok
    assert json.loads(ok["Payload"].read()) == {"echo": {"a": 1}}

    failed = client.invoke(FunctionName="test-raise", Payload=b"{}")
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert error["errorType"] == "ZeroDivisionError"
    assert error["errorMessage"] == "division by zero"
    assert set(error) == {"errorMessage", "errorType", "requestId", "stackTrace"}

    unmarshallable = client.invoke(FunctionName="test-unmarshallable", Payload=b"{}")
    assert unmarshallable["FunctionError"] == "Unhandled"
    assert json.loads(unmarshallable["Payload"].read())["errorType"] == "Runtime.MarshalError"

    with pytest.raises(ClientError) as down:
        client.invoke(FunctionName="test-down", Payload=b"{}")
    assert down.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert down.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429

    with pytest.raises(ClientError) as missing:
        client.invoke(FunctionName="test-missing", Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"

    before = mock_engine.registry.invocations("test-echo")
    assert client.invoke(FunctionName="test-echo", InvocationType="DryRun")["StatusCode"] == 204
    assert client.invoke(FunctionName="test-echo", InvocationType="Event")["StatusCode"] == 202
    assert mock_engine.registry.invocations("test-echo") == before + 1  # DryRun runs nothing

    # Not registered: moto's own (Docker-less) Lambda answers, echoing the payload.
    other = client.invoke(FunctionName="test-unregistered", Payload=b'{"b": 2}')
    assert json.loads(other["Payload"].read()) == {"b": 2}


def _raise_service_error(event: Any) -> Any:
    raise LambdaServiceError("TooManyRequestsException", "Rate exceeded", status=429)


# -- the template's real functions ---------------------------------------------------------------


def test_template_functions_run_through_moto_lambda(aws: dict[str, str], acme_key: str) -> None:
    """Every template function exists in moto's Lambda; invoking one runs the real handler."""
    with lambda_bridge.installed() as registry:
        client = boto3.client("lambda")
        role_arn = lambda_bridge.ensure_execution_role(boto3.client("iam"))
        arns = lambda_bridge.create_functions(client, template.functions(), role_arn)

        assert set(arns) == set(template.functions())
        listed = {f["FunctionName"] for f in client.list_functions()["Functions"]}
        assert listed == {lambda_bridge.function_name(logical_id) for logical_id in arns}
        assert registry.names() == sorted(listed)

        method_arn = "arn:aws:execute-api:us-east-1:123456789012:local/prod/GET/v1/models"
        allowed = client.invoke(
            FunctionName=arns["AuthorizerFunction"],
            Payload=json.dumps(
                {
                    "type": "TOKEN",
                    "authorizationToken": f"Bearer {acme_key}",
                    "methodArn": method_arn,
                }
            ).encode(),
        )
        assert "FunctionError" not in allowed
        assert json.loads(allowed["Payload"].read())["context"]["namespace"] == "acme"

        denied = client.invoke(
            FunctionName=arns["AuthorizerFunction"],
            Payload=json.dumps(
                {"type": "TOKEN", "authorizationToken": "nope", "methodArn": method_arn}
            ).encode(),
        )
        assert "FunctionError" not in denied  # a bad key is a Deny, not a Lambda error
        (statement,) = json.loads(denied["Payload"].read())["policyDocument"]["Statement"]
        assert statement["Effect"] == "Deny"

        malformed = client.invoke(
            FunctionName=arns["AuthorizerFunction"],
            Payload=json.dumps({"type": "TOKEN", "authorizationToken": "nope"}).encode(),
        )
        assert malformed["FunctionError"] == "Unhandled"
        assert json.loads(malformed["Payload"].read())["errorType"] == "KeyError"

        physical = lambda_bridge.physical_names(arns)
        assert physical["AuthorizerFunction.Arn"] == arns["AuthorizerFunction"]
        assert physical["AuthorizerFunction"] == lambda_bridge.function_name("AuthorizerFunction")


def test_the_moto_seams_the_bridge_patches_are_still_there() -> None:
    """Upgrading moto must be a decision: the bridge patches internals of exactly this version."""
    patches.check("lambda-invoke-bridge")  # moto is the version the bridge was written for
    assert list(inspect.signature(LambdaBackend.invoke).parameters) == [
        "self",
        "function_name",
        "qualifier",
        "body",
        "headers",
        "response_headers",
    ]
