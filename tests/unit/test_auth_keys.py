"""Key material and the bearer header format."""

from __future__ import annotations

import hashlib
import re

import pytest

from u22a8.auth.keys import KEY_PREFIX, bearer_token, generate_key, hash_key, key_id_for


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer x", "x"),
        ("bearer x", "x"),
        ("BEARER x", "x"),
        ("  Bearer   x  ", "x"),
        ("Bearer u22a8_abc-DEF_123", "u22a8_abc-DEF_123"),
        ("Basic x", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("Bearer a b", None),
        ("Bearerx", None),
        ("x", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_hash_is_sha256_hex() -> None:
    digest = hash_key("u22a8_secret")
    assert digest == hashlib.sha256(b"u22a8_secret").hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert "secret" not in digest


def test_key_id_is_stable_public_and_derived_from_the_hash() -> None:
    digest = hash_key("u22a8_secret")
    assert key_id_for(digest) == key_id_for(hash_key("u22a8_secret")) == "key_" + digest[:16]
    assert key_id_for(hash_key("u22a8_other")) != key_id_for(digest)


def test_generated_keys_are_prefixed_long_and_unique() -> None:
    keys = {generate_key() for _ in range(50)}
    assert len(keys) == 50
    for key in keys:
        assert key.startswith(KEY_PREFIX)
        assert len(key) >= len(KEY_PREFIX) + 43  # 32 random bytes, base64url
        assert bearer_token(f"Bearer {key}") == key
