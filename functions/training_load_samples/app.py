"""Training workflow, "Load samples": snapshot the run's samples to S3 (see
``u22a8.domain.training_run.fitting.load_samples``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.domain.training_run import fitting
from u22a8.domain.training_run.step import run_step
from u22a8.observability import logger


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_step("Load samples", fitting.load_samples, event, fitting.USER_ERRORS)
