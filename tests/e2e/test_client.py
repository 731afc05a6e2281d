"""``u22a8.client`` against the local stack over real HTTP: the walk-through (create, ETags, bulk
upload, pages, train and wait, versions, tags, score, archive) and real problems, raised typed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.synthetic import labelled_samples
from tests.e2e.conftest import LocalStack, new_handle
from u22a8.client import (
    Client,
    Conflict,
    NotFound,
    PreconditionFailed,
    Progress,
    RunFailed,
    Unauthorized,
    ValidationFailed,
)
from u22a8.client.types import Sample

pytestmark = pytest.mark.e2e

CRITERIA = ["Clarity", "Flow"]
RUN_TIMEOUT_S = 120.0  # a low-effort run on 60 samples takes seconds; this only bounds a hang


def _samples(count: int, seed: int) -> list[Sample]:
    return [
        Sample(text=s["text"], scores=s["scores"]) for s in labelled_samples(count, CRITERIA, seed)
    ]


@pytest.fixture(scope="module")
def client(stack: LocalStack) -> Iterator[Client]:
    with Client(stack.url, stack.api_key) as made:
        yield made


def test_the_walk_through(client: Client, stack: LocalStack, tmp_path: Path) -> None:
    handle = new_handle(stack.namespace)
    created = client.models.create(handle, CRITERIA, description="tone")
    assert created.value["state"] == "draft"
    assert created.etag == '"1"'

    changed = client.models.patch(handle, {"auto_prune": {"keep_unnamed": 20}}, if_match=created)
    assert changed.value["auto_prune"] == {"keep_unnamed": 20, "keep_first_of_month": True}
    with pytest.raises(PreconditionFailed) as stale:
        client.models.patch(handle, {"description": "lost update"}, if_match=created)
    assert stale.value.request_id
    updated = client.models.update(handle, lambda m: {"description": f"{m['description']}!"})
    assert updated.value["description"] == "tone!"

    source = tmp_path / "samples.jsonl"
    samples = _samples(60, seed=5)
    source.write_text("".join(json.dumps(s) + "\n" for s in samples), encoding="utf-8")
    batches: list[int] = []
    ids = client.samples.upload_jsonl(
        handle, source, batch_size=25, on_batch=lambda n, total: batches.append(n)
    )
    assert batches == [25, 25, 10]
    assert len(set(ids)) == 60
    pages = list(client.samples.list(handle, limit=25).pages())
    assert len(pages) >= 3
    assert [s["sample_id"] for p in pages for s in p.data] == ids

    started = client.train(handle, effort="low")
    assert started["state"] == "busy"
    run_id = started["run_id"]
    assert run_id is not None
    seen: list[Progress] = []
    run = client.wait_for_run(
        handle, run_id, on_progress=seen.append, timeout=RUN_TIMEOUT_S, poll_interval=0.05
    )
    assert run["status"] == "succeeded"
    assert run["version"] == 1
    fractions = [p.fraction for p in seen if p.fraction is not None]
    assert fractions == sorted(fractions)
    assert seen[-1] == Progress(run_id, "succeeded", 1.0)

    assert client.train(handle) == {"state": "ready", "run_id": None}
    assert [r["run_id"] for r in client.runs.list(handle)] == [run_id]
    (version,) = client.versions.list(handle)
    assert version["run_id"] == run_id
    assert client.tags.set(handle, "prod", 1)["tags"] == ["prod"]
    scored = client.score(handle, ["Simple, clear and direct.", "Synergy. Leverage."], tag="prod")
    assert scored["version"] == 1
    assert [sorted(r) for r in scored["results"]] == [CRITERIA, CRITERIA]
    model = client.tags.delete(handle, "prod")
    assert model.value["tags"] == []

    archived = client.models.archive(handle, if_match=model)
    assert archived.value["state"] == "archived"
    assert handle in [m["handle"] for m in client.models.list(state="archived", limit=100)]
    with pytest.raises(Conflict) as refused:
        client.samples.add(handle, samples[:1])
    assert refused.value.code == "model-archived"


def test_a_retried_create_is_replayed_not_refused(client: Client, stack: LocalStack) -> None:
    handle = new_handle(stack.namespace)
    first = client.models.create(handle, CRITERIA, idempotency_key=f"create-{handle}")
    again = client.models.create(handle, CRITERIA, idempotency_key=f"create-{handle}")
    assert again.value == first.value
    with pytest.raises(Conflict) as taken:
        client.models.create(handle, CRITERIA)
    assert taken.value.code == "handle-taken"


def test_a_failed_run_raises_with_its_error(client: Client, stack: LocalStack) -> None:
    handle = new_handle(stack.namespace)
    client.models.create(handle, CRITERIA)
    client.samples.add(handle, _samples(3, seed=2))
    run_id = client.train(handle, effort="low")["run_id"]
    assert run_id is not None
    with pytest.raises(RunFailed) as failed:
        client.wait_for_run(handle, run_id, timeout=RUN_TIMEOUT_S, poll_interval=0.05)
    assert failed.value.code == "not-enough-samples"
    assert failed.value.error_message
    assert client.models.get(handle).value["state"] == "failed"


def test_problems_are_typed_with_their_fields(client: Client, stack: LocalStack) -> None:
    with pytest.raises(NotFound) as missing:
        client.models.get(new_handle(stack.namespace))
    assert missing.value.code == "model-not-found"
    assert missing.value.request_id

    with pytest.raises(ValidationFailed) as invalid:
        client.models.create("Not A Handle", CRITERIA)
    assert invalid.value.status == 422
    assert invalid.value.errors
    assert invalid.value.detail

    with (
        Client(stack.url, "u22a8_not_a_key") as stranger,
        pytest.raises(Unauthorized),
    ):
        stranger.models.get(new_handle(stack.namespace))
