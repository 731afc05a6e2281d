"""POST /v1/models/{handle}/score through the local gateway, with real fitted versions.

Versions are fitted by the trainer library on a small generated dataset and published the way the
workflow publishes them (version item, artifact at ``artifacts.artifact_key``, model pointer), so
the scores must equal what ``FittedModel.score`` gives for the same bytes (to 1e-9: the handler
scores with the pure-Python ``u22a8.scoring.Scorer``, whose sums run in another order than numpy's).
"""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from local import iam_audit
from tests.helpers import GatewayClient
from tests.integration.versions_support import activate, create_model, problem, put_tag
from u22a8.data import (
    artifacts,
    clients,
    fitted_models,
    inline_artifacts,
    score_reads,
    versions_repo,
)
from u22a8.entities.version import Version, VersionPointers, new_version_id
from u22a8.observability import logger
from u22a8.training import FeatureCache, FittedModel, LabelledSample, TrainingParams, fit

HANDLE = "acme.tone"
SCORE = f"/v1/models/{HANDLE}/score"
CRITERIA = ["Clarity", "Flow"]
TEXTS = [
    "The plan is simple: we ship on Monday, then we measure.",
    "Leverage synergies holistically going forward per the paradigm.",
    "naïve café, 東京 — ünïcödé",
]

CLEAR = ["simple", "plain", "short", "direct", "concrete", "clear"]
JARGON = ["synergy", "leverage", "paradigm", "holistic", "bandwidth", "ideate"]
SMOOTH = ["then", "so", "because", "therefore", "and next"]
CHOPPY = ["stop", "wait", "anyway", "whatever", "hmm"]
FILLER = ["the", "team", "report", "week", "customer", "order", "page", "update"]


def _dataset(n: int, seed: int) -> list[LabelledSample]:
    """Texts whose words follow their labels, so a fitted version scores them apart."""
    rng = random.Random(seed)
    samples = []
    for _ in range(n):
        clarity, flow = rng.random(), rng.random()
        words = []
        for _ in range(12):
            words.append(rng.choice(CLEAR if rng.random() < clarity else JARGON))
            words.append(rng.choice(SMOOTH if rng.random() < flow else CHOPPY))
            words.append(rng.choice(FILLER))
        samples.append(LabelledSample(" ".join(words), {"Clarity": clarity, "Flow": flow}))
    return samples


@pytest.fixture(scope="module")
def fitted() -> tuple[FittedModel, FittedModel]:
    """Two different versions' models, fitted once for the module (pure numpy, no AWS)."""
    return (
        fit(_dataset(60, seed=1), CRITERIA, TrainingParams(), cache=FeatureCache()),
        fit(_dataset(60, seed=2), CRITERIA, TrainingParams(shrinkage=0.5), cache=FeatureCache()),
    )


@pytest.fixture(autouse=True)
def cold_container() -> Iterator[None]:
    """Every test starts without loaded versions, as a new container does."""
    fitted_models.reset()
    yield
    fitted_models.reset()


@pytest.fixture
def model(api: GatewayClient) -> str:
    create_model(api, HANDLE, criteria=CRITERIA)
    return HANDLE


def publish(
    handle: str,
    number: int,
    fitted: FittedModel,
    active: bool = True,
    copy_into_table: bool = True,
) -> Version:
    """What the workflow's fit and publish steps store: the artifact, its copy in the table (not
    for an artifact too large to copy), the item, the pointer."""
    version_id = new_version_id()
    version = Version(
        version_id=version_id,
        version=number,
        created_at=f"2026-05-{number:02d}T12:00:00.000Z",
        run_id=f"run_{number:020x}",
        params=fitted.params.to_dict(),
        metrics={},
        artifact_key=artifacts.artifact_key(handle, version_id),
        sample_count=fitted.n_samples,
    )
    assert version.artifact_key is not None
    blob = fitted.to_bytes()
    artifacts.put_artifact(version.artifact_key, blob)
    if copy_into_table:
        boto3.client("dynamodb").transact_write_items(
            TransactItems=inline_artifacts.put_actions(handle, version_id, blob)
        )
    versions_repo.put(handle, version)
    if active:
        activate(handle, version)
    return version


def score(api: GatewayClient, texts: Any, query: str = "", handle: str = HANDLE) -> Any:
    return api.post(f"/v1/models/{handle}/score{query}", {"texts": texts})


def delete_artifact(handle: str, version: Version) -> None:
    """What a prune deletes of a version's artifact: its copy in the table and the S3 object."""
    boto3.client("dynamodb").transact_write_items(
        TransactItems=inline_artifacts.delete_actions(handle, version.version_id)
    )
    assert version.artifact_key is not None
    artifacts.delete_artifact(version.artifact_key)


def expected(version: Version, fitted: FittedModel, texts: list[str]) -> dict[str, Any]:
    return {
        "version": version.version,
        "version_id": version.version_id,
        "results": [pytest.approx(row, rel=0.0, abs=1e-9) for row in fitted.score(texts)],
    }


@contextmanager
def aws_calls() -> Iterator[list[str]]:
    """DynamoDB and S3 operations made inside the block (warm the authorizer cache first)."""
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(f"{model.service_model.service_name}.{model.name}")

    registered = [clients.dynamodb().meta.events, clients.s3().meta.events]
    for events in registered:
        events.register("before-call", record)
    try:
        yield calls
    finally:
        for events in registered:
            events.unregister("before-call", record)


# --- scoring -------------------------------------------------------------------------------------


def test_scores_with_the_active_version_exactly_as_the_fitted_model(
    api: GatewayClient, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    publish(HANDLE, 1, fitted[0])
    v2 = publish(HANDLE, 2, fitted[1])
    reply = score(api, TEXTS)
    assert reply.status == 200, reply.body
    assert reply.header("Content-Type") == "application/json"
    body = reply.json()
    assert body == expected(v2, fitted[1], TEXTS)
    assert [set(row) for row in body["results"]] == [set(CRITERIA)] * len(TEXTS)
    assert all(0.0 <= v <= 1.0 for row in body["results"] for v in row.values())
    # The version's own labels come out in order: a clear text beats a jargon one.
    assert body["results"][0]["Clarity"] > body["results"][1]["Clarity"]


def test_one_hundred_texts_up_to_twenty_thousand_characters_are_scored(
    api: GatewayClient, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    v1 = publish(HANDLE, 1, fitted[0])
    # Within the 1 MiB body: 40 texts of the longest length and 60 shorter ones.
    texts = [
        (f"{i} simple plain words then more. " * 700)[: 20_000 if i < 40 else 3_000]
        for i in range(100)
    ]
    reply = score(api, texts)
    assert reply.status == 200, reply.body
    assert reply.json() == expected(v1, fitted[0], texts)


def test_version_and_tag_pick_another_version(
    api: GatewayClient, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    v1 = publish(HANDLE, 1, fitted[0])
    v2 = publish(HANDLE, 2, fitted[1])
    assert put_tag(api, HANDLE, "stable", {"version": 1}).status == 200
    assert put_tag(api, HANDLE, "prod", {"version": 2}).status == 200

    assert score(api, TEXTS, "?version=1").json() == expected(v1, fitted[0], TEXTS)
    assert score(api, TEXTS, "?tag=stable").json() == expected(v1, fitted[0], TEXTS)
    assert score(api, TEXTS, "?version=2").json() == expected(v2, fitted[1], TEXTS)
    assert score(api, TEXTS, "?tag=prod").json() == expected(v2, fitted[1], TEXTS)
    assert score(api, TEXTS).json() == expected(v2, fitted[1], TEXTS)
    assert fitted[0].score(TEXTS) != fitted[1].score(TEXTS)


def test_archived_models_score_with_their_last_active_version(
    api: GatewayClient, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    v1 = publish(HANDLE, 1, fitted[0])
    assert api.delete(f"/v1/models/{HANDLE}").status == 200
    reply = score(api, TEXTS)
    assert reply.status == 200, reply.body
    assert reply.json() == expected(v1, fitted[0], TEXTS)


def test_a_new_active_version_is_used_at_once_by_a_warm_container(
    api: GatewayClient, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    v1 = publish(HANDLE, 1, fitted[0])
    assert score(api, TEXTS).json() == expected(v1, fitted[0], TEXTS)
    v2 = publish(HANDLE, 2, fitted[1])
    assert score(api, TEXTS).json() == expected(v2, fitted[1], TEXTS)


def test_an_artifact_pruned_after_the_model_was_read_is_looked_up_again(
    api: GatewayClient,
    model: str,
    fitted: tuple[FittedModel, FittedModel],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The request reads the model (active: v1); a publish of v2 and a prune of v1 land before
    it loads v1's artifact. It reads the model again and scores with v2."""
    v1 = publish(HANDLE, 1, fitted[0])
    published: list[Version] = []
    read_pointers = score_reads.version_pointers

    def read_then_publish_and_prune(handle: str) -> VersionPointers | None:
        found = read_pointers(handle)
        if not published:
            with iam_audit.outside_functions():  # the workflow's steps, concurrently
                published.append(publish(HANDLE, 2, fitted[1]))
                delete_artifact(HANDLE, v1)
        return found

    monkeypatch.setattr(score_reads, "version_pointers", read_then_publish_and_prune)
    reply = score(api, TEXTS)
    assert reply.status == 200, reply.body
    assert reply.json() == expected(published[0], fitted[1], TEXTS)


def test_a_version_whose_artifact_is_gone_is_not_served(
    api: GatewayClient, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    """Pruning deletes the item before the artifact, so an item without its artifact is a fault
    (500), never a made-up answer."""
    v1 = publish(HANDLE, 1, fitted[0])
    delete_artifact(HANDLE, v1)
    problem(score(api, TEXTS), 500, "internal-error")


# --- refusals ------------------------------------------------------------------------------------


def test_a_model_without_an_active_version_is_409(api: GatewayClient, model: str) -> None:
    body = problem(score(api, TEXTS), 409, "no-active-version")
    assert "train" in body["detail"].lower()
    assert f"/v1/models/{HANDLE}/train" in body["detail"]


def test_unknown_model_version_and_tag_are_404(
    api: GatewayClient, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    publish(HANDLE, 1, fitted[0])
    problem(score(api, TEXTS, handle="acme.nope"), 404, "model-not-found")
    problem(score(api, TEXTS, "?version=7"), 404, "version-not-found")
    problem(score(api, TEXTS, "?tag=nope"), 404, "tag-not-found")


def test_another_tenants_model_is_404_like_a_missing_one(
    api: GatewayClient, other_key: str, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    publish(HANDLE, 1, fitted[0])
    other = api.with_key(other_key)
    mine = problem(score(other, TEXTS), 404, "model-not-found")
    missing = problem(score(other, TEXTS, handle="globex.nope"), 404, "model-not-found")
    assert mine["detail"].replace(HANDLE, "X") == missing["detail"].replace("globex.nope", "X")


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"texts": []}, ["body", "texts"]),
        ({"texts": ["x"] * 101}, ["body", "texts"]),
        ({"texts": ["fine", ""]}, ["body", "texts", 1]),
        ({"texts": ["x" * 20_001]}, ["body", "texts", 0]),
        ({"texts": ["fine", 3]}, ["body", "texts", 1]),
        ({"texts": "not a list"}, ["body", "texts"]),
        ({}, ["body", "texts"]),
        ({"texts": ["fine"], "version": 1}, ["body", "version"]),
    ],
)
def test_invalid_bodies_are_422(
    api: GatewayClient, model: str, body: dict[str, Any], loc: list[Any]
) -> None:
    reply = api.post(SCORE, body)
    problem_body = problem(reply, 422, "validation-error")
    assert loc in [e["loc"] for e in problem_body["errors"]]


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("?version=1&tag=prod", ["query", "tag"]),
        ("?version=0", ["query", "version"]),
        ("?version=01", ["query", "version"]),
        ("?version=", ["query", "version"]),
        ("?version=1&version=2", ["query", "version"]),
        ("?tag=Prod", ["query", "tag"]),
        ("?tag=", ["query", "tag"]),
    ],
)
def test_invalid_version_choices_are_422(
    api: GatewayClient, model: str, query: str, loc: list[Any]
) -> None:
    problem_body = problem(score(api, TEXTS, query), 422, "validation-error")
    assert [e["loc"] for e in problem_body["errors"]] == [loc]


def test_a_malformed_handle_is_422(api: GatewayClient) -> None:
    problem(score(api, TEXTS, handle="Not_A_Handle"), 422, "validation-error")


def test_bodies_over_one_mebibyte_are_413(api: GatewayClient, model: str) -> None:
    raw = b'{"texts": ["' + b"x" * (1024 * 1024) + b'"]}'
    problem(api.request("POST", SCORE, raw=raw), 413, "payload-too-large")


def test_a_body_that_is_not_json_is_400(api: GatewayClient, model: str) -> None:
    problem(api.request("POST", SCORE, raw=b'{"texts": ['), 400, "malformed-json")


# --- calls ---------------------------------------------------------------------------------------


def test_the_active_version_costs_one_read_when_warm(
    api: GatewayClient, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    publish(HANDLE, 1, fitted[0])
    assert score(api, TEXTS, handle="acme.nope").status == 404  # warms the authorizer cache
    with aws_calls() as cold:  # the model, then the artifact's copy in the table: no S3
        assert score(api, TEXTS).status == 200
    assert cold == ["dynamodb.GetItem", "dynamodb.Query"]
    with aws_calls() as warm:
        assert score(api, TEXTS).status == 200
    assert warm == ["dynamodb.GetItem"]


def test_an_artifact_too_large_for_the_table_is_read_from_s3(
    api: GatewayClient, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    version = publish(HANDLE, 1, fitted[0], copy_into_table=False)
    assert score(api, TEXTS, handle="acme.nope").status == 404  # warms the authorizer cache
    with aws_calls() as cold:
        reply = score(api, TEXTS)
    assert reply.status == 200
    assert reply.json() == expected(version, fitted[0], TEXTS)
    assert cold == ["dynamodb.GetItem", "dynamodb.Query", "s3.GetObject"]


def test_another_version_costs_its_item_read_and_its_artifact_once(
    api: GatewayClient, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    publish(HANDLE, 1, fitted[0])
    publish(HANDLE, 2, fitted[1])
    assert put_tag(api, HANDLE, "prod", {"version": 2}).status == 200  # the active one
    assert score(api, TEXTS, handle="acme.nope").status == 404  # warms the authorizer cache
    with aws_calls() as cold:
        assert score(api, TEXTS, "?version=1").status == 200
    assert cold == ["dynamodb.GetItem", "dynamodb.GetItem", "dynamodb.Query"]
    with aws_calls() as warm:
        assert score(api, TEXTS, "?version=1").status == 200
    assert warm == ["dynamodb.GetItem", "dynamodb.GetItem"]
    with aws_calls() as active_by_tag:
        assert score(api, TEXTS, "?tag=prod").status == 200
    assert active_by_tag == ["dynamodb.GetItem", "dynamodb.Query"]
    with aws_calls() as refused:
        problem(score(api, TEXTS, "?version=9"), 404, "version-not-found")
    assert refused == ["dynamodb.GetItem", "dynamodb.GetItem"]


def test_refusals_decided_by_the_model_item_cost_one_read(api: GatewayClient, model: str) -> None:
    assert score(api, TEXTS, handle="acme.nope").status == 404  # warms the authorizer cache
    with aws_calls() as calls:
        problem(score(api, TEXTS), 409, "no-active-version")
        problem(score(api, TEXTS, "?tag=prod"), 404, "tag-not-found")
    assert calls == ["dynamodb.GetItem", "dynamodb.GetItem"]
    with aws_calls() as calls:
        problem(score(api, [""]), 422, "validation-error")
        problem(score(api, TEXTS, handle="globex.theirs"), 404, "model-not-found")
    assert calls == []


# --- privacy -------------------------------------------------------------------------------------


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Everything logged, at every level, by the service's logger and by any other logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    loggers = [logging.getLogger(logger.name), logging.getLogger()]  # Powertools' own, and root
    levels = [each.level for each in loggers]
    for each in loggers:
        each.addHandler(handler)
        each.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        for each, level in zip(loggers, levels, strict=True):
            each.removeHandler(handler)
            each.setLevel(level)


def test_scored_texts_are_never_logged(
    api: GatewayClient, model: str, fitted: tuple[FittedModel, FittedModel]
) -> None:
    publish(HANDLE, 1, fitted[0])
    secrets = [f"confidential-{i}-{random.Random(i).getrandbits(64):x}" for i in range(4)]
    with captured_logs() as logs:
        assert score(api, [f"A plain text about {secrets[0]}", secrets[1]]).status == 200
        too_long = score(api, [secrets[2] + "x" * 20_000])
        problem(too_long, 422, "validation-error")
        problem(score(api, [secrets[3]], "?version=5"), 404, "version-not-found")
    output = logs.getvalue()
    assert "texts scored" in output  # the capture works: the handler's own line is there
    for secret in secrets:
        assert secret not in output
    assert secrets[2] not in too_long.body.decode()  # not echoed back either
