"""The README's example subscriber rule, matched as EventBridge matches it
(``local.event_patterns``) against the events our code really puts on the bus, as a subscriber's
queue receives them."""

from __future__ import annotations

import json
from typing import Any

import boto3

from local import event_patterns
from tests.helpers import GatewayClient
from tests.integration.run_helpers import TRAIN, create, started
from u22a8.config import get_settings
from u22a8.domain import runs_service
from u22a8.entities.model import OperationError

# README, "Events": every failed run of the acme namespace.
ACME_FAILED_RUNS = {
    "source": ["u22a8.models"],
    "detail-type": ["Run Finished"],
    "detail": {"status": ["failed"], "handle": [{"prefix": "acme."}]},
}
TOO_FEW = OperationError("too-few-samples", "Add at least 10 labelled samples, then train again.")


def _everything_on_the_bus(aws: dict[str, str]) -> str:
    """An SQS queue every u22a8 event is delivered to (moto delivers as EventBridge would)."""
    sqs: Any = boto3.client("sqs")
    url = sqs.create_queue(QueueName="all-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = get_settings().event_bus_name
    events = boto3.client("events")
    events.put_rule(
        Name="everything", EventBusName=bus, EventPattern='{"source": ["u22a8.models"]}'
    )
    events.put_targets(Rule="everything", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return str(url)


def _delivered(url: str) -> list[dict[str, Any]]:
    sqs: Any = boto3.client("sqs")
    found: list[dict[str, Any]] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_the_readmes_rule_takes_the_failed_runs_of_acme_and_nothing_else(
    api: GatewayClient, aws: dict[str, str]
) -> None:
    url = _everything_on_the_bus(aws)
    create(api, "acme.m")
    failed = started(api.post(TRAIN, {}))
    assert runs_service.finish_run("acme.m", failed, "failed", TOO_FEW)
    cancelled = started(api.post(TRAIN, {}))
    assert runs_service.finish_run("acme.m", cancelled, "cancelled")

    delivered = _delivered(url)
    taken = [event for event in delivered if event_patterns.matches(ACME_FAILED_RUNS, event)]
    assert [(e["detail-type"], e["detail"]["run_id"]) for e in taken] == [("Run Finished", failed)]
    kinds = {(e["detail-type"], e["detail"].get("status")) for e in delivered}
    assert ("Run Finished", "cancelled") in kinds  # delivered, but not the rule's
    assert ("Model State Changed", None) in kinds
    other_namespace = {**taken[0], "detail": {**taken[0]["detail"], "handle": "globex.m"}}
    assert not event_patterns.matches(ACME_FAILED_RUNS, other_namespace)
