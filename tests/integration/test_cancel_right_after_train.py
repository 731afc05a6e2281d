"""Cancelling a run the moment it was accepted must work, as it does on AWS."""

from __future__ import annotations

import pytest

from tests.helpers import GatewayClient
from tests.integration.workflow_support import Engine

pytestmark = pytest.mark.workflow


def test_cancel_immediately_after_train_is_not_a_500(api: GatewayClient, engine: Engine) -> None:
    assert api.post("/v1/models", {"handle": "acme.quick", "criteria": ["Flow"]}).status == 201
    started = api.post("/v1/models/acme.quick/train", {"effort": "low"})
    assert started.status == 202
    run_id = started.json()["run_id"]
    cancelled = api.post(f"/v1/models/acme.quick/runs/{run_id}/cancel")
    # 200 when the stop landed while running; 409 if the run had already failed by itself
    # (no samples: it ends at "Load samples" within milliseconds).
    assert cancelled.status in (200, 409), cancelled.body
    engine.wait(run_id)
    expected = "draft" if cancelled.status == 200 else "failed"
    assert api.get("/v1/models/acme.quick").json()["state"] == expected
