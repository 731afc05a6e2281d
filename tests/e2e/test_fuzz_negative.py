"""Negative fuzzing against the local stack: schemathesis generates only requests that break the
committed OpenAPI document (wrong types, out-of-range and malformed values, missing required
parts, unexpected content types) and sends them over HTTP with the stack's key.

Every answer must be no 5xx, a 4xx that rejects the bad data (``negative_data_rejection``), a
status and content type the document declares, and an RFC 9457 problem. A valid handle is pointed
at a model that exists, so the broken parts of a request reach past the 404. Bounded and
derandomized like ``test_fuzz_contract`` (a fixed number of cases per operation, the same cases
on every run).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    status_code_conformance,
)
from schemathesis.config._checks import NegativeDataRejectionConfig

from tests.e2e.conftest import Api, LocalStack, new_handle
from tests.e2e.fuzzing import OPENAPI, bounded, send

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    negative_data_rejection,
    status_code_conformance,
    content_type_conformance,
]

schema = schemathesis.openapi.from_path(OPENAPI)
# Unknown query parameters are ignored, as API Gateway and most APIs do; the key is always sent.
schema.config.generation.update(
    modes=[GenerationMode.NEGATIVE], allow_extra_parameters=False, with_security_parameters=False
)
# A broken If-Match is refused as a failed precondition (412), besides schemathesis' defaults.
schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
    expected_statuses=[*NegativeDataRejectionConfig().expected_statuses, "412"]
)

_models: dict[str, str] = {}


def _model(api: Api, stack: LocalStack) -> str:
    """One model of the key's namespace that every valid handle is pointed at."""
    if "handle" not in _models:
        handle = new_handle(stack.namespace)
        created = api.post("/v1/models", {"handle": handle, "criteria": ["Clarity", "Flow"]})
        assert created.status_code == 201, created.text
        _models["handle"] = handle
    return _models["handle"]


@schema.parametrize()
@bounded(MAX_EXAMPLES)
def test_every_broken_request_is_a_4xx_problem(
    case: schemathesis.Case[Any], api: Api, stack: LocalStack
) -> None:
    response = send(case, stack, CHECKS, lambda: _model(api, stack))
    if response.status_code >= 400:
        (content_type,) = response.headers["content-type"]  # schemathesis: lowercase, listed
        assert content_type.startswith("application/problem+json"), content_type
        problem = response.json()
        assert problem["status"] == response.status_code
        assert problem["type"].startswith("https://u22a8.ai/problems/")
