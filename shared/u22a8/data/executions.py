"""Starting and stopping training executions (Step Functions), for the API.

Executions are named after their run (``name = run_id``), so a run's execution ARN follows from
the state machine's ARN (``execution_status.execution_arn``) and a retried start of the same run
can never start a second execution.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from u22a8.data import clients
from u22a8.data.items import error_code, raise_if_throttled

ALREADY_EXISTS = "ExecutionAlreadyExists"
DOES_NOT_EXIST = "ExecutionDoesNotExist"


class StartFailed(Exception):
    """The execution was not started (throttled, refused, unreachable): the claim must be undone."""


def start(state_machine_arn: str, name: str, payload: Mapping[str, Any]) -> None:
    """Start the execution ``name``; one of that name existing already counts as started."""
    try:
        clients.stepfunctions().start_execution(
            stateMachineArn=state_machine_arn,
            name=name,
            input=json.dumps(payload, separators=(",", ":")),
        )
    except ClientError as error:
        if error_code(error) == ALREADY_EXISTS:
            return  # a retry of a start that went through: the run has its execution
        raise StartFailed(f"StartExecution failed: {error_code(error)}") from error
    except BotoCoreError as error:  # timeouts, connection errors (after the SDK's retries)
        raise StartFailed(f"StartExecution failed: {type(error).__name__}") from error


def stop(execution_arn: str, error: str, cause: str) -> bool:
    """Stop the execution; ``False`` when it does not exist (its start never happened).

    Stopping an execution that has already ended changes nothing, on AWS and here.
    """
    try:
        clients.stepfunctions().stop_execution(executionArn=execution_arn, error=error, cause=cause)
    except ClientError as failure:
        if error_code(failure) == DOES_NOT_EXIST:
            return False
        raise_if_throttled(failure)
        raise
    return True
