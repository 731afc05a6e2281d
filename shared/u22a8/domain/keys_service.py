"""Issuing, revoking and checking API keys (the operator CLI and the authorizer use this)."""

from __future__ import annotations

from dataclasses import dataclass

from u22a8.auth.keys import bearer_token, generate_key, hash_key, key_id_for
from u22a8.data import keys_repo
from u22a8.domain.clock import utc_now
from u22a8.domain.handles import is_valid_namespace
from u22a8.entities.api_key import ApiKeyRecord
from u22a8.entities.errors import FieldError, InvalidInput


@dataclass(frozen=True)
class IssuedKey:
    """The only moment the plaintext key exists outside the caller's hands."""

    key: str
    record: ApiKeyRecord


@dataclass(frozen=True)
class Principal:
    key_id: str
    namespace: str


def issue_key(namespace: str, description: str | None = None) -> IssuedKey:
    if not is_valid_namespace(namespace):
        raise InvalidInput(
            f"'{namespace}' is not a valid namespace.",
            [FieldError(loc=("namespace",), msg="lowercase letters, digits, '-'", type="format")],
        )
    key = generate_key()
    key_hash = hash_key(key)
    record = ApiKeyRecord(
        key_id=key_id_for(key_hash),
        key_hash=key_hash,
        namespace=namespace,
        created_at=utc_now(),
        description=description,
    )
    keys_repo.put(record)
    return IssuedKey(key=key, record=record)


def revoke_key(key_id: str) -> ApiKeyRecord | None:
    """Revoke by public id (``None`` if unknown); revoking twice keeps the first time."""
    record = keys_repo.find_by_id(key_id)
    if record is None:
        return None
    keys_repo.mark_revoked(record.key_hash, utc_now())
    return keys_repo.find_by_hash(record.key_hash)


def list_keys(namespace: str | None = None) -> list[ApiKeyRecord]:
    records = [r for r in keys_repo.scan_all() if namespace is None or r.namespace == namespace]
    return sorted(records, key=lambda r: (r.namespace, r.created_at))


def authenticate(authorization_header: str | None) -> Principal | None:
    """The principal behind a bearer header, or ``None`` for a missing, unknown or revoked key."""
    token = bearer_token(authorization_header)
    if token is None:
        return None
    record = keys_repo.find_by_hash(hash_key(token))
    if record is None or not record.active:
        return None
    return Principal(key_id=record.key_id, namespace=record.namespace)
