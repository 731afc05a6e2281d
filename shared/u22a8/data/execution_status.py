"""What became of a training execution: Step Functions ``DescribeExecution``, for reconciling.

The reconciler and the stuck-run sweeper only read executions; starting and stopping them is the
API's business. Executions are named after their run (``name = run_id``), so an execution's ARN
follows from the state machine's ARN without storing it anywhere the sweeper would have to read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from u22a8.data import clients
from u22a8.data.items import error_code

RUNNING = "RUNNING"


@dataclass(frozen=True)
class ExecutionStatus:
    """The parts of ``DescribeExecution`` that decide how a run ended."""

    execution_arn: str
    name: str
    status: str  # RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED | PENDING_REDRIVE
    input: dict[str, Any] | None
    error: str | None
    cause: str | None

    @property
    def running(self) -> bool:
        return self.status == RUNNING


def execution_arn(state_machine_arn: str, name: str) -> str:
    """``arn:…:stateMachine:<sm>`` + ``<name>`` → ``arn:…:execution:<sm>:<name>``."""
    prefix, separator, machine = state_machine_arn.rpartition(":stateMachine:")
    if not separator or not machine:
        raise ValueError(f"not a state machine ARN: {state_machine_arn!r}")
    return f"{prefix}:execution:{machine}:{name}"


def describe(arn: str) -> ExecutionStatus | None:
    """The execution's status, or ``None`` when no such execution exists (it was never started)."""
    try:
        response = clients.stepfunctions().describe_execution(executionArn=arn)
    except ClientError as error:
        if error_code(error) == "ExecutionDoesNotExist":
            return None
        raise
    raw_input = response.get("input")
    parsed: Any = None
    if raw_input:
        try:
            parsed = json.loads(raw_input)
        except ValueError:
            parsed = None
    return ExecutionStatus(
        execution_arn=response["executionArn"],
        name=response["name"],
        status=str(response["status"]),
        input=parsed if isinstance(parsed, dict) else None,
        error=response.get("error"),
        cause=response.get("cause"),
    )
