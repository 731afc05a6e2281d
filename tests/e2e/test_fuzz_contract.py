"""Fuzzing against the contract: schemathesis generates requests from the committed OpenAPI
document (``docs/openapi.json``) and sends them to the local stack over HTTP, with the stack's key.

Every answer must be no 5xx, have a status code the document declares for the operation, the
content type it declares, and a body that matches the declared schema. Generation is bounded and
derandomized (Hypothesis' fixed seed per test), so CI sees the same cases on every run.

A valid generated ``handle`` is replaced by a model that exists in the key's namespace (one per
operation, so that an archive fuzzed by ``DELETE`` leaves the other operations' models alone):
random handles would only ever reach the ``404`` path; a valid handle in a create's body becomes
a fresh one of the key's namespace, for the same reason. Other path parameters (run ids, sample
ids, version numbers, tags) stay generated.

Stateful testing, which chains requests along the document's OpenAPI ``links`` with the same
checks, is ``test_fuzz_stateful``.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

from tests.e2e.conftest import Api, LocalStack, new_handle
from tests.e2e.fuzzing import CONTRACT_CHECKS, OPENAPI, bounded, send
from u22a8.domain.handles import is_valid_handle

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 20

schema = schemathesis.openapi.from_path(OPENAPI)

_targets: dict[str, str] = {}


def _target(api: Api, stack: LocalStack, operation: str) -> str:
    """The model this operation's valid handles are pointed at, with a few samples."""
    if operation not in _targets:
        handle = new_handle(stack.namespace)
        created = api.post("/v1/models", {"handle": handle, "criteria": ["Clarity", "Flow"]})
        assert created.status_code == 201, created.text
        samples = [
            {"text": f"sample {i}", "scores": {"Clarity": i / 4, "Flow": 1 - i / 4}}
            for i in range(5)
        ]
        added = api.post(f"/v1/models/{handle}/samples", {"samples": samples})
        assert added.status_code == 201, added.text
        _targets[operation] = handle
    return _targets[operation]


@schema.parametrize()
@bounded(MAX_EXAMPLES)
def test_every_answer_keeps_the_contract(
    case: schemathesis.Case[Any], api: Api, stack: LocalStack
) -> None:
    body = case.body
    handle_in_body = body.get("handle") if isinstance(body, dict) else None
    if (
        isinstance(body, dict)
        and isinstance(handle_in_body, str)
        and is_valid_handle(handle_in_body)
    ):  # a create that can succeed: a fresh handle of the key's namespace
        body["handle"] = new_handle(stack.namespace)
    send(case, stack, CONTRACT_CHECKS, lambda: _target(api, stack, case.operation.label))


@pytest.mark.parametrize("method", ["TRACE", "QUERY"])
def test_a_method_no_route_has_is_not_a_5xx(api: Api, stack: LocalStack, method: str) -> None:
    response = api.request(method, f"/v1/models/{stack.namespace}.m")
    assert response.status_code < 500, response.text
    assert response.headers["Content-Type"].startswith("application/"), response.headers


def test_a_sample_id_from_after_year_9999_is_a_404_not_a_500(api: Api, stack: LocalStack) -> None:
    model = api.create_model(stack.namespace)
    response = api.delete(f"/v1/models/{model['handle']}/samples/smp_fc2a6307dd33908ad73b638d7554")
    assert response.status_code == 404, response.text
