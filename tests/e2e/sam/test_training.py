"""Samples, training (moto's engine runs the steps), versions, runs and scoring of
``tests/e2e/test_training.py`` and ``tests/e2e/test_zero_data_retention.py``, with SAM CLI's
gateway."""

from __future__ import annotations

from tests.e2e.test_training import test_train_publishes_v1_and_the_model_becomes_ready
from tests.e2e.test_zero_data_retention import (
    test_retention_on_hides_refuses_and_purges_while_the_active_version_keeps_scoring,
)

__all__ = [
    "test_retention_on_hides_refuses_and_purges_while_the_active_version_keeps_scoring",
    "test_train_publishes_v1_and_the_model_becomes_ready",
]
