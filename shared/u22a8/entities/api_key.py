"""An API key as stored: only its hash, never the key itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    key_hash: str
    namespace: str
    created_at: str
    description: str | None = None
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
