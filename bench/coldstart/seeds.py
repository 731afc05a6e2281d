"""What the cold-start requests need in the tables, created in the benchmark's own process.

A real API key for the authorizer, and models, samples, versions, tags and runs for the routes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

NAMESPACE = "bench"
CRITERIA = ("clarity", "concision")


@dataclass(frozen=True)
class Seeds:
    """What the requests need in the tables; created in this process, before the children run."""

    key: str
    key_id: str
    read_handle: str = f"{NAMESPACE}.read"
    patch_handle: str = f"{NAMESPACE}.patched"
    samples_handle: str = f"{NAMESPACE}.samples"
    score_handle: str = f"{NAMESPACE}.scored"
    large_score_handle: str = f"{NAMESPACE}.scored-from-s3"  # its artifact not in the table
    versions_handle: str = f"{NAMESPACE}.versioned"
    runs_handle: str = f"{NAMESPACE}.trained"
    run_id: str = ""  # a running run of ``runs_handle``

    @staticmethod
    def create() -> Seeds:
        from u22a8.domain.keys_service import issue_key

        issued = issue_key(NAMESPACE, "cold-start benchmark")
        seeds = Seeds(key=issued.key, key_id=issued.record.key_id)
        for handle in (seeds.read_handle, seeds.patch_handle, seeds.samples_handle):
            seed_model(handle)
        seed_samples(seeds.samples_handle, 3)
        for handle in (seeds.score_handle, seeds.versions_handle):
            seed_model(handle)
            seed_active_version(handle)
        seed_model(seeds.large_score_handle)
        seed_active_version(seeds.large_score_handle, copy_into_table=False)
        seed_model(seeds.runs_handle)
        return replace(seeds, run_id=seed_run(seeds.runs_handle))


def seed_model(handle: str) -> None:
    from u22a8.api.mapping import new_model
    from u22a8.api.schemas import CREATE_MODEL_BODY
    from u22a8.domain import models_service
    from u22a8.domain.clock import utc_now

    request = CREATE_MODEL_BODY.validate({"handle": handle, "criteria": list(CRITERIA)})
    models_service.create_model(NAMESPACE, new_model(request, utc_now()))


def seed_samples(handle: str, count: int) -> list[str]:
    from u22a8.domain import samples_service
    from u22a8.entities.sample import NewSample

    samples = [
        NewSample(text=f"seeded sample {i}", scores={CRITERIA[0]: 0.5}) for i in range(count)
    ]
    return samples_service.add_samples(NAMESPACE, handle, samples)


def seed_active_version(handle: str, copy_into_table: bool = True) -> None:
    """A fitted version of ``handle``, published as the workflow does (artifact, its copy in the
    table unless ``copy_into_table`` is false, as for an artifact too large to copy; item,
    pointer), so the score route's first request loads a real artifact."""
    from u22a8.config import get_settings
    from u22a8.data import artifacts, clients, inline_artifacts, versions_repo
    from u22a8.data.keys import META_SK, model_pk
    from u22a8.entities.version import Version, new_version_id
    from u22a8.training import FeatureCache, LabelledSample, TrainingParams, fit

    samples = [
        LabelledSample(
            " ".join(["clear plain words" if i % 2 else "synergy paradigm leverage"] * (1 + i % 5)),
            {name: float(i % 2) for name in CRITERIA},
        )
        for i in range(40)
    ]
    fitted = fit(samples, CRITERIA, TrainingParams(), cache=FeatureCache())
    version_id = new_version_id()
    key = artifacts.artifact_key(handle, version_id)
    blob = fitted.to_bytes()
    artifacts.put_artifact(key, blob)
    if copy_into_table:
        clients.dynamodb().transact_write_items(
            TransactItems=inline_artifacts.put_actions(handle, version_id, blob)
        )
    created = "2026-05-01T00:00:00.000Z"
    version = Version(
        version_id=version_id, version=1, created_at=created, run_id=None, artifact_key=key
    )
    versions_repo.put(handle, version)
    clients.dynamodb().update_item(
        TableName=get_settings().models_table,
        Key={"pk": {"S": model_pk(handle)}, "sk": {"S": META_SK}},
        UpdateExpression="SET active_version = :n, active_version_id = :id, #state = :ready",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues={
            ":n": {"N": "1"},
            ":id": {"S": version_id},
            ":ready": {"S": "ready"},
        },
    )


def seed_tag(handle: str, tag: str, number: int = 1) -> None:
    from u22a8.domain import versions_service

    versions_service.put_tag(NAMESPACE, handle, tag, number)


def seed_run(handle: str) -> str:
    """A running run of ``handle`` (a draft model), started by the train use case; its id. The
    execution stays RUNNING (no engine), so the run can be read and cancelled."""
    from u22a8.domain import runs_service
    from u22a8.entities.run import TrainRequest
    from u22a8.observability import logger

    level = logger.log_level
    logger.setLevel(logging.WARNING)  # its info line would land in the report, on stdout
    try:
        outcome = runs_service.train(NAMESPACE, handle, TrainRequest(), None)
    finally:
        logger.setLevel(level)
    if outcome.run_id is None:
        raise RuntimeError(f"{handle}: train started no run ({outcome.state.value})")
    return outcome.run_id
