"""The score request's projected reads (``u22a8.data.score_reads``) against the repositories'
full ones: the same pointers, and "found" whatever optional attributes an item lacks."""

from __future__ import annotations

import boto3
import pytest

from tests.unit.factories import a_model
from u22a8.config import get_settings
from u22a8.data import models_repo, score_reads, versions_repo
from u22a8.data.keys import META_SK, model_pk
from u22a8.entities.version import Version, VersionPointers, VersionRef

HANDLE = "acme.reads"


@pytest.mark.usefixtures("aws")
def test_a_model_item_holding_none_of_the_pointers_is_found() -> None:
    """A draft's item has no active version, and ``tag_map`` is written at creation only because
    a tag PUT needs the map: an item without it too (removed here) holds none of the projected
    pointers. Without ``pk`` in the projection, DynamoDB (and moto) answer an empty ``Item``,
    which would read as "no such model" (404 where it is 409 ``no-active-version``)."""
    models_repo.put_new(a_model(handle=HANDLE))
    boto3.client("dynamodb").update_item(
        TableName=get_settings().models_table,
        Key={"pk": {"S": model_pk(HANDLE)}, "sk": {"S": META_SK}},
        UpdateExpression="REMOVE tag_map",
    )
    assert score_reads.version_pointers(HANDLE) == VersionPointers(None, None, {})
    assert score_reads.version_pointers("acme.missing") is None


@pytest.mark.usefixtures("aws")
def test_the_pointers_are_what_the_whole_model_says() -> None:
    models_repo.put_new(
        a_model(
            handle=HANDLE,
            active_version=3,
            active_version_id="mv_33333333333333333333",
            tag_map={"prod": 3, "canary": 2},
        )
    )
    model = models_repo.get(HANDLE)
    assert model is not None
    assert score_reads.version_pointers(HANDLE) == VersionPointers(
        model.active_version, model.active_version_id, model.tag_map
    )
    assert model.tag_map == {"prod": 3, "canary": 2}


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("artifact_key", ["artifacts/acme.reads/mv_2.npz", None])
def test_a_version_ref_is_what_the_version_item_says(artifact_key: str | None) -> None:
    version = Version(
        version_id="mv_22222222222222222222",
        version=2,
        created_at="2026-12-01T00:00:00.000Z",
        run_id=None,
        params={"objective": "balanced_cosine"},
        artifact_key=artifact_key,
    )
    models_repo.put_new(a_model(handle=HANDLE))
    versions_repo.put(HANDLE, version)
    assert score_reads.version_ref(HANDLE, 2) == VersionRef(version.version_id, artifact_key)
    assert score_reads.version_ref(HANDLE, 1) is None
