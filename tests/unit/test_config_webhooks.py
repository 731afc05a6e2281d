"""The webhook settings: the local-only http flag is off unless set, and only 0 or 1."""

from __future__ import annotations

import pytest

from u22a8.config import Settings, get_settings


def test_local_http_receivers_are_off_unless_the_local_stack_sets_the_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WEBHOOK_ALLOW_LOCAL_HTTP", raising=False)
    get_settings.cache_clear()
    assert get_settings().webhook_allow_local_http == 0
    monkeypatch.setenv("WEBHOOK_ALLOW_LOCAL_HTTP", "1")
    get_settings.cache_clear()
    assert get_settings().webhook_allow_local_http == 1
    get_settings.cache_clear()


@pytest.mark.parametrize("value", [2, -1])
def test_the_flag_is_zero_or_one(value: int) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_ALLOW_LOCAL_HTTP must be 0 or 1"):
        Settings(webhook_allow_local_http=value)
