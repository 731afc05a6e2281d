"""Zero-data-retention over real HTTP on the local stack: a trained model keeps scoring with its
active version after the PATCH, nothing is listed or accepted, and the purge (the stack's stream
poller invoking ``PurgeSamplesFunction``) deletes every stored sample. The API has no sample
count, so the table is read through the stack's moto endpoint."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from local.resources import physical_names
from local.synthetic import labelled_samples
from tests.e2e.conftest import Api, LocalStack, assert_problem

pytestmark = pytest.mark.e2e

CRITERIA = ["Clarity", "Flow"]
RUN_DEADLINE_S = 120.0  # bounds a hang only: a low-effort run on 48 samples takes seconds
PURGE_DEADLINE_S = 60.0  # the stack polls the stream every second; a small purge is one batch
POLL_INTERVAL_S = 0.1  # the client's only signal is polling (the API, or the table)
TEXTS = ["Simple, clear and direct; therefore easy to follow.", "Synergy. Leverage. Ok."]


def _settled(api: Api, handle: str) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_DEADLINE_S
    while True:
        response = api.get(f"/v1/models/{handle}")
        assert response.status_code == 200, response.text
        model: dict[str, Any] = response.json()
        if model["state"] != "busy":
            return model
        assert time.monotonic() < deadline, f"still busy after {RUN_DEADLINE_S} s: {model}"
        time.sleep(POLL_INTERVAL_S)


def _stored_samples(stack: LocalStack, handle: str) -> int:
    """SAMPLE# items of the model in the stack's ModelsTable, hidden ones included."""
    prefix = stack.keys_table.removesuffix("-KeysTable")
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack.moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    pages = dynamodb.get_paginator("query").paginate(
        TableName=physical_names(prefix)["ModelsTable"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues={":pk": {"S": f"MODEL#{handle}"}, ":p": {"S": "SAMPLE#"}},
        Select="COUNT",
    )
    return sum(page["Count"] for page in pages)


def _score(api: Api, handle: str) -> dict[str, Any]:
    response = api.post(f"/v1/models/{handle}/score", {"texts": TEXTS})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_retention_on_hides_refuses_and_purges_while_the_active_version_keeps_scoring(
    api: Api, stack: LocalStack
) -> None:
    handle = api.create_model(stack.namespace, criteria=CRITERIA)["handle"]
    samples = f"/v1/models/{handle}/samples"
    added = api.post(samples, {"samples": labelled_samples(48, CRITERIA, seed=17)})
    assert added.status_code == 201, added.text
    started = api.post(f"/v1/models/{handle}/train", {"effort": "low"})
    assert started.status_code == 202, started.text
    model = _settled(api, handle)
    assert model["state"] == "ready", model
    assert model["active_version"] == 1
    before = _score(api, handle)
    assert before["version"] == 1
    assert _stored_samples(stack, handle) == 48

    patched = api.patch(
        f"/v1/models/{handle}",
        {"zero_data_retention": True},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["zero_data_retention"] is True

    listed = api.get(samples)
    assert listed.status_code == 200, listed.text
    assert listed.json()["data"] == []
    refused = api.post(samples, {"samples": labelled_samples(1, CRITERIA, seed=18)})
    problem = assert_problem(refused, 409)
    assert problem["type"].endswith("/zero-data-retention"), problem
    after = _score(api, handle)
    assert after == before  # the same active version, the same scores

    deadline = time.monotonic() + PURGE_DEADLINE_S
    while (left := _stored_samples(stack, handle)) > 0:
        assert time.monotonic() < deadline, f"{left} samples left after {PURGE_DEADLINE_S} s"
        time.sleep(POLL_INTERVAL_S)
    model = api.get(f"/v1/models/{handle}").json()
    assert model["state"] == "ready", model
    assert model["active_version"] == 1
    assert _score(api, handle) == before
