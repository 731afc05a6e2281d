"""What the schemathesis fuzz tests share: the committed document, the contract's checks, the
bounded and derandomized settings, and how a case is pointed at a model that exists and sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from local.template import ROOT
from tests.e2e.conftest import LocalStack
from u22a8.domain.handles import is_valid_handle

OPENAPI: Final = ROOT / "docs" / "openapi.json"
CONTRACT_CHECKS: Final[list[schemathesis.CheckFunction]] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
HTTP_TIMEOUT_S: Final = 30


def bounded(max_examples: int) -> settings:
    """Hypothesis settings for a fuzz test: ``max_examples`` cases an operation, the same cases on
    every run (a fixed seed), no deadline (the stack is shared and may be busy)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )


def send(
    case: schemathesis.Case[Any],
    stack: LocalStack,
    checks: list[schemathesis.CheckFunction],
    existing_handle: Callable[[], str],
) -> schemathesis.Response:
    """Point a valid generated ``handle`` path parameter at ``existing_handle()`` (a random one
    would only ever reach the 404), send the case with the stack's key and run ``checks``."""
    path_parameters: dict[str, Any] = case.path_parameters or {}
    handle = path_parameters.get("handle")
    if isinstance(handle, str) and is_valid_handle(handle):
        path_parameters["handle"] = existing_handle()
    return case.call_and_validate(
        base_url=stack.url,
        headers={"Authorization": f"Bearer {stack.api_key}"},
        checks=checks,
        timeout=HTTP_TIMEOUT_S,
    )
