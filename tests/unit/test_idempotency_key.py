"""The Idempotency-Key header rule (the store itself is exercised in the integration tests)."""

from __future__ import annotations

import pytest

from u22a8.api.idempotency import (
    IDEMPOTENCY_HEADER,
    MAX_KEY_LENGTH,
    StoredResponse,
    run_once,
    validated_key,
)
from u22a8.entities.errors import InvalidInput


@pytest.mark.parametrize("key", ["a", "k" * MAX_KEY_LENGTH, "8c1f-4e2b_9d~!", "~"])
def test_valid_keys(key: str) -> None:
    assert validated_key(key) == key


def test_absent_key() -> None:
    assert validated_key(None) is None


@pytest.mark.parametrize("key", ["", "k" * (MAX_KEY_LENGTH + 1), "has space", "tab\t", "clé"])
def test_invalid_keys_are_422(key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validated_key(key)
    assert caught.value.errors[0].loc == ("header", IDEMPOTENCY_HEADER)


def test_without_a_key_the_operation_simply_runs_each_time() -> None:
    calls: list[int] = []

    def operation() -> StoredResponse:
        calls.append(1)
        return {"status": 201, "body": {"n": len(calls)}, "headers": {}}

    assert run_once(None, "acme:op", {}, operation, None)["body"] == {"n": 1}
    assert run_once(None, "acme:op", {}, operation, None)["body"] == {"n": 2}
