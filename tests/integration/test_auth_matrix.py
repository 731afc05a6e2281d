"""The authorization matrix: every route of ``template.yaml`` against every way of not being
allowed to use it.

One tenant (``globex``) owns a model with samples, a version, a tag and a running run. For each
route, with the real identifiers of globex's resources in the path:

* no key, a revoked key (of globex itself) and an unknown key are ``401`` Bearer problems and
  change nothing;
* a key of another namespace (``acme``) is ``404`` exactly like a missing model (``422`` when it
  tries to create a model in globex's namespace, ``200`` with nothing of globex's when it lists),
  and nothing of globex's appears in the answer: no other handle, no field of the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from local import template
from local.gateway import Gateway
from tests.helpers import GatewayClient, Reply
from tests.integration.versions_support import activate, model_item, seed_version
from u22a8.domain.keys_service import authenticate, issue_key, revoke_key

OWNER = "globex"
HANDLE = f"{OWNER}.secret-model"
SIBLING = f"{OWNER}.sibling-model"
DESCRIPTION = "classified-description-7f3a"
SAMPLE_TEXT = "classified sample text 9c1e"
TAG = "prod"
PROBLEMS = "https://u22a8.ai/problems/"
WEBHOOK_URL = "https://93.184.215.14/classified-hook-4b2d"


@dataclass(frozen=True)
class Tenant:
    """What globex owns, by identifier."""

    sample_id: str
    run_id: str
    version: int
    version_id: str
    webhook_id: str = ""

    def secrets(self) -> list[str]:
        """Strings that must never reach another tenant (the requested ids aside)."""
        return [SIBLING, DESCRIPTION, SAMPLE_TEXT, self.version_id, "Clarity", WEBHOOK_URL]


def _ok(reply: Reply, status: int) -> Any:
    assert reply.status == status, reply.body
    return reply.json()


@pytest.fixture
def tenant(gateway: Gateway, other_key: str, webhooks: dict[str, str]) -> Tenant:
    owner = GatewayClient(gateway, other_key)
    _ok(
        owner.post(
            "/v1/models",
            {"handle": HANDLE, "criteria": ["Clarity"], "description": DESCRIPTION},
        ),
        201,
    )
    _ok(owner.post("/v1/models", {"handle": SIBLING, "criteria": ["Clarity"]}), 201)
    samples = _ok(
        owner.post(
            f"/v1/models/{HANDLE}/samples",
            {"samples": [{"text": SAMPLE_TEXT, "scores": {"Clarity": 0.5}}]},
        ),
        201,
    )
    version = seed_version(HANDLE, 1)
    activate(HANDLE, version)
    _ok(owner.request("PUT", f"/v1/models/{HANDLE}/tags/{TAG}", {"version": 1}), 200)
    trained = _ok(owner.post(f"/v1/models/{HANDLE}/train", {"reoptimize_params": True}), 202)
    webhook = _ok(owner.post("/v1/webhooks", {"url": WEBHOOK_URL, "events": ["*"]}), 201)
    return Tenant(
        sample_id=samples["sample_ids"][0],
        run_id=trained["run_id"],
        version=1,
        version_id=version.version_id,
        webhook_id=webhook["id"],
    )


def _request(route: template.Route, tenant: Tenant) -> tuple[str, str, Any]:
    """A well-formed request for ``route`` aimed at globex's resources."""
    path = route.path.format(
        handle=HANDLE,
        sample_id=tenant.sample_id,
        n=tenant.version,
        tag=TAG,
        run_id=tenant.run_id,
        id=tenant.webhook_id,
    )
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/v1/models"): {"handle": f"{OWNER}.intruder", "criteria": ["Clarity"]},
        ("PATCH", "/v1/models/{handle}"): {"description": "overwritten"},
        ("POST", "/v1/models/{handle}/samples"): {
            "samples": [{"text": "planted", "scores": {"Clarity": 1.0}}]
        },
        ("PUT", "/v1/models/{handle}/tags/{tag}"): {"version": tenant.version},
        ("POST", "/v1/models/{handle}/score"): {"texts": ["probe"]},
        ("POST", "/v1/models/{handle}/train"): {"effort": "max", "reoptimize_params": True},
        ("POST", "/v1/webhooks"): {"url": "https://93.184.215.15/intruder", "events": ["*"]},
        ("PATCH", "/v1/webhooks/{id}"): {"url": "https://93.184.215.15/hijacked"},
    }
    return route.method, path, bodies.get((route.method, route.path))


ROUTES = template.routes()
ROUTE_IDS = [f"{route.method} {route.path}" for route in ROUTES]


def _state(gateway: Gateway, owner_key: str) -> list[Any]:
    """Everything the owner can see of its models, for before/after comparisons."""
    owner = GatewayClient(gateway, owner_key)
    seen: list[Any] = [model_item(HANDLE), model_item(SIBLING)]
    for path in ("samples", "versions", "runs"):
        seen.append(_ok(owner.get(f"/v1/models/{HANDLE}/{path}"), 200))
    seen.append(_ok(owner.get("/v1/models"), 200))
    seen.append(_ok(owner.get("/v1/webhooks"), 200))
    return seen


def _assert_401(reply: Reply) -> None:
    assert reply.status == 401, reply.body
    assert reply.header("WWW-Authenticate") == "Bearer"
    assert reply.header("Content-Type") == "application/problem+json"
    body = reply.json()
    assert body["type"] == PROBLEMS + "unauthorized"
    assert body["status"] == 401


def _revoked_key(gateway: Gateway) -> str:
    """A globex key that worked (and was cached by the gateway), then was revoked."""
    key = issue_key(OWNER, "to be revoked").key
    assert GatewayClient(gateway, key).get("/v1/models").status == 200
    record = authenticate(f"Bearer {key}")
    assert record is not None
    assert revoke_key(record.key_id) is not None
    gateway.flush_authorizer_cache()
    return key


@pytest.mark.parametrize("who", ["no key", "revoked key", "unknown key"])
def test_without_a_valid_key_every_route_is_401_and_changes_nothing(
    gateway: Gateway, other_key: str, tenant: Tenant, who: str
) -> None:
    key = {
        "no key": None,
        "revoked key": _revoked_key(gateway) if who == "revoked key" else None,
        "unknown key": "u22a8_" + "x" * 43,
    }[who]
    before = _state(gateway, other_key)
    client = GatewayClient(gateway, key)
    for route in ROUTES:
        method, path, body = _request(route, tenant)
        reply = client.request(method, path, body)
        _assert_401(reply)
        for secret in [*tenant.secrets(), HANDLE, tenant.run_id, tenant.sample_id]:
            assert secret not in reply.body.decode(), (method, path, reply.body)
    assert _state(gateway, other_key) == before


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_another_namespaces_key_finds_nothing_and_changes_nothing(
    gateway: Gateway, acme_key: str, other_key: str, tenant: Tenant, route: template.Route
) -> None:
    before = _state(gateway, other_key)
    method, path, body = _request(route, tenant)
    reply = GatewayClient(gateway, acme_key).request(method, path, body)
    text = reply.body.decode()
    if (method, route.path) in (("GET", "/v1/models"), ("GET", "/v1/webhooks")):
        assert reply.status == 200, text
        assert reply.json() == {"data": [], "next_cursor": None}
    elif (method, route.path) == ("POST", "/v1/webhooks"):
        assert reply.status == 201, text  # an endpoint of the caller's own namespace
    else:
        expected = 422 if (method, route.path) == ("POST", "/v1/models") else 404
        assert reply.status == expected, text
        assert reply.header("Content-Type") == "application/problem+json"
        problem = reply.json()
        assert problem["status"] == expected
        assert problem["type"].startswith(PROBLEMS)
        assert set(problem) <= {"type", "title", "status", "detail", "errors", "request_id"}
        if expected == 404:
            missing = "webhook" if route.path.startswith("/v1/webhooks") else "model"
            assert problem["type"] == PROBLEMS + f"{missing}-not-found", problem
    for secret in tenant.secrets():
        assert secret not in text, (method, path, text)
    assert _state(gateway, other_key) == before


def test_a_missing_model_and_another_tenants_model_answer_alike(
    gateway: Gateway, acme_key: str, tenant: Tenant
) -> None:
    """Nobody learns what other tenants have: the two 404s differ in nothing but ids."""
    client = GatewayClient(gateway, acme_key)
    for route in ROUTES:
        if "{handle}" not in route.path:
            continue
        method, path, body = _request(route, tenant)
        theirs = client.request(method, path, body)
        missing_path = path.replace(HANDLE, f"{OWNER}.no-such-model")
        missing = client.request(method, missing_path, body)
        assert theirs.status == missing.status == 404, (path, theirs.body, missing.body)
        first, second = theirs.json(), missing.json()
        for body_ in (first, second):
            body_.pop("request_id")
        second["detail"] = second["detail"].replace(f"{OWNER}.no-such-model", HANDLE)
        assert first == second, (path, first, second)
