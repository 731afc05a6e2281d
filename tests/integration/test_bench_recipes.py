"""The cold-start benchmark's webhook requests (``bench/coldstart/recipes.py``) can be made for
more rounds than a namespace may hold endpoints: sharing one namespace, ``make bench`` failed
every webhook route from its third round on (20 endpoints at most)."""

from __future__ import annotations

from bench.coldstart.recipes import RECIPES
from bench.coldstart.seeds import Seeds
from u22a8.domain import webhooks_service

WEBHOOK_ROUTES = tuple(route for route in RECIPES if route.path.startswith("/v1/webhooks"))
ROUNDS = 1 + webhooks_service.MAX_ENDPOINTS  # more than one namespace holds


def test_every_webhook_request_of_every_round_has_a_namespace_of_its_own(
    webhooks: dict[str, str],
) -> None:
    seeds = Seeds(key="u22a8_unused", key_id="key_bench")
    namespaces = [
        recipe.make(route, seeds, f"r{round_}")["requestContext"]["authorizer"]["namespace"]
        for round_ in range(ROUNDS)
        for route in WEBHOOK_ROUTES
        for recipe in RECIPES[route]
    ]
    assert len(WEBHOOK_ROUTES) == 8
    assert len(set(namespaces)) == len(namespaces) == ROUNDS * len(WEBHOOK_ROUTES)
