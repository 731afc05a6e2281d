"""Training workflow, "Record failure": the run's user-facing error, and the model released."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.domain.training_run import outcome
from u22a8.domain.training_run.step import run_step
from u22a8.observability import logger


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_step("Record failure", outcome.record_failure, event)
