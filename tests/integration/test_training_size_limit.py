"""A dataset larger than a run can featurise fails at once, in ``Load samples``, with an error
that says the limit; nothing is snapshotted. The limit is lowered for the test (the real one,
8 million characters, is measured in bench/training.py and stated in the README)."""

from __future__ import annotations

import json

import boto3
import pytest

from local.synthetic import labelled_samples
from tests.helpers import GatewayClient
from tests.integration.test_training_steps import claim
from u22a8.config import get_settings
from u22a8.domain.training_run import failures, fitting
from u22a8.training import TooManySamples, errors

pytestmark = pytest.mark.workflow

HANDLE = "acme.steps"
CRITERIA = ["Clarity", "Flow"]


def test_too_much_text_fails_before_the_snapshot(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert api.post("/v1/models", {"handle": HANDLE, "criteria": CRITERIA}).status == 201
    samples = labelled_samples(30, CRITERIA, seed=9)
    assert api.post(f"/v1/models/{HANDLE}/samples", {"samples": samples}).status == 201
    total = sum(len(s["text"]) + errors.SAMPLE_OVERHEAD_CHARS for s in samples)
    monkeypatch.setattr(errors, "MAX_TRAINING_CHARS", total - 1)
    run_id = "run_0000000000aa11223344"
    claim(run_id)
    with pytest.raises(TooManySamples) as caught:
        fitting.load_samples({"handle": HANDLE, "run_id": run_id})
    assert caught.value.code == "too-many-samples"
    assert f"the first 30 samples already count {total:,}." in caught.value.message
    assert f"at most {total - 1:,} characters" in caught.value.message
    listed = boto3.client("s3").list_objects_v2(
        Bucket=get_settings().artifacts_bucket, Prefix=f"datasets/{HANDLE}/"
    )
    assert listed.get("KeyCount", 0) == 0
    cause = json.dumps({"errorMessage": caught.value.message})
    error = failures.describe({"Error": "TooManySamples", "Cause": cause}, run_id)
    assert error.code == "too-many-samples"
    assert error.message == caught.value.message

    monkeypatch.setattr(errors, "MAX_TRAINING_CHARS", total)
    assert fitting.load_samples({"handle": HANDLE, "run_id": run_id})["sample_count"] == 30
