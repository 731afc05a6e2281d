"""Submitted text never reaches a log line or a Step Functions execution history.

The whole lifecycle runs through the API and the real workflow (``workflow_support``): distinctive
samples (each carries a unique marker word) are uploaded, trained on, scored, pushed past the
retrain threshold (the stream starts a retrain, which runs), and purged when zero-data-retention
is turned on. Everything logged meanwhile is captured: every record reaching the root logger or
the Powertools service logger (which does not propagate), formatted as Powertools writes it and
with its extra keys, plus whatever reached stdout/stderr; and the history of every execution the
state machine ran. Neither the marker nor the plaintext API key may appear in any of it.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.streams import StreamPoller
from local.synthetic import labelled_samples
from tests.helpers import GatewayClient
from tests.integration.workflow_support import Engine
from u22a8.observability import logger

pytestmark = pytest.mark.workflow

CRITERIA = ["Clarity", "Flow"]
HANDLE = "acme.secretive"
MODEL = f"/v1/models/{HANDLE}"
THRESHOLD = 50  # the template's RetrainThreshold default


class Capture(logging.Handler):
    """Every record, as text: the formatted line plus its attributes (extra keys included)."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        formatted = logging.Formatter().format(record)
        self.lines.append(f"{formatted} {vars(record)!r}")


@pytest.fixture
def captured() -> Iterator[Capture]:
    capture = Capture()
    # The root logger, Powertools' service logger, and any other that does not propagate.
    loggers = [logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)]
    silent = [each for each in loggers if not each.propagate]
    targets = list(dict.fromkeys([logging.getLogger(), logging.getLogger(logger.service), *silent]))
    for target in targets:
        target.addHandler(capture)
    try:
        yield capture
    finally:
        for target in targets:
            target.removeHandler(capture)


def _marked(count: int, seed: int, marker: str) -> list[dict[str, Any]]:
    samples = labelled_samples(count, CRITERIA, seed=seed)
    for sample in samples:
        sample["text"] = f"{sample['text']} {marker}"
    return samples


def _upload(api: GatewayClient, samples: list[dict[str, Any]]) -> None:
    reply = api.post(f"{MODEL}/samples", {"samples": samples})
    assert reply.status == 201, reply.body


def _model(api: GatewayClient) -> dict[str, Any]:
    reply = api.get(MODEL)
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.json()
    return body


def _histories(engine: Engine) -> dict[str, str]:
    """Execution name -> its whole history as JSON, for every execution of the state machine."""
    arns = [
        execution["executionArn"]
        for page in engine.sfn.get_paginator("list_executions").paginate(
            stateMachineArn=engine.state_machine_arn
        )
        for execution in page["executions"]
    ]
    histories: dict[str, str] = {}
    for arn in arns:
        events = [
            event
            for page in engine.sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
            for event in page["events"]
        ]
        assert events, arn
        histories[arn.rsplit(":", 1)[-1]] = json.dumps(events, default=str)
    return histories


def _stored_samples(aws: dict[str, str]) -> int:
    pages = (
        boto3.client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=aws["ModelsTable"],
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues={":pk": {"S": f"MODEL#{HANDLE}"}, ":p": {"S": "SAMPLE#"}},
            Select="COUNT",
        )
    )
    return sum(page["Count"] for page in pages)


def test_no_sample_or_scored_text_and_no_api_key_in_logs_or_execution_histories(
    api: GatewayClient,
    acme_key: str,
    engine: Engine,
    poller: StreamPoller,
    aws: dict[str, str],
    captured: Capture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    marker = f"zdrmark{uuid.uuid4().hex}"

    # Train v1 through the workflow.
    assert api.post("/v1/models", {"handle": HANDLE, "criteria": CRITERIA}).status == 201
    _upload(api, _marked(60, seed=31, marker=marker))
    reply = api.post(f"{MODEL}/train", {"effort": "low"})
    assert reply.status == 202, reply.body
    assert engine.wait(reply.json()["run_id"]).status == "SUCCEEDED"
    poller.drain()
    assert _model(api)["active_version"] == 1

    # Score marked texts (also submitted content), including one the API refuses.
    reply = api.post(f"{MODEL}/score", {"texts": [f"Plain and clear, then done {marker}."]})
    assert reply.status == 200, reply.body
    reply = api.post(f"{MODEL}/score", {"texts": [f"{marker} too long " * 10_000]})
    assert reply.status in (413, 422), reply.body

    # Reach the retrain threshold: the stream starts a retrain, which publishes v2.
    _upload(api, _marked(THRESHOLD, seed=32, marker=marker))
    poller.drain()
    operation = _model(api)["last_operation"]
    assert operation["kind"] == "retrain", operation
    assert engine.wait(operation["run_id"]).status == "SUCCEEDED"
    poller.drain()
    assert _model(api)["active_version"] == 2

    # Zero-data-retention on: refused uploads, then the purge.
    reply = api.patch(MODEL, {"zero_data_retention": True})
    assert reply.status == 200, reply.body
    reply = api.post(f"{MODEL}/samples", {"samples": _marked(1, seed=33, marker=marker)})
    assert reply.status == 409, reply.body
    poller.drain()
    assert _stored_samples(aws) == 0
    assert api.post(f"{MODEL}/score", {"texts": [f"Still scoring {marker}."]}).status == 200

    histories = _histories(engine)
    assert len(histories) == 2, list(histories)  # the train and the retrain
    out, err = capfd.readouterr()
    lines = [*captured.lines, *out.splitlines(), *err.splitlines()]
    assert any("samples loaded" in line for line in captured.lines), "nothing was captured"
    for name, history in histories.items():
        assert marker not in history, f"sample text in the history of {name}"
        assert acme_key not in history, f"the API key in the history of {name}"
    leaking = [line for line in lines if marker in line or acme_key in line]
    assert not leaking, leaking[:3]
