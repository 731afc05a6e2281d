"""Fixtures of the integration tests that run the training workflow in moto's engine.

A module marked ``pytestmark = pytest.mark.workflow`` gets ``engine``'s moto as its ``aws`` (the
root conftest), so ``api`` and the keys live where the state machine runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local import streams
from local.streams import StreamPoller
from tests.integration.workflow_support import Engine, training_engine


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """moto with the template's resources and the training state machine executed by its engine."""
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")  # moto's streams endpoint
    with training_engine(monkeypatch) as running:
        yield running


@pytest.fixture
def poller(engine: Engine) -> StreamPoller:
    """Delivers the table's stream records to the template's stream consumers through moto's
    Lambda (call ``drain()``), with the template's filters."""
    arns = {name: engine.names[f"{name}.Arn"] for name in engine.function_names}
    return StreamPoller(engine.names, streams.lambda_deliverer(arns))
