"""The training workflow as deployed, run in-process: moto's Step Functions engine executes the
state machine of ``template.yaml`` (``statemachine/training.asl.json``, its substitutions resolved
to moto Lambda functions), and ``local.lambda_bridge`` makes those functions run our real step
handlers. Executions are awaited through the bridge's watcher (moto says when one ends), and
``Retry`` intervals are recorded instead of slept."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws
from moto.core.config import DefaultConfig

from local import lambda_bridge, resources, template
from local.resources import (
    create_buckets,
    create_event_buses,
    create_state_machines,
    create_tables,
    function_environment,
    physical_names,
)
from u22a8.api import idempotency
from u22a8.config import get_settings
from u22a8.data import clients

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_stepfunctions.type_defs import HistoryEventTypeDef

ENGINE_CONFIG: DefaultConfig = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}
STATE_MACHINE = "TrainingStateMachine"
PREFIX = "test"
WAIT_S = 120.0  # bounds a hang only: every wait ends when moto reports the execution's end


def _reset_caches() -> None:
    get_settings.cache_clear()
    clients.reset()
    idempotency.reset()


def state_machine_definition(names: Mapping[str, str]) -> str:
    """The training state machine's ASL with its substitutions resolved against ``names``."""
    return resources.state_machine_definition(STATE_MACHINE, names)


@dataclass
class Engine:
    """The running workflow's handles for a test."""

    sfn: SFNClient
    registry: lambda_bridge.Registry
    watcher: lambda_bridge.ExecutionWatcher
    retry_waits: list[float]
    state_machine_arn: str
    function_names: dict[str, str]  # logical id -> moto function name
    names: dict[str, str]

    def execution_arn(self, run_id: str) -> str:
        """Executions are named after their run (the API starts them so)."""
        prefix = self.state_machine_arn.replace(":stateMachine:", ":execution:")
        return f"{prefix}:{run_id}"

    def wait(self, run_id: str) -> lambda_bridge.ExecutionEnd:
        return self.watcher.wait(self.execution_arn(run_id), timeout=WAIT_S)

    def history(self, run_id: str) -> list[HistoryEventTypeDef]:
        events: list[HistoryEventTypeDef] = []
        kwargs: dict[str, Any] = {"executionArn": self.execution_arn(run_id), "maxResults": 1000}
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def entered_states(self, run_id: str) -> Counter[str]:
        """State name -> how often it was entered (each entry is a billed transition)."""
        entered: Counter[str] = Counter()
        for event in self.history(run_id):
            if event["type"].endswith("StateEntered"):
                details = event.get("stateEnteredEventDetails")
                entered[str(details["name"] if details else None)] += 1
        return entered

    def output(self, run_id: str) -> Any:
        described = self.sfn.describe_execution(executionArn=self.execution_arn(run_id))
        return json.loads(described.get("output") or "null")


@contextmanager
def training_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """moto with the template's tables, bucket, step functions and training state machine; the
    functions' environment (the API's included) points at them."""
    with (
        mock_aws(config=ENGINE_CONFIG),
        lambda_bridge.installed() as registry,
        lambda_bridge.watch_executions() as watcher,
        lambda_bridge.instant_retries() as waits,
    ):
        names = physical_names(PREFIX)
        create_tables(boto3.client("dynamodb"), names)
        create_buckets(boto3.client("s3"), names)
        create_event_buses(boto3.client("events"), names)
        role_arn = lambda_bridge.ensure_execution_role(boto3.client("iam"))
        arns = lambda_bridge.create_functions(
            boto3.client("lambda"), template.functions(), role_arn, registry=registry, prefix=PREFIX
        )
        assert all(names[f"{logical_id}.Arn"] == arn for logical_id, arn in arns.items())
        sfn = boto3.client("stepfunctions")
        state_machine_arn = create_state_machines(sfn, names, role_arn)[STATE_MACHINE]
        for key, value in function_environment(names).items():
            monkeypatch.setenv(key, value)
        _reset_caches()
        try:
            yield Engine(
                sfn=sfn,
                registry=registry,
                watcher=watcher,
                retry_waits=waits,
                state_machine_arn=state_machine_arn,
                function_names={
                    logical_id: lambda_bridge.function_name(logical_id, PREFIX)
                    for logical_id in arns
                },
                names=names,
            )
        finally:
            _reset_caches()
