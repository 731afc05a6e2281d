"""S3 access for the artifacts bucket: fitted versions (``artifacts/<handle>/<version_id>.npz``)
and dataset snapshots of runs (``datasets/<handle>/<run_id>.json.gz``).

Keys are built by the callers; this module only moves bytes, so the layout is documented in one
place (docs/training-design.md). The bucket is ``ARTIFACTS_BUCKET``; it blocks public access,
refuses non-TLS requests and encrypts at rest (template.yaml).
"""

from __future__ import annotations

from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError

from u22a8.config import get_settings
from u22a8.data import clients
from u22a8.observability import logger

# DeleteObjects takes at most 1,000 keys per call.
_MAX_KEYS_PER_DELETE = 1000


class ArtifactMissing(Exception):
    pass


def _bucket() -> str:
    return get_settings().artifacts_bucket


def artifact_key(handle: str, version_id: str) -> str:
    return f"artifacts/{handle}/{version_id}.npz"


def put_artifact(key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
    clients.s3().put_object(Bucket=_bucket(), Key=key, Body=data, ContentType=content_type)


# What S3 answers for a key that does not exist: 404 to a caller allowed s3:ListBucket on the
# bucket, 403 AccessDenied to one that is not. No function reading objects is granted
# ListBucket (it would let each list every tenant's keys, and whether a prefix-scoped grant earns
# the 404 is not documented); each is granted GetObject on exactly the prefix it reads, which the
# IAM audit checks for every call the test suites make, so a 403 here means "not there".
_MISSING_CODES = frozenset({"NoSuchKey", "404", "AccessDenied", "403"})


def get_artifact(key: str) -> bytes:
    """The object's bytes; :class:`ArtifactMissing` when there is no such object (a 404, or the
    403 S3 answers a role without ``s3:ListBucket``)."""
    try:
        response = clients.s3().get_object(Bucket=_bucket(), Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING_CODES:
            raise ArtifactMissing(key) from error
        raise
    return response["Body"].read()


def delete_artifact(key: str) -> None:
    """Idempotent: deleting a missing object succeeds (S3 semantics)."""
    clients.s3().delete_object(Bucket=_bucket(), Key=key)


def delete_artifacts(keys: Sequence[str]) -> list[str]:
    """Delete many objects, 1,000 a call; never raises. Returns the keys that could not be
    deleted (logged): callers delete objects after the items that point at them, so a failure
    here leaves an orphan object, which must not fail the work that already committed."""
    failed: list[str] = []
    for start in range(0, len(keys), _MAX_KEYS_PER_DELETE):
        chunk = keys[start : start + _MAX_KEYS_PER_DELETE]
        try:
            response = clients.s3().delete_objects(
                Bucket=_bucket(),
                Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True},
            )
        except (BotoCoreError, ClientError):
            logger.exception("artifacts not deleted", extra={"keys": list(chunk)})
            failed.extend(chunk)
            continue
        for error in response.get("Errors", []):
            failed.append(error.get("Key", ""))
            logger.warning(
                "artifact not deleted",
                extra={"key": error.get("Key"), "code": error.get("Code")},
            )
    return failed
