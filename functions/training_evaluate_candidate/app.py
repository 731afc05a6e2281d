"""Training workflow, "Evaluate candidate" (one Map iteration): cross-validate one candidate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from u22a8.domain.training_run import fitting
from u22a8.domain.training_run.step import run_step
from u22a8.observability import logger

# Per container: a warm container evaluating more candidates of the same run reads the snapshot
# and computes each feature configuration once.
CACHE = fitting.ContainerCache()


def _evaluate(event: Mapping[str, Any]) -> dict[str, Any]:
    return fitting.evaluate_candidate(event, CACHE)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(candidate=(event.get("candidate") or {}).get("index"))
    return run_step("Evaluate candidate", _evaluate, event, fitting.USER_ERRORS)
