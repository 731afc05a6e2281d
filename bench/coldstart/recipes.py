"""The request each route is measured with: API Gateway proxy events built from ``RECIPES``.

Each recipe is the common, successful request of its route (keyed by the route of the registry,
``u22a8.api.routes``); a route without one is reported as not measured.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bench.coldstart.seeds import (
    CRITERIA,
    NAMESPACE,
    Seeds,
    seed_model,
    seed_run,
    seed_samples,
    seed_tag,
)
from local import resources, template
from local.gateway import API_ID
from u22a8.api import routes
from u22a8.api.routes import Route
from u22a8.effort import EFFORTS


def method_arn(method: str, path: str) -> str:
    stage = template.parameter_default("StageName")
    account = f"{resources.REGION}:{resources.ACCOUNT_ID}"
    return f"arn:aws:execute-api:{account}:{API_ID}/{stage}/{method}{path}"


def proxy_event(
    route: Route,
    seeds: Seeds,
    path_parameters: Mapping[str, str] | None = None,
    body: Any = None,
    extra_headers: Mapping[str, str] | None = None,
    namespace: str = NAMESPACE,
) -> dict[str, Any]:
    """A REST (v1) Lambda proxy event as API Gateway sends it after the authorizer allowed it
    (for the caller's ``namespace``)."""
    path_parameters = dict(path_parameters or {})
    path = route.path
    for name, value in path_parameters.items():
        path = path.replace(f"{{{name}}}", value)
    if "{" in path:
        raise ValueError(f"{route.method} {route.path}: path parameters left unfilled in {path}")
    stage = str(template.parameter_default("StageName"))
    headers = {
        "Accept": "application/json",
        "Authorization": f"Bearer {seeds.key}",
        "Host": f"{API_ID}.execute-api.{resources.REGION}.amazonaws.com",
        "User-Agent": "u22a8-bench",
        "X-Forwarded-Proto": "https",
        **({"Content-Type": "application/json"} if body is not None else {}),
        **(extra_headers or {}),
    }
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": route.method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": route.method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "accountId": resources.ACCOUNT_ID,
            "apiId": API_ID,
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {
                "principalId": seeds.key_id,
                "integrationLatency": 0,
                "namespace": namespace,
                "key_id": seeds.key_id,
            },
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


# Request recipes: the common, successful request of each route. ``tag`` names the run ("warm",
# "r0", ...) so that requests needing fresh state (a new handle, a live model to archive, a sample
# to delete) get their own, seeded by the recipe before the child starts.


def _create_model(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"handle": f"{NAMESPACE}.create-{tag}", "criteria": list(CRITERIA)}
    return proxy_event(route, seeds, body=body)


def _create_model_idempotent(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"handle": f"{NAMESPACE}.idem-{tag}", "criteria": list(CRITERIA)}
    key = {"Idempotency-Key": f"bench-{tag}-{uuid.uuid4().hex}"}
    return proxy_event(route, seeds, body=body, extra_headers=key)


def _list_models(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds)


def _get_model(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.read_handle})


def _patch_model(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"description": f"patched in run {tag}"}  # non-empty: one conditional UpdateItem
    return proxy_event(route, seeds, {"handle": seeds.patch_handle}, body)


def _archive_model(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    handle = f"{NAMESPACE}.archive-{tag}"
    seed_model(handle)  # archiving a live model is the common case
    return proxy_event(route, seeds, {"handle": handle})


def _add_samples(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"samples": [{"text": f"sample of run {tag}", "scores": {CRITERIA[0]: 0.8}}]}
    return proxy_event(route, seeds, {"handle": seeds.samples_handle}, body)


def _list_samples(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.samples_handle})


def _score(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"texts": [f"A clear and plain text of run {tag}.", "Leverage the paradigm."]}
    return proxy_event(route, seeds, {"handle": seeds.score_handle}, body)


def _score_from_s3(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"texts": [f"A clear and plain text of run {tag}.", "Leverage the paradigm."]}
    return proxy_event(route, seeds, {"handle": seeds.large_score_handle}, body)


def _delete_sample(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    (sample_id,) = seed_samples(seeds.samples_handle, 1)
    return proxy_event(route, seeds, {"handle": seeds.samples_handle, "sample_id": sample_id})


def _list_versions(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.versions_handle})


def _get_version(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.versions_handle, "n": "1"})


def _put_tag(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    path = {"handle": seeds.versions_handle, "tag": f"put-{tag}"}  # a new tag each run
    return proxy_event(route, seeds, path, {"version": 1})


def _delete_tag(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    name = f"delete-{tag}"
    seed_tag(seeds.versions_handle, name)  # removing an existing tag is the common case
    return proxy_event(route, seeds, {"handle": seeds.versions_handle, "tag": name})


def _train(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    handle = f"{NAMESPACE}.train-{tag}"
    seed_model(handle)  # a draft model: the claim succeeds and one execution starts
    return proxy_event(route, seeds, {"handle": handle}, {"effort": EFFORTS[0]})  # the cheapest


def _list_runs(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.runs_handle})


def _get_run(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.runs_handle, "run_id": seeds.run_id})


def _cancel_run(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    handle = f"{NAMESPACE}.cancel-{tag}"
    seed_model(handle)  # a cancelled run cannot be cancelled again: a running one per run
    return proxy_event(route, seeds, {"handle": handle, "run_id": seed_run(handle)})


WEBHOOK_URL = "https://93.184.215.14/hooks"  # a public address: no DNS lookup to time


def _hooks_namespace() -> str:
    """A namespace of its own for each webhook request: a namespace holds at most 20 endpoints
    (``webhooks_service``), fewer than the endpoints the rounds of the webhook routes create."""
    return f"{NAMESPACE}-hooks-{uuid.uuid4().hex[:12]}"


def _seed_webhook() -> tuple[str, str]:
    """``(namespace, endpoint id)``: an endpoint in a namespace of its own."""
    from u22a8.domain import webhooks_service

    namespace = _hooks_namespace()
    created = webhooks_service.create_webhook(namespace, WEBHOOK_URL, ("*",), None)
    return namespace, created.webhook.webhook_id


def _create_webhook(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"url": WEBHOOK_URL, "events": ["run.succeeded"]}
    return proxy_event(route, seeds, body=body, namespace=_hooks_namespace())


def _list_webhooks(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    namespace, _ = _seed_webhook()
    return proxy_event(route, seeds, namespace=namespace)


def _webhook(route: Route, seeds: Seeds, tag: str, body: Any = None) -> dict[str, Any]:
    """A request on a fresh endpoint (get, delete, rotate-secret, ping, deliveries)."""
    namespace, webhook_id = _seed_webhook()
    return proxy_event(route, seeds, {"id": webhook_id}, body, namespace=namespace)


def _patch_webhook(route: Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return _webhook(route, seeds, tag, {"description": f"run {tag}"})


@dataclass(frozen=True)
class Recipe:
    make: Callable[[Route, Seeds, str], dict[str, Any]]
    status: int
    calls: dict[str, int] | None = None  # the target for this request, if it sets one
    variant: str = ""  # set when a route is measured more than once
    # False for a variant that shows a data-dependent path (reported, not held to the 1.6 target)
    judged: bool = True


RECIPES: dict[Route, tuple[Recipe, ...]] = {
    routes.CREATE_MODEL: (
        Recipe(_create_model, 201, {"dynamodb.PutItem": 1}),
        # A separate row: this path loads Powertools idempotency and writes its record.
        Recipe(_create_model_idempotent, 201, variant="Idempotency-Key"),
    ),
    routes.LIST_MODELS: (Recipe(_list_models, 200),),
    routes.GET_MODEL: (Recipe(_get_model, 200, {"dynamodb.GetItem": 1}),),
    routes.PATCH_MODEL: (Recipe(_patch_model, 200, {"dynamodb.UpdateItem": 1}),),
    routes.ARCHIVE_MODEL: (Recipe(_archive_model, 200),),
    routes.ADD_SAMPLES: (Recipe(_add_samples, 201),),
    routes.LIST_SAMPLES: (Recipe(_list_samples, 200),),
    routes.DELETE_SAMPLE: (Recipe(_delete_sample, 204),),
    # The first request of a container loads the active version: the model item and the artifact.
    routes.SCORE_TEXTS: (
        Recipe(_score, 200, {"dynamodb.GetItem": 1, "dynamodb.Query": 1}),
        Recipe(
            _score_from_s3,
            200,
            {"dynamodb.GetItem": 1, "dynamodb.Query": 1, "s3.GetObject": 1},
            variant="artifact too large for the table",
            judged=False,
        ),
    ),
    routes.LIST_VERSIONS: (Recipe(_list_versions, 200),),
    routes.GET_VERSION: (Recipe(_get_version, 200),),
    routes.PUT_TAG: (Recipe(_put_tag, 200),),
    routes.DELETE_TAG: (Recipe(_delete_tag, 200),),
    routes.TRAIN_MODEL: (Recipe(_train, 202),),
    routes.LIST_RUNS: (Recipe(_list_runs, 200),),
    routes.GET_RUN: (Recipe(_get_run, 200),),
    routes.CANCEL_RUN: (Recipe(_cancel_run, 200),),
    routes.CREATE_WEBHOOK: (
        Recipe(_create_webhook, 201, {"kms.Encrypt": 1, "dynamodb.TransactWriteItems": 1}),
    ),
    routes.LIST_WEBHOOKS: (Recipe(_list_webhooks, 200),),
    routes.GET_WEBHOOK: (Recipe(_webhook, 200, {"dynamodb.GetItem": 1}),),
    routes.PATCH_WEBHOOK: (Recipe(_patch_webhook, 200, {"dynamodb.UpdateItem": 1}),),
    routes.DELETE_WEBHOOK: (Recipe(_webhook, 204),),
    routes.ROTATE_WEBHOOK_SECRET: (Recipe(_webhook, 200),),
    routes.PING_WEBHOOK: (Recipe(_webhook, 202),),
    routes.LIST_WEBHOOK_DELIVERIES: (Recipe(_webhook, 200),),
}
AUTHORIZER_CALLS = {"dynamodb.GetItem": 1}
