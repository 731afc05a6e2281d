"""What a reconciled run leaves in S3, against moto's real bucket (no stubbed deletion).

The workflow's own runs crash before they store an artifact, so these put the objects an ended
execution can leave behind (its snapshot, and the artifact of a version it fitted but never
published) and reconcile the run as ``ReconcileRunFunction`` would.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import GatewayClient
from tests.integration.run_helpers import HANDLE, TRAIN, create, started, stored
from u22a8.config import get_settings
from u22a8.data import artifacts
from u22a8.domain import reconcile, runs_service
from u22a8.domain.reconcile import EndedRun
from u22a8.domain.training_run import snapshot
from u22a8.entities.model import ModelState


def _exists(key: str) -> bool:
    try:
        boto3.client("s3").head_object(Bucket=get_settings().artifacts_bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey"):
            return False
        raise
    return True


def _leftovers(run_id: str) -> tuple[str, str]:
    """The snapshot and the unpublished artifact of ``run_id``, stored."""
    snapshot_key = snapshot.snapshot_key(HANDLE, run_id)
    artifact_key = artifacts.artifact_key(HANDLE, snapshot.version_id_for(run_id))
    artifacts.put_artifact(snapshot_key, b"snapshot")
    artifacts.put_artifact(artifact_key, b"artifact")
    assert _exists(snapshot_key)
    assert _exists(artifact_key)
    return snapshot_key, artifact_key


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED"])
def test_a_run_that_never_published_loses_its_snapshot_and_its_artifact(
    api: GatewayClient, status: str
) -> None:
    create(api)
    run_id = started(api.post(TRAIN, {}))
    snapshot_key, artifact_key = _leftovers(run_id)

    assert reconcile.reconcile(EndedRun(HANDLE, run_id, status))

    assert stored().state is not ModelState.BUSY  # released
    assert not _exists(snapshot_key)
    assert not _exists(artifact_key)


def test_a_run_released_before_keeps_its_artifact_and_loses_its_snapshot(
    api: GatewayClient,
) -> None:
    """A run that no longer holds the model may have published that very artifact (publishing
    releases in the same write), so only the snapshot goes."""
    create(api)
    run_id = started(api.post(TRAIN, {}))
    snapshot_key, artifact_key = _leftovers(run_id)
    assert runs_service.finish_run(HANDLE, run_id, "cancelled")

    assert not reconcile.reconcile(EndedRun(HANDLE, run_id, "ABORTED"))

    assert not _exists(snapshot_key)
    assert _exists(artifact_key)
