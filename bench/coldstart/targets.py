"""What the benchmark measures: one target per function of the template (per route of the
registry, ``u22a8.api.routes``, and variant), each with its event factory and the targets it is
held to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.coldstart.recipes import AUTHORIZER_CALLS, RECIPES, Recipe, method_arn
from bench.coldstart.seeds import Seeds
from local import template
from u22a8.api import routes
from u22a8.api.routes import Route

EventFactory = Callable[[str], dict[str, Any]]  # run tag -> event (seeding what it needs)


@dataclass(frozen=True)
class Target:
    label: str
    route: str
    spec: template.FunctionSpec | None  # None: the floor
    make_event: EventFactory | None
    expected_status: int | str | None
    expected_calls: dict[str, int] | None  # None: reported, no target
    environment: dict[str, str]
    judged: bool = True  # held to the ratio target


def _recipe_event(recipe: Recipe, route: Route, seeds: Seeds) -> EventFactory:
    def make(tag: str) -> dict[str, Any]:
        return recipe.make(route, seeds, tag)

    return make


def _constant_event(event: dict[str, Any]) -> EventFactory:
    def make(_tag: str) -> dict[str, Any]:
        return dict(event)

    return make


def discover_targets(seeds: Seeds, names: dict[str, str]) -> tuple[list[Target], list[str]]:
    """Targets for every function of the template (its routes in the registry, or the
    authorizer's TOKEN event), and the routes that could not be measured because no request
    recipe exists for them."""
    authorizer = template.authorizer()
    targets: list[Target] = []
    unmeasured: list[str] = []
    for logical_id, spec in template.functions().items():
        env = template.environment_for(spec, names)
        if logical_id == authorizer.function:
            token = {
                "type": "TOKEN",
                "authorizationToken": f"Bearer {seeds.key}",
                "methodArn": method_arn(routes.LIST_MODELS.method, routes.LIST_MODELS.path),
            }
            kind = f"TOKEN authorizer ({authorizer.header})"
            targets.append(
                Target(
                    logical_id, kind, spec, _constant_event(token), "Allow", AUTHORIZER_CALLS, env
                )
            )
            continue
        served = routes.of_function(logical_id)
        if not served:
            unmeasured.append(f"{logical_id}: no API route and not the authorizer")
        for route in served:
            recipes = RECIPES.get(route)
            if not recipes:
                unmeasured.append(
                    f"{logical_id} ({route.method} {route.path}): no request recipe; add one to "
                    "RECIPES in bench/coldstart/recipes.py"
                )
                continue
            for recipe in recipes:
                label = f"{logical_id} ({recipe.variant})" if recipe.variant else logical_id
                targets.append(
                    Target(
                        label,
                        f"{route.method} {route.path}",
                        spec,
                        _recipe_event(recipe, route, seeds),
                        recipe.status,
                        recipe.calls,
                        env,
                        recipe.judged,
                    )
                )
    return targets, unmeasured
