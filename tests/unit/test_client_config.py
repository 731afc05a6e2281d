"""The SDK's retries cannot outlast a function: one call's worst case, computed from the clients
the data layer really builds and from botocore's own backoff rules, fits every function's timeout.

Worst case of one call: every attempt waits the whole connect and read timeouts, and every retry
waits the longest backoff botocore's standard mode allows (the throttling scale, capped, plus the
most a server's ``x-amz-retry-after`` can add).
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.retries.standard import ExponentialBackoff

from local import template
from u22a8.data import clients

#: Left to the function after one exhausted call: logging, the 503 problem, flushing metrics.
ANSWER_BUDGET_S = 1.0
CLIENTS = (clients.dynamodb, clients.s3, clients.stepfunctions, clients.events)


def _backoff_rule(name: str) -> Any:
    """A constant of botocore's standard-mode backoff (read, so a botocore upgrade is counted)."""
    return getattr(ExponentialBackoff, name)


def _longest_backoff_s(retry: int) -> float:
    """The longest wait before retry ``retry`` (1-based) in botocore's standard mode."""
    scale = max(_backoff_rule("_DEFAULT_BACKOFF_CONFIG").values())
    exponential = min(scale * _backoff_rule("_BASE") ** (retry - 1), _backoff_rule("_MAX_BACKOFF"))
    return float(exponential + _backoff_rule("_RETRY_AFTER_MAX_ADDITIONAL"))


def _config(client: BaseClient) -> Any:
    return client.meta.config


def worst_case_call_s(client: BaseClient) -> float:
    config = _config(client)
    attempts = int(config.retries["total_max_attempts"])
    per_attempt = float(config.connect_timeout) + float(config.read_timeout)
    return attempts * per_attempt + sum(_longest_backoff_s(r) for r in range(1, attempts))


def _timeouts() -> dict[str, int]:
    globals_ = template.load_template()["Globals"]["Function"]
    return {
        name: int(resource["Properties"].get("Timeout", globals_["Timeout"]))
        for name, resource in template.resources("AWS::Serverless::Function").items()
    }


def test_every_client_uses_the_one_policy_with_standard_retries() -> None:
    configs = [_config(factory()) for factory in CLIENTS]
    for config in configs:
        assert config.retries == {"mode": "standard", "total_max_attempts": 2}
        assert (config.connect_timeout, config.read_timeout) == (0.5, 1.0)


def test_the_policy_is_not_changed_per_function() -> None:
    """Every function runs the same policy (the local stack runs them all in one process), so
    the worst case below holds for each of them."""
    variables = ("AWS_CONNECT_TIMEOUT_S", "AWS_READ_TIMEOUT_S", "AWS_MAX_ATTEMPTS")
    for name, spec in template.functions().items():
        assert not set(spec.environment) & set(variables), name


@pytest.mark.parametrize(("name", "timeout_s"), sorted(_timeouts().items()))
def test_one_calls_worst_case_fits_the_functions_timeout(name: str, timeout_s: int) -> None:
    worst = max(worst_case_call_s(factory()) for factory in CLIENTS)
    assert worst + ANSWER_BUDGET_S <= timeout_s, (
        f"{name}: one call can take {worst:.2f} s of its {timeout_s} s"
    )


def test_the_worst_case_counts_what_botocore_really_does() -> None:
    """Two attempts of 1.5 s, and one retry after at most 1 s (throttling) plus 5 s
    (a server's retry-after): 9 s, inside the API functions' 10 s."""
    assert worst_case_call_s(clients.dynamodb()) == pytest.approx(9.0)


def test_the_old_policy_would_not_have_fit() -> None:
    """``max_attempts`` counts retries only: 3 of them are 4 attempts (23 s with 1 s + 3 s)."""
    old = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=1, read_timeout=3)
    client = boto3.client("dynamodb", config=old)
    assert _config(client).retries["total_max_attempts"] == 4
    assert worst_case_call_s(client) > 10
