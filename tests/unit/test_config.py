"""Environment variables parsed once into typed, validated settings."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from u22a8.config import Settings, get_settings


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "MODELS_TABLE",
        "KEYS_TABLE",
        "IDEMPOTENCY_TABLE",
        "ARTIFACTS_BUCKET",
        "TRAINING_STATE_MACHINE_ARN",
        "API_BASE_PATH",
        "AWS_CONNECT_TIMEOUT_S",
        "AWS_READ_TIMEOUT_S",
        "AWS_MAX_ATTEMPTS",
        "IDEMPOTENCY_TTL_S",
        "RETRAIN_THRESHOLD",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    return monkeypatch


def test_defaults_without_environment(fresh_settings: pytest.MonkeyPatch) -> None:
    assert get_settings() == Settings()
    assert get_settings().api_base_path == "/v1"
    assert get_settings().aws_max_attempts == 2


def test_environment_is_parsed_into_types(fresh_settings: pytest.MonkeyPatch) -> None:
    fresh_settings.setenv("MODELS_TABLE", "m")
    fresh_settings.setenv("KEYS_TABLE", "k")
    fresh_settings.setenv("IDEMPOTENCY_TABLE", "i")
    fresh_settings.setenv("API_BASE_PATH", "/v2")
    fresh_settings.setenv("AWS_MAX_ATTEMPTS", "5")
    fresh_settings.setenv("AWS_READ_TIMEOUT_S", "0.5")
    fresh_settings.setenv("IDEMPOTENCY_TTL_S", "3600")
    fresh_settings.setenv("RETRAIN_THRESHOLD", "7")
    settings = get_settings()
    assert (settings.models_table, settings.keys_table, settings.idempotency_table) == (
        "m",
        "k",
        "i",
    )
    assert settings.api_base_path == "/v2"
    assert settings.aws_max_attempts == 5
    assert settings.aws_read_timeout_s == 0.5
    assert settings.idempotency_ttl_s == 3600
    assert settings.retrain_threshold == 7


def test_settings_are_read_once_per_process(fresh_settings: pytest.MonkeyPatch) -> None:
    fresh_settings.setenv("MODELS_TABLE", "first")
    first = get_settings()
    fresh_settings.setenv("MODELS_TABLE", "second")
    assert get_settings() is first
    assert get_settings().models_table == "first"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AWS_MAX_ATTEMPTS", "0"),
        ("AWS_MAX_ATTEMPTS", "11"),
        ("AWS_MAX_ATTEMPTS", "many"),
        ("AWS_CONNECT_TIMEOUT_S", "0"),
        ("AWS_READ_TIMEOUT_S", "-1"),
        ("IDEMPOTENCY_TTL_S", "59"),
        ("RETRAIN_THRESHOLD", "0"),
        ("AWS_READ_TIMEOUT_S", "nan"),
        ("IDEMPOTENCY_TTL_S", "3600.5"),
    ],
)
def test_invalid_environment_fails_loudly(
    fresh_settings: pytest.MonkeyPatch, name: str, value: str
) -> None:
    fresh_settings.setenv(name, value)
    with pytest.raises(ValueError, match=f"invalid configuration: .*{name}"):
        get_settings()


def test_settings_are_immutable() -> None:
    with pytest.raises(FrozenInstanceError):
        Settings().models_table = "other"  # type: ignore[misc]
