"""Training workflow, "Fit best candidate": fit the winner on all samples, store the artifact."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.domain.training_run import fitting
from u22a8.domain.training_run.step import run_step
from u22a8.observability import logger

CACHE = fitting.ContainerCache()


def _fit(event: Mapping[str, Any]) -> dict[str, Any]:
    return fitting.fit_best(event, CACHE)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_step("Fit best candidate", _fit, event, fitting.USER_ERRORS)
