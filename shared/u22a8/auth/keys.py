"""Key material: generation, hashing and the ``Authorization: Bearer`` header format."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "u22a8_"


def generate_key() -> str:
    """256 bits of randomness; the prefix makes leaked keys easy to recognise in scanners."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """What is stored and looked up: keys themselves are never persisted or logged."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_id_for(key_hash: str) -> str:
    """A public, non-secret identifier to list and revoke a key by."""
    return "key_" + key_hash[:16]


def bearer_token(authorization: str | None) -> str | None:
    """The key in an ``Authorization: Bearer <key>`` header, or ``None`` if it is not one."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token
