"""Training workflow, "Publish version": the version, the model and the run in one transaction."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.domain.training_run import outcome
from u22a8.domain.training_run.step import run_step
from u22a8.observability import logger


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_step("Publish version", outcome.publish_version, event)
