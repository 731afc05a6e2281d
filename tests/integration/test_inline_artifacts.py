"""Artifact copies in the table (``u22a8.data.inline_artifacts``): chunked, all or nothing."""

from __future__ import annotations

import boto3
import pytest

from u22a8.data import inline_artifacts

HANDLE = "acme.m"
VERSION_ID = "mv_0123456789abcdef0123"


def _write(blob: bytes) -> None:
    boto3.client("dynamodb").transact_write_items(
        TransactItems=inline_artifacts.put_actions(HANDLE, VERSION_ID, blob)
    )


@pytest.mark.usefixtures("aws")
def test_an_artifact_of_several_chunks_reads_back_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inline_artifacts, "CHUNK_BYTES", 1000)
    blob = bytes(range(256)) * 11  # 2,816 bytes: three chunks
    assert len(inline_artifacts.put_actions(HANDLE, VERSION_ID, blob)) == 3
    _write(blob)
    assert inline_artifacts.get(HANDLE, VERSION_ID) == blob
    assert inline_artifacts.get(HANDLE, "mv_ffffffffffffffffffff") is None
    assert inline_artifacts.get("acme.other", VERSION_ID) is None


@pytest.mark.usefixtures("aws")
def test_a_copy_missing_a_chunk_is_no_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inline_artifacts, "CHUNK_BYTES", 1000)
    _write(b"x" * 2500)
    middle = inline_artifacts.delete_actions(HANDLE, VERSION_ID)[1]
    boto3.client("dynamodb").transact_write_items(TransactItems=[middle])
    assert inline_artifacts.get(HANDLE, VERSION_ID) is None  # the caller reads S3 instead


@pytest.mark.usefixtures("aws")
def test_the_deletes_remove_every_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inline_artifacts, "CHUNK_BYTES", 1000)
    _write(b"y" * 8500)  # nine chunks, the most a copy has
    assert inline_artifacts.get(HANDLE, VERSION_ID) == b"y" * 8500
    boto3.client("dynamodb").transact_write_items(
        TransactItems=inline_artifacts.delete_actions(HANDLE, VERSION_ID)
    )
    assert inline_artifacts.get(HANDLE, VERSION_ID) is None


def test_only_what_fits_in_a_publish_transaction_is_copied() -> None:
    limit = inline_artifacts.inline_limit_bytes()
    assert limit == inline_artifacts.CHUNK_BYTES * inline_artifacts.MAX_CHUNKS
    assert limit + 100_000 < 4_000_000  # DynamoDB's 4 MB per transaction, with the version item
    assert inline_artifacts.fits(limit)
    assert not inline_artifacts.fits(limit + 1)
    assert not inline_artifacts.fits(0)
    with pytest.raises(ValueError, match="not copied"):
        inline_artifacts.put_actions(HANDLE, VERSION_ID, b"z" * (limit + 1))
