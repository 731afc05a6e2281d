"""The training workflow on the local stack: moto's Step Functions engine runs the template's state
machine, ``local.lambda_bridge`` runs its tasks' real handlers (in the gateway's warm pools), and
``local.events`` delivers what EventBridge would (execution status changes to the reconciler, the
sweepers' schedules) and ``local.streams`` what the ModelsTable stream's event sources would.

``enable`` must run before any state machine exists: moto keeps executing and non-executing state
machines in different backends, chosen by its config when each call is made.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import boto3
from moto.core.config import default_user_config

from local import events, lambda_bridge, patches, queues, streams, template
from local.gateway import FunctionPool
from local.resources import ACCOUNT_ID, REGION, create_state_machines


@patches.guarded("moto-engine-config")
def enable() -> None:
    """Switch moto's Step Functions engine on (process-wide) and keep Lambda off Docker."""
    # Whole sections are replaced, never mutated: moto's own patch.dict restores sections only.
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    default_user_config["lambda"] = {"use_docker": False}


def point_engine_at(moto_port: int) -> None:
    """moto's engine ignores AWS_ENDPOINT_URL: it calls Lambda at http://localhost:$MOTO_PORT."""
    os.environ["MOTO_PORT"] = str(moto_port)


@dataclass(frozen=True)
class Workflows:
    """What is running: the functions (logical id → ARN), the state machines, the event bus."""

    function_arns: dict[str, str]
    state_machines: dict[str, str]
    bus: events.EventBus


@contextmanager
def running(
    names: Mapping[str, str],
    pools: Mapping[str, FunctionPool],
    prefix: str = lambda_bridge.DEFAULT_PREFIX,
) -> Iterator[Workflows]:
    """Create every template function and state machine in moto and run them until exit.

    ``names`` are the local physical names (``local.resources.physical_names(prefix)``), whose
    function ARNs are the ones created here, so the state machines' ``DefinitionSubstitutions``
    and the event rules' targets resolve to them.
    """
    with ExitStack() as stack:
        registry = stack.enter_context(lambda_bridge.installed())
        role_arn = lambda_bridge.ensure_execution_role(boto3.client("iam"))
        arns = lambda_bridge.create_functions(
            boto3.client("lambda"),
            template.functions(),
            role_arn,
            registry=registry,
            pools=pools,
            prefix=prefix,
        )
        machines = create_state_machines(boto3.client("stepfunctions"), names, role_arn)
        bus = events.EventBus(events.rules(names), arns)
        stack.enter_context(lambda_bridge.watch_executions(on_end=bus.on_execution_end))
        scheduler = events.Scheduler(
            bus,
            events.schedules(),
            lambda s: f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{prefix}-{s.function}-{s.name}",
        )
        scheduler.start()
        stack.callback(scheduler.stop)
        # The ModelsTable stream's event sources (zero-data-retention purge, retraining).
        poller = streams.StreamPoller(names, streams.lambda_deliverer(arns))
        poller.start()
        stack.callback(poller.stop)
        # The template's SQS event sources (webhook fan-out and deliveries).
        consumer = queues.QueuePoller(names, queues.lambda_deliverer(arns))
        consumer.start()
        stack.callback(consumer.stop)
        yield Workflows(arns, machines, bus)
