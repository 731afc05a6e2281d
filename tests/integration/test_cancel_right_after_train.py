"""Cancelling a run the moment it was accepted must work, as it does on AWS, and leave no orphan:
whichever way the race goes, the run ends once, the model is released, and nothing still runs."""

from __future__ import annotations

import pytest

from tests.helpers import GatewayClient
from tests.integration.run_helpers import raw_item, run_items
from tests.integration.workflow_support import Engine
from u22a8.data import runs_repo

pytestmark = pytest.mark.workflow

HANDLE = "acme.quick"
HOLD_ATTRIBUTES = ("current_run_id", "state_before_run", "operation_before_run", "gsi2pk")


def test_cancel_immediately_after_train_is_not_a_500(api: GatewayClient, engine: Engine) -> None:
    assert api.post("/v1/models", {"handle": HANDLE, "criteria": ["Flow"]}).status == 201
    started = api.post(f"/v1/models/{HANDLE}/train", {"effort": "low"})
    assert started.status == 202
    run_id = started.json()["run_id"]
    cancelled = api.post(f"/v1/models/{HANDLE}/runs/{run_id}/cancel")
    # 200 when the stop landed while running; 409 run-finished if the run had already failed by
    # itself (no samples: it ends at "Load samples" within milliseconds).
    assert cancelled.status in (200, 409), cancelled.body
    engine.wait(run_id)  # the execution ended (stopped, or failed on its own first)

    run = runs_repo.get(HANDLE, run_id)
    assert run is not None
    if cancelled.status == 200:
        assert cancelled.json()["status"] == "cancelled"
        assert run.status.value == "cancelled"
        expected = "draft"
    else:
        assert cancelled.json()["type"].endswith("/run-finished")
        assert run.status.value == "failed"
        expected = "failed"
    assert api.get(f"/v1/models/{HANDLE}").json()["state"] == expected
    # No orphan: no run left running, no hold left on the model.
    assert [i["run_id"]["S"] for i in run_items(HANDLE) if i["status"]["S"] == "running"] == []
    assert [a for a in HOLD_ATTRIBUTES if a in raw_item(HANDLE)] == []
