"""The models tests of ``tests/e2e/test_models.py``, with SAM CLI's gateway."""

from __future__ import annotations

from tests.e2e.test_models import (
    test_idempotent_create_replays_and_refuses_a_different_body,
    test_list_is_newest_first_paginates_exactly_once_and_hides_archived,
    test_model_lifecycle_with_etags,
    test_taken_handle_is_409,
)

__all__ = [
    "test_idempotent_create_replays_and_refuses_a_different_body",
    "test_list_is_newest_first_paginates_exactly_once_and_hides_archived",
    "test_model_lifecycle_with_etags",
    "test_taken_handle_is_409",
]
