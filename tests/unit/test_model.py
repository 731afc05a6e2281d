"""The model aggregate: pruning defaults, merge-patch markers, the 412 for a stale revision."""

from __future__ import annotations

from tests.unit.factories import a_model
from u22a8.entities.model import (
    DEFAULT_KEEP_FIRST_OF_MONTH,
    DEFAULT_KEEP_UNNAMED,
    UNSET,
    AutoPrune,
    AutoPruneChanges,
    ModelChanges,
    ModelState,
    Unset,
    precondition_failed,
)


def test_a_revision_ahead_of_the_model_was_never_issued_and_says_so() -> None:
    assert "never issued" in precondition_failed("acme.m", 9, 7).detail
    assert "has changed since" in precondition_failed("acme.m", 6, 7).detail


def test_namespace() -> None:
    assert a_model(handle="globex.thing").namespace == "globex"


def test_auto_prune_defaults_apply_per_key() -> None:
    assert AutoPrune().effective_keep_unnamed == DEFAULT_KEEP_UNNAMED == 100
    assert AutoPrune().effective_keep_first_of_month is DEFAULT_KEEP_FIRST_OF_MONTH is True
    override = AutoPrune(keep_unnamed=0, keep_first_of_month=False)
    assert override.effective_keep_unnamed == 0  # 0 is a value, not "unset"
    assert override.effective_keep_first_of_month is False


def test_unset_is_a_singleton_distinct_from_none() -> None:
    assert Unset() is UNSET
    assert UNSET is not None
    assert repr(UNSET) == "UNSET"


def test_model_changes_is_empty_only_when_nothing_is_set() -> None:
    assert ModelChanges().is_empty
    assert not ModelChanges(description=None).is_empty
    assert not ModelChanges(zero_data_retention=False).is_empty
    assert not ModelChanges(auto_prune=None).is_empty
    assert not ModelChanges(auto_prune=AutoPruneChanges()).is_empty


def test_model_state_values() -> None:
    assert [s.value for s in ModelState] == ["draft", "busy", "ready", "failed", "archived"]
