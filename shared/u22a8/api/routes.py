"""Every API route, declared once: method, API Gateway path, operationId and Lambda function.

Everything else reads this registry instead of repeating it: each handler registers its resolver
route with :func:`register`; ``u22a8.api.operations`` documents each route for the OpenAPI
document (summary, parameters, bodies, responses, problems); ``tests/unit/test_routes.py`` holds
``template.yaml``'s API events (method, path, function) and every handler's resolver to it; the
cold-start bench (``bench/coldstart``) measures each route with its recipe.

Every handler imports this module, so it imports nothing beyond the standard library (the
resolver type only for type checking): a handler's cold start must not pay for the OpenAPI
document's schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from u22a8.api.powertools_rest import APIGatewayRestResolver

HttpMethod = Literal["GET", "PUT", "POST", "DELETE", "PATCH"]


@dataclass(frozen=True, slots=True)
class Route:
    """One route: ``path`` as API Gateway writes it (``/v1/models/{handle}``); ``function`` is the
    logical id of the template's function that serves it."""

    method: HttpMethod
    path: str
    operation_id: str
    function: str

    @property
    def rule(self) -> str:
        """The path as a Powertools resolver rule: ``/v1/models/<handle>``."""
        return self.path.replace("{", "<").replace("}", ">")


_ROUTES: list[Route] = []


def _route(method: HttpMethod, path: str, operation_id: str, function: str) -> Route:
    """Declare a route: it joins ``ROUTES`` in declaration order."""
    route = Route(method, path, operation_id, function)
    _ROUTES.append(route)
    return route


# --- models -------------------------------------------------------------------------------------
CREATE_MODEL = _route("POST", "/v1/models", "createModel", "CreateModelFunction")
LIST_MODELS = _route("GET", "/v1/models", "listModels", "ListModelsFunction")
GET_MODEL = _route("GET", "/v1/models/{handle}", "getModel", "GetModelFunction")
PATCH_MODEL = _route("PATCH", "/v1/models/{handle}", "patchModel", "PatchModelFunction")
ARCHIVE_MODEL = _route("DELETE", "/v1/models/{handle}", "archiveModel", "ArchiveModelFunction")
# --- samples ------------------------------------------------------------------------------------
ADD_SAMPLES = _route("POST", "/v1/models/{handle}/samples", "addSamples", "AddSamplesFunction")
LIST_SAMPLES = _route("GET", "/v1/models/{handle}/samples", "listSamples", "ListSamplesFunction")
DELETE_SAMPLE = _route(
    "DELETE", "/v1/models/{handle}/samples/{sample_id}", "deleteSample", "DeleteSampleFunction"
)
# --- versions and tags --------------------------------------------------------------------------
LIST_VERSIONS = _route(
    "GET", "/v1/models/{handle}/versions", "listVersions", "ListVersionsFunction"
)
GET_VERSION = _route("GET", "/v1/models/{handle}/versions/{n}", "getVersion", "GetVersionFunction")
PUT_TAG = _route("PUT", "/v1/models/{handle}/tags/{tag}", "putTag", "PutTagFunction")
DELETE_TAG = _route("DELETE", "/v1/models/{handle}/tags/{tag}", "deleteTag", "DeleteTagFunction")
# --- training -----------------------------------------------------------------------------------
TRAIN_MODEL = _route("POST", "/v1/models/{handle}/train", "trainModel", "TrainModelFunction")
LIST_RUNS = _route("GET", "/v1/models/{handle}/runs", "listRuns", "ListRunsFunction")
GET_RUN = _route("GET", "/v1/models/{handle}/runs/{run_id}", "getRun", "GetRunFunction")
CANCEL_RUN = _route(
    "POST", "/v1/models/{handle}/runs/{run_id}/cancel", "cancelRun", "CancelRunFunction"
)
# --- scoring ------------------------------------------------------------------------------------
SCORE_TEXTS = _route("POST", "/v1/models/{handle}/score", "scoreTexts", "ScoreFunction")
# --- webhooks -----------------------------------------------------------------------------------
CREATE_WEBHOOK = _route("POST", "/v1/webhooks", "createWebhook", "CreateWebhookFunction")
LIST_WEBHOOKS = _route("GET", "/v1/webhooks", "listWebhooks", "ListWebhooksFunction")
GET_WEBHOOK = _route("GET", "/v1/webhooks/{id}", "getWebhook", "GetWebhookFunction")
PATCH_WEBHOOK = _route("PATCH", "/v1/webhooks/{id}", "patchWebhook", "PatchWebhookFunction")
DELETE_WEBHOOK = _route("DELETE", "/v1/webhooks/{id}", "deleteWebhook", "DeleteWebhookFunction")
ROTATE_WEBHOOK_SECRET = _route(
    "POST",
    "/v1/webhooks/{id}/rotate-secret",
    "rotateWebhookSecret",
    "RotateWebhookSecretFunction",
)
PING_WEBHOOK = _route("POST", "/v1/webhooks/{id}/ping", "pingWebhook", "PingWebhookFunction")
LIST_WEBHOOK_DELIVERIES = _route(
    "GET",
    "/v1/webhooks/{id}/deliveries",
    "listWebhookDeliveries",
    "ListWebhookDeliveriesFunction",
)

ROUTES: tuple[Route, ...] = tuple(_ROUTES)


def of_function(logical_id: str) -> tuple[Route, ...]:
    """The routes the template's function ``logical_id`` serves (none for a non-API function)."""
    return tuple(route for route in ROUTES if route.function == logical_id)


def register[HandlerT: Callable[..., object]](
    app: APIGatewayRestResolver, route: Route
) -> Callable[[HandlerT], HandlerT]:
    """Decorator: the decorated function answers ``route`` on ``app``; its keyword arguments are
    the route's path parameters (``handle``, ``id``, ...)."""
    return app.route(route.rule, route.method)
