"""The models resource over HTTP: lifecycle, ETags, listing, idempotent create."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import Api, LocalStack, assert_problem, new_handle

pytestmark = pytest.mark.e2e


def test_model_lifecycle_with_etags(api: Api, stack: LocalStack) -> None:
    handle = new_handle(stack.namespace)
    created = api.post("/v1/models", {"handle": handle, "criteria": ["Clarity", "Flow"]})
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"/v1/models/{handle}"
    assert created.headers["ETag"] == '"1"'
    assert created.json()["state"] == "draft"

    fetched = api.get(created.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.headers["ETag"] == created.headers["ETag"]
    assert fetched.json() == created.json()

    patched = api.patch(
        f"/v1/models/{handle}",
        {"description": "tone of support replies"},
        headers={"If-Match": fetched.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["ETag"] == '"2"'
    assert patched.json()["description"] == "tone of support replies"

    stale = api.patch(
        f"/v1/models/{handle}",
        {"description": "lost"},
        headers={"If-Match": fetched.headers["ETag"]},
    )
    assert_problem(stale, 412)
    assert api.get(f"/v1/models/{handle}").json() == patched.json()

    archived = api.delete(f"/v1/models/{handle}")
    assert archived.status_code == 200, archived.text
    assert archived.json()["state"] == "archived"
    again = api.delete(f"/v1/models/{handle}")
    assert again.status_code == 200
    assert again.json() == archived.json()

    assert_problem(api.patch(f"/v1/models/{handle}", {"description": "no"}), 409)
    still_readable = api.get(f"/v1/models/{handle}")
    assert still_readable.status_code == 200
    assert still_readable.json() == archived.json()


def test_taken_handle_is_409(api: Api, stack: LocalStack) -> None:
    model = api.create_model(stack.namespace)
    again = api.post("/v1/models", {"handle": model["handle"], "criteria": ["Other"]})
    assert_problem(again, 409)


def _all_pages(api: Api, params: dict[str, str]) -> list[str]:
    handles: list[str] = []
    cursor: str | None = None
    for _ in range(1000):
        page = api.get("/v1/models", params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["data"]) <= int(params.get("limit", "20"))
        handles.extend(model["handle"] for model in body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return handles
    raise AssertionError("pagination did not end")


def test_list_is_newest_first_paginates_exactly_once_and_hides_archived(
    api: Api, stack: LocalStack
) -> None:
    created = [api.create_model(stack.namespace)["handle"] for _ in range(3)]

    everything = api.get("/v1/models", params={"limit": "100"}).json()["data"]
    listed = [model["handle"] for model in everything]
    assert all(model["state"] != "archived" for model in everything)
    # Newest first: the three just created lead the listing, in reverse creation order.
    assert listed[:3] == created[::-1]
    stamps = [model["created_at"] for model in everything]
    assert stamps == sorted(stamps, reverse=True)

    one_by_one = _all_pages(api, {"limit": "1"})
    assert one_by_one == listed  # every model exactly once, same order

    archived_handle = created[0]
    assert api.delete(f"/v1/models/{archived_handle}").status_code == 200
    assert archived_handle not in _all_pages(api, {"limit": "2"})
    archived = _all_pages(api, {"limit": "1", "state": "archived"})
    assert archived_handle in archived
    assert len(archived) == len(set(archived))
    for handle in archived:
        assert api.get(f"/v1/models/{handle}").json()["state"] == "archived"


def test_idempotent_create_replays_and_refuses_a_different_body(
    api: Api, stack: LocalStack
) -> None:
    key = {"Idempotency-Key": f"e2e-{uuid.uuid4()}"}
    body = {"handle": new_handle(stack.namespace), "criteria": ["Clarity"]}

    first = api.post("/v1/models", body, headers=key)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers

    replay = api.post("/v1/models", body, headers=key)
    assert replay.status_code == 201, replay.text
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert replay.headers["ETag"] == first.headers["ETag"]
    assert replay.headers["Location"] == first.headers["Location"]

    different = api.post("/v1/models", {**body, "criteria": ["Flow"]}, headers=key)
    assert_problem(different, 422)
    assert api.get(f"/v1/models/{body['handle']}").json()["criteria"] == ["Clarity"]
