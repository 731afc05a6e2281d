"""versions_service.prune: the policy applied to stored versions and their artifact objects."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import GatewayClient
from tests.integration.versions_support import (
    activate,
    create_model,
    put_tag,
    recorded_calls,
    seed_version,
    stored_artifacts,
    stored_copies,
    stored_versions,
)
from u22a8.data import clients, versions_repo
from u22a8.domain import versions_service
from u22a8.entities.errors import ModelNotFound
from u22a8.entities.version import Version

HANDLE = "acme.tone"


def _model(api: GatewayClient, keep_unnamed: int | None = None, **prune: Any) -> None:
    auto_prune = {**({"keep_unnamed": keep_unnamed} if keep_unnamed is not None else {}), **prune}
    create_model(api, HANDLE, **({"auto_prune": auto_prune} if auto_prune else {}))


def _artifact_of(version: Version) -> str:
    assert version.artifact_key is not None
    return version.artifact_key


def test_prune_keeps_active_tagged_newest_and_month_firsts(api: GatewayClient) -> None:
    _model(api, keep_unnamed=2, keep_first_of_month=True)
    dates = {
        1: "2026-03-04T10:00:00.000Z",  # first of March
        2: "2026-03-31T23:59:59.999Z",
        3: "2026-04-01T00:00:00.000Z",  # first of April
        4: "2026-04-10T00:00:00.000Z",  # tagged
        5: "2026-04-11T00:00:00.000Z",
        6: "2026-04-12T00:00:00.000Z",
        7: "2026-05-02T00:00:00.000Z",  # first of May
        8: "2026-05-03T00:00:00.000Z",  # newest unnamed (2)
        9: "2026-05-04T00:00:00.000Z",  # newest unnamed (1)
        10: "2026-05-05T00:00:00.000Z",  # active
    }
    seeded = {n: seed_version(HANDLE, n, at) for n, at in dates.items()}
    activate(HANDLE, seeded[10])
    assert put_tag(api, HANDLE, "golden", {"version": 4}).status == 200

    assert versions_service.prune(HANDLE) == [2, 5, 6]

    kept = [1, 3, 4, 7, 8, 9, 10]
    assert sorted(stored_versions(HANDLE)) == kept
    assert stored_artifacts(HANDLE) == {_artifact_of(seeded[n]) for n in kept}
    listed = [v["version"] for v in api.get(f"/v1/models/{HANDLE}/versions").json()["data"]]
    assert listed == sorted(kept, reverse=True)
    assert versions_service.prune(HANDLE) == []  # idempotent: nothing more to do


def test_the_default_policy_keeps_100_unnamed_and_month_firsts(api: GatewayClient) -> None:
    _model(api)
    seed_version(HANDLE, 1, "2026-04-30T00:00:00.000Z")  # the first (and only) of April
    for n in range(2, 104):  # May; its first is on the 1st, among the newest
        seed_version(HANDLE, n, f"2026-05-{1 + n % 28:02d}T12:00:00.{n:03d}Z")
    # 103 unnamed versions: the newest 100 (4..103) stay, and so does April's first.
    assert versions_service.prune(HANDLE) == [2, 3]
    assert len(stored_versions(HANDLE)) == 101


def test_keep_unnamed_zero_keeps_only_active_and_tagged(api: GatewayClient) -> None:
    _model(api, keep_unnamed=0, keep_first_of_month=False)
    seeded = [seed_version(HANDLE, n) for n in range(1, 6)]
    activate(HANDLE, seeded[4])
    assert put_tag(api, HANDLE, "a", {"version": 2}).status == 200
    assert put_tag(api, HANDLE, "b", {"version": 5}).status == 200  # also the active one
    assert versions_service.prune(HANDLE) == [1, 3, 4]
    assert sorted(stored_versions(HANDLE)) == [2, 5]
    assert stored_artifacts(HANDLE) == {_artifact_of(seeded[1]), _artifact_of(seeded[4])}


def test_a_removed_tag_makes_its_version_prunable(api: GatewayClient) -> None:
    _model(api, keep_unnamed=0, keep_first_of_month=False)
    seeded = [seed_version(HANDLE, n) for n in (1, 2)]
    activate(HANDLE, seeded[1])
    assert put_tag(api, HANDLE, "prod", {"version": 1}).status == 200
    assert versions_service.prune(HANDLE) == []
    assert api.delete(f"/v1/models/{HANDLE}/tags/prod").status == 200
    assert versions_service.prune(HANDLE) == [1]
    problem = put_tag(api, HANDLE, "prod", {"version": 1})
    assert problem.status == 404
    assert problem.json()["type"].endswith("/version-not-found")


def test_a_model_without_versions_prunes_nothing(api: GatewayClient) -> None:
    _model(api, keep_unnamed=0)
    assert versions_service.prune(HANDLE) == []


def test_an_unknown_model_cannot_be_pruned(aws: dict[str, str]) -> None:
    with pytest.raises(ModelNotFound):
        versions_service.prune("acme.ghost")


def test_a_prune_racing_a_tag_put_does_not_delete_the_newly_tagged_version(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tag lands after the prune planned (with version 1 prunable) and before it deletes:
    the delete is refused because the model's revision moved, and the new plan keeps 1."""
    _model(api, keep_unnamed=0, keep_first_of_month=False)
    seeded = [seed_version(HANDLE, n) for n in (1, 2, 3)]
    activate(HANDLE, seeded[2])
    planned = versions_repo.all_versions
    raced: list[int] = []

    def plan_then_tag(handle: str) -> list[Version]:
        versions = planned(handle)
        if not raced:
            reply = put_tag(api, HANDLE, "prod", {"version": 1})
            raced.append(reply.status)
        return versions

    monkeypatch.setattr(versions_repo, "all_versions", plan_then_tag)
    assert versions_service.prune(HANDLE) == [2]
    assert raced == [200]
    assert sorted(stored_versions(HANDLE)) == [1, 3]
    assert _artifact_of(seeded[0]) in stored_artifacts(HANDLE)
    assert api.get(f"/v1/models/{HANDLE}/versions/1").json()["tags"] == ["prod"]


def test_a_tag_put_after_the_prune_deleted_the_version_is_404(api: GatewayClient) -> None:
    _model(api, keep_unnamed=0, keep_first_of_month=False)
    seeded = [seed_version(HANDLE, n) for n in (1, 2)]
    activate(HANDLE, seeded[1])
    assert versions_service.prune(HANDLE) == [1]
    reply = put_tag(api, HANDLE, "prod", {"version": 1})
    assert reply.status == 404
    assert api.get(f"/v1/models/{HANDLE}").header("ETag") == '"2"'  # nothing was written


def test_a_prune_that_keeps_losing_the_race_gives_up_without_deleting(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _model(api, keep_unnamed=0, keep_first_of_month=False)
    seeded = [seed_version(HANDLE, n) for n in (1, 2)]
    activate(HANDLE, seeded[1])
    planned = versions_repo.all_versions

    def plan_then_change(handle: str) -> list[Version]:
        versions = planned(handle)
        assert api.patch(f"/v1/models/{HANDLE}", {"description": "changed"}).status == 200
        return versions

    monkeypatch.setattr(versions_repo, "all_versions", plan_then_change)
    assert versions_service.prune(HANDLE) == []
    assert sorted(stored_versions(HANDLE)) == [1, 2]
    assert len(stored_artifacts(HANDLE)) == 2


def test_many_versions_are_deleted_9_per_transaction(api: GatewayClient) -> None:
    """A version is ten deletes (its item and every chunk its artifact's copy in the table can
    have); a transaction holds 100 actions, one of them the check of the model."""
    _model(api, keep_unnamed=0, keep_first_of_month=False)
    seeded = [seed_version(HANDLE, n) for n in range(1, 152)]
    activate(HANDLE, seeded[-1])
    with recorded_calls() as calls:
        pruned = versions_service.prune(HANDLE)
    assert pruned == list(range(1, 151))
    assert calls == ["GetItem", "Query", *["TransactWriteItems"] * 17]  # 16 x 9 + 6
    assert stored_versions(HANDLE) == [151]
    assert stored_artifacts(HANDLE) == {_artifact_of(seeded[-1])}
    assert stored_copies(HANDLE) == {seeded[-1].version_id}


def test_a_change_between_transactions_keeps_what_was_deleted_and_replans(
    api: GatewayClient,
) -> None:
    _model(api, keep_unnamed=0, keep_first_of_month=False)
    seeded = [seed_version(HANDLE, n) for n in range(1, 152)]
    activate(HANDLE, seeded[-1])
    events = clients.dynamodb().meta.events
    transactions: list[int] = []

    def tag_before_second_transaction(**_: Any) -> None:
        transactions.append(1)
        if len(transactions) == 2:  # the first 9 are gone; now version 150 gets tagged
            assert put_tag(api, HANDLE, "keep", {"version": 150}).status == 200  # the 3rd call

    event = "before-call.dynamodb.TransactWriteItems"
    events.register(event, tag_before_second_transaction)
    try:
        pruned = versions_service.prune(HANDLE)
    finally:
        events.unregister(event, tag_before_second_transaction)
    # The prune's first (9 deleted) and second (refused: the tag moved the revision), the tag
    # PUT's own, and the replanned prune's sixteen (the other 140 of 1..149: 15 x 9 + 5).
    assert len(transactions) == 19
    assert pruned == list(range(1, 150))
    assert sorted(stored_versions(HANDLE)) == [150, 151]
    assert stored_copies(HANDLE) == {seeded[-2].version_id, seeded[-1].version_id}
    assert stored_artifacts(HANDLE) == {_artifact_of(seeded[-2]), _artifact_of(seeded[-1])}


def test_an_artifact_that_cannot_be_deleted_does_not_fail_the_prune(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _model(api, keep_unnamed=0, keep_first_of_month=False)
    seeded = [seed_version(HANDLE, n) for n in (1, 2)]
    activate(HANDLE, seeded[1])

    def broken(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "DeleteObjects")

    s3 = clients.s3()
    monkeypatch.setattr(s3, "delete_objects", broken)
    assert versions_service.prune(HANDLE) == [1]
    assert stored_versions(HANDLE) == [2]
    assert _artifact_of(seeded[0]) in stored_artifacts(HANDLE)  # an orphan, logged
