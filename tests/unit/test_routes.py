"""The route registry (``u22a8.api.routes``) is the one declaration of every route: the template's
API events, each handler's resolver and the OpenAPI operations must all say what it says."""

from __future__ import annotations

import dataclasses
import importlib
from collections import Counter

import pytest

from local import template
from u22a8.api import routes
from u22a8.api.operations import OPERATIONS
from u22a8.api.powertools_rest import APIGatewayRestResolver

FUNCTIONS = template.functions()


def _resolver_routes(app: APIGatewayRestResolver) -> set[tuple[str, str]]:
    """(method, API Gateway path) of every route the resolver answers, by its own account."""
    paths = app.get_openapi_schema().paths or {}
    return {
        (method.upper(), path)
        for path, item in paths.items()
        for method in item.model_dump(exclude_none=True)
    }


def test_each_route_is_declared_once() -> None:
    for key in ("method and path", "operationId"):
        counts = Counter(
            (r.method, r.path) if key == "method and path" else r.operation_id
            for r in routes.ROUTES
        )
        assert [k for k, n in counts.items() if n > 1] == [], f"a {key} is declared twice"


def test_template_api_events_are_exactly_the_registry() -> None:
    deployed = Counter((r.method, r.path, r.function) for r in template.routes())
    declared = Counter((str(r.method), r.path, r.function) for r in routes.ROUTES)
    assert deployed == declared, (
        "template.yaml's API events and u22a8.api.routes differ: "
        f"not in the registry {sorted(deployed - declared)}, "
        f"not in the template {sorted(declared - deployed)}"
    )


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_handler_answers_exactly_its_functions_routes(logical_id: str) -> None:
    module = importlib.import_module(FUNCTIONS[logical_id].module)
    app = getattr(module, "app", None)
    declared = {(r.method, r.path) for r in routes.of_function(logical_id)}
    if not isinstance(app, APIGatewayRestResolver):
        assert declared == set(), f"{logical_id} serves routes but has no resolver"
        return
    assert declared, f"{logical_id} has a resolver but no route in u22a8.api.routes"
    assert _resolver_routes(app) == declared


def test_every_route_is_documented_exactly_once() -> None:
    documented = Counter(op.route for op in OPERATIONS)
    assert documented == Counter(routes.ROUTES), (
        "u22a8.api.operations.OPERATIONS must document each route of u22a8.api.routes once"
    )


def test_an_operation_takes_method_path_and_id_from_its_route() -> None:
    op = next(op for op in OPERATIONS if op.route is routes.GET_RUN)
    assert (op.method, op.path, op.operation_id) == (
        "GET",
        "/v1/models/{handle}/runs/{run_id}",
        "getRun",
    )


def test_resolver_rules_name_the_path_parameters() -> None:
    assert routes.CANCEL_RUN.rule == "/v1/models/<handle>/runs/<run_id>/cancel"
    assert routes.LIST_MODELS.rule == "/v1/models"
    moved = dataclasses.replace(routes.GET_WEBHOOK, path="/v1/hooks/{hook}/x")
    assert moved.rule == "/v1/hooks/<hook>/x"


def test_a_route_registered_from_the_registry_is_answered() -> None:
    app = APIGatewayRestResolver()
    route = dataclasses.replace(routes.GET_RUN, function="TestFunction")

    @routes.register(app, route)
    def get_run(handle: str, run_id: str) -> dict[str, str]:
        return {"handle": handle, "run_id": run_id}

    event = {
        "httpMethod": "GET",
        "path": "/v1/models/acme.tone/runs/run_1",
        "resource": route.path,
        "headers": {},
        "requestContext": {"requestId": "r"},
    }
    answer = app.resolve(event, None)  # type: ignore[arg-type]
    assert answer["statusCode"] == 200
    assert answer["body"] == '{"handle":"acme.tone","run_id":"run_1"}'
    assert get_run("a", "b") == {"handle": "a", "run_id": "b"}
