"""A local EventBridge for the template's own rules, delivering to functions through moto's Lambda.

moto's Step Functions engine emits no "Step Functions Execution Status Change" events, and moto's
EventBridge cannot deliver a rule to a Lambda target, so on AWS-less runs the reconciler would
never hear of an execution that failed, timed out or was aborted. This module closes that gap with
the same contract AWS has:

* ``rules`` reads every ``EventBridgeRule`` event of every function in ``template.yaml``, with its
  pattern resolved against local physical names (``!Ref TrainingStateMachine`` becomes the local
  state machine's ARN), and ``matches`` applies EventBridge's matching rules to an event
  (``local.event_patterns``, the matcher the stream poller uses too);
* ``status_change_event`` builds the event AWS sends from ``DescribeExecution`` (same fields, same
  types: epoch-millisecond dates, the input as a JSON string);
* ``EventBus`` puts events: each matching rule's target is invoked through moto's Lambda API (so
  ``local.lambda_bridge`` runs the real handler, in the gateway's warm pools) with Lambda's
  asynchronous-invocation semantics (a function error is retried, twice by default).
  ``EventBus.on_execution_end`` is the listener for ``lambda_bridge.watch_executions``.
* ``Scheduler`` fires the template's ``Schedule`` events (``rate(...)``) on daemon threads.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import boto3

from local import event_patterns, template
from local.lambda_bridge import ExecutionEnd

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_stepfunctions import SFNClient

LOG = logging.getLogger(__name__)

STATUS_CHANGE: Final = "Step Functions Execution Status Change"
SCHEDULED_EVENT: Final = "Scheduled Event"
RULE_EVENT_TYPES: Final = ("EventBridgeRule", "CloudWatchEvent")
ASYNC_MAX_ATTEMPTS: Final = 3  # Lambda's asynchronous invocation: the call and two retries


# -- rules from the template ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One ``EventBridgeRule`` event of a template function: its pattern and its target."""

    function: str  # logical id of the target function
    name: str  # the event's name under ``Events``
    pattern: Mapping[str, Any]


def rules(physical: Mapping[str, str], tpl: Mapping[str, Any] | None = None) -> list[Rule]:
    """Every event-pattern rule of the template, its intrinsics resolved against ``physical``."""
    tpl = tpl or template.load_template()
    found: list[Rule] = []
    for logical_id, resource in template.resources("AWS::Serverless::Function", tpl).items():
        for name, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] not in RULE_EVENT_TYPES:
                continue
            pattern = _resolve_deep(event["Properties"]["Pattern"], physical, tpl)
            event_patterns.validate(pattern, f"{logical_id}.Events.{name}.Pattern")
            found.append(Rule(logical_id, name, pattern))
    return found


def _resolve_deep(value: Any, physical: Mapping[str, str], tpl: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and len(value) == 1 and ("Ref" in value or "Fn::GetAtt" in value):
        return template.resolve(value, physical, tpl)
    if isinstance(value, dict):
        return {key: _resolve_deep(item, physical, tpl) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve_deep(item, physical, tpl) for item in value]
    return value


def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """EventBridge's matching (``local.event_patterns``, shared with the stream poller)."""
    return event_patterns.matches(pattern, event)


# -- the events AWS would send --------------------------------------------------------------------


def _millis(value: datetime | None) -> int | None:
    return int(value.timestamp() * 1000) if value is not None else None


def _event_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_change_event(description: Mapping[str, Any]) -> dict[str, Any]:
    """The "Step Functions Execution Status Change" event of an execution, from its
    ``DescribeExecution`` answer, in AWS's shape."""
    arn = str(description["executionArn"])
    _, _, _, region, account, *_ = arn.split(":")
    stop: datetime | None = description.get("stopDate")
    output = description.get("output")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": STATUS_CHANGE,
        "source": "aws.states",
        "account": account,
        "time": _event_time(stop or datetime.now(UTC)),
        "region": region,
        "resources": [arn],
        "detail": {
            "executionArn": arn,
            "stateMachineArn": description["stateMachineArn"],
            "name": description["name"],
            "status": description["status"],
            "startDate": _millis(description.get("startDate")),
            "stopDate": _millis(stop),
            "input": description.get("input"),
            "output": output,
            "inputDetails": {"included": "input" in description},
            "outputDetails": {"included": True} if output is not None else None,
            "error": description.get("error"),
            "cause": description.get("cause"),
        },
    }


def scheduled_event(rule_arn: str, when: datetime | None = None) -> dict[str, Any]:
    """The event a ``Schedule`` rule sends its target."""
    _, _, _, region, account, *_ = rule_arn.split(":")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": SCHEDULED_EVENT,
        "source": "aws.events",
        "account": account,
        "time": _event_time(when or datetime.now(UTC)),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


# -- delivery -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One event delivered to one target: how many attempts it took and how the last one ended."""

    function: str
    event: Mapping[str, Any]
    attempts: int
    error: str | None  # ``errorType: errorMessage`` of the last attempt, ``None`` on success
    result: Any = None


@dataclass
class _Executions:
    condition: threading.Condition = field(default_factory=threading.Condition)
    handled: dict[str, list[Delivery]] = field(default_factory=dict)


class EventBus:
    """Delivers events to the template's rule targets through moto's Lambda API (thread-safe).

    ``function_arns`` maps a target's logical id to the ARN it was created under in moto (what
    ``lambda_bridge.create_functions`` returns).
    """

    def __init__(
        self,
        rules: Sequence[Rule],
        function_arns: Mapping[str, str],
        *,
        max_attempts: int = ASYNC_MAX_ATTEMPTS,
    ) -> None:
        missing = sorted({rule.function for rule in rules} - set(function_arns))
        if missing:
            raise ValueError(f"rule targets without a function: {missing}")
        self.rules = list(rules)
        self._arns = dict(function_arns)
        self._max_attempts = max_attempts
        self._client_lock = threading.Lock()
        self._lambda: LambdaClient | None = None
        self._sfn: SFNClient | None = None
        self._executions = _Executions()
        self._deliveries: list[Delivery] = []
        self._losing = 0

    def _clients(self) -> tuple[LambdaClient, SFNClient]:
        # boto3's default session is not thread-safe to create clients from; these are shared.
        with self._client_lock:
            if self._lambda is None or self._sfn is None:
                self._lambda = boto3.client("lambda")
                self._sfn = boto3.client("stepfunctions")
            return self._lambda, self._sfn

    def put(self, event: Mapping[str, Any]) -> list[Delivery]:
        """Deliver ``event`` to every rule it matches (in template order); what happened."""
        delivered = [
            self.invoke(rule.function, event) for rule in self.rules if matches(rule.pattern, event)
        ]
        return delivered

    def invoke(self, function: str, event: Mapping[str, Any]) -> Delivery:
        """Invoke ``function`` with ``event`` as Lambda's asynchronous invocation would."""
        lambda_client, _ = self._clients()
        payload = json.dumps(event).encode()
        error: str | None = None
        result: Any = None
        attempts = 0
        for attempts in range(1, self._max_attempts + 1):
            response = lambda_client.invoke(
                FunctionName=self._arns[function], InvocationType="RequestResponse", Payload=payload
            )
            body = json.loads(response["Payload"].read() or b"null")
            if "FunctionError" not in response:
                error, result = None, body
                break
            error = f"{body.get('errorType')}: {body.get('errorMessage')}"
            LOG.warning("%s failed on attempt %d: %s", function, attempts, error)
        delivery = Delivery(function, event, attempts, error, result)
        with self._executions.condition:
            self._deliveries.append(delivery)
        return delivery

    @contextmanager
    def losing_status_changes(self) -> Iterator[None]:
        """Drop the status-change events of executions that end meanwhile, as a lost event (or
        a missing rule) would: what the stuck-run sweeper is for."""
        with self._executions.condition:
            self._losing += 1
        try:
            yield
        finally:
            with self._executions.condition:
                self._losing -= 1

    def on_execution_end(self, end: ExecutionEnd) -> None:
        """``watch_executions`` listener: put the execution's status-change event."""
        with self._executions.condition:
            lost = self._losing > 0
        delivered: list[Delivery] = []
        try:
            if not lost:
                _, sfn = self._clients()
                description = dict(sfn.describe_execution(executionArn=end.execution_arn))
                delivered = self.put(status_change_event(description))
        finally:  # a waiter learns of a delivery that broke too (the watcher logs the error)
            with self._executions.condition:
                self._executions.handled[end.execution_arn] = delivered
                self._executions.condition.notify_all()

    def wait(self, execution_arn: str, timeout: float = 30.0) -> list[Delivery]:
        """The deliveries of ``execution_arn``'s status-change event, once they are done."""
        with self._executions.condition:
            if not self._executions.condition.wait_for(
                lambda: execution_arn in self._executions.handled, timeout
            ):
                raise TimeoutError(f"no status-change event of {execution_arn} within {timeout} s")
            return list(self._executions.handled[execution_arn])

    def deliveries(self) -> list[Delivery]:
        with self._executions.condition:
            return list(self._deliveries)


# -- schedules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """One ``Schedule`` event of a template function."""

    function: str
    name: str
    expression: str
    interval_s: float


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> float:
    """``rate(5 minutes)`` → 300. Cron expressions are not supported locally."""
    found = _RATE.match(expression.strip())
    if found is None:
        raise NotImplementedError(f"only rate(...) schedules run locally, not {expression!r}")
    return float(int(found.group(1)) * _UNIT_S[found.group(2).rstrip("s")])


def schedules(tpl: Mapping[str, Any] | None = None) -> list[Schedule]:
    tpl = tpl or template.load_template()
    found: list[Schedule] = []
    for logical_id, resource in template.resources("AWS::Serverless::Function", tpl).items():
        for name, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] != "Schedule":
                continue
            props = event["Properties"]
            if props.get("Enabled", True) is False or props.get("State") == "DISABLED":
                continue
            expression = str(props["Schedule"])
            found.append(Schedule(logical_id, name, expression, rate_seconds(expression)))
    return found


class Scheduler:
    """Fires each schedule's target every ``interval_s`` on a daemon thread until ``stop``."""

    def __init__(
        self,
        bus: EventBus,
        schedules: Sequence[Schedule],
        rule_arn: Callable[[Schedule], str],
        *,
        interval_override_s: float | None = None,
    ) -> None:
        self._bus = bus
        self._schedules = list(schedules)
        self._rule_arn = rule_arn
        self._interval_override_s = interval_override_s
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for schedule in self._schedules:
            thread = threading.Thread(
                target=self._run, args=(schedule,), name=f"schedule-{schedule.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _run(self, schedule: Schedule) -> None:
        interval = self._interval_override_s or schedule.interval_s
        while not self._stopped.wait(interval):
            try:
                self._bus.invoke(schedule.function, scheduled_event(self._rule_arn(schedule)))
            except Exception:
                LOG.exception("scheduled invocation of %s failed", schedule.function)

    def stop(self) -> None:
        self._stopped.set()
