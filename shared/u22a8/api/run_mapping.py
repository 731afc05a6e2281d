"""Explicit mapping between training runs and their public JSON shapes; no storage shape leaks out
(the execution ARN stays internal)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from u22a8.effort import DEFAULT_EFFORT
from u22a8.entities.run import Run, RunPage, TrainRequest

if TYPE_CHECKING:  # annotations only: handlers that parse no body never import pydantic_core
    from u22a8.api.run_schemas import TrainBody


def train_request(body: TrainBody) -> TrainRequest:
    return TrainRequest(
        effort=body["effort"] or DEFAULT_EFFORT, reoptimize_params=body["reoptimize_params"]
    )


def run_resource(run: Run) -> dict[str, Any]:
    """``RunOut`` in the OpenAPI document."""
    return {
        "run_id": run.run_id,
        "kind": run.kind,
        "status": run.status.value,
        "effort": run.effort,
        "reoptimize_params": run.reoptimize_params,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "progress": run.progress,
        "error": {"code": run.error.code, "message": run.error.message} if run.error else None,
        "version": run.version,
    }


def run_page(page: RunPage) -> dict[str, Any]:
    return {"data": [run_resource(run) for run in page.runs], "next_cursor": page.next_cursor}
