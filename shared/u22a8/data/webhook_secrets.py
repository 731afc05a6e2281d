"""Endpoint secrets at rest: KMS ciphertexts, bound to their endpoint by the encryption context.

The API functions may only encrypt (their IAM allows ``kms:Encrypt``); the key policy lets the
delivery function alone decrypt. The context (``webhook_id``) makes a ciphertext copied onto
another endpoint's item useless.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.data.items import raise_if_throttled


def _context(webhook_id: str) -> dict[str, str]:
    return {"webhook_id": webhook_id}


def encrypt(webhook_id: str, secret: str) -> bytes:
    """The ciphertext to store; KMS throttling is a retryable 503 (nothing was stored yet)."""
    try:
        response = clients.kms().encrypt(
            KeyId=get_settings().webhook_secrets_key,
            Plaintext=secret.encode(),
            EncryptionContext=_context(webhook_id),
        )
    except ClientError as error:
        raise_if_throttled(error)
        raise
    return bytes(response["CiphertextBlob"])


def decrypt(webhook_id: str, ciphertext: bytes) -> str:
    response = clients.kms().decrypt(
        KeyId=get_settings().webhook_secrets_key,
        CiphertextBlob=ciphertext,
        EncryptionContext=_context(webhook_id),
    )
    return bytes(response["Plaintext"]).decode()
