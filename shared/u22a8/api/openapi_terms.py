"""The terms the OpenAPI document is written in: operations, parameters, bodies, replies, links.

``u22a8.api.operations`` (the models' routes) and ``u22a8.api.webhook_operations`` (the webhooks')
both describe their routes in these terms, and the generator (``u22a8.api.openapi``) reads them;
keeping them here lets the two lists build on one vocabulary without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from u22a8.api.bodies import RequestBody
from u22a8.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from u22a8.api.routes import HttpMethod, Route
from u22a8.entities import errors

JsonObject = Mapping[str, Any]

JSON = "application/json"
MERGE_PATCH_JSON = "application/merge-patch+json"


@dataclass(frozen=True)
class Parameter:
    """A path, query or header parameter; ``component`` names it under components.parameters."""

    component: str
    name: str
    location: Literal["path", "query", "header"]
    description: str
    schema: JsonObject
    required: bool = False
    example: str | int | None = None


@dataclass(frozen=True)
class Header:
    """A response header; ``component`` names it under components.headers."""

    component: str
    name: str
    description: str
    schema: JsonObject


@dataclass(frozen=True)
class Body:
    """A JSON request body validated by ``request`` (strict, unknown fields rejected)."""

    request: RequestBody[Any]
    description: str
    content_types: tuple[str, ...] = (JSON,)
    example: JsonObject | None = None
    required: bool = True


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: a request a client can send next, with values taken from this exchange.

    ``parameters`` maps a parameter of the ``operation_id`` operation to a runtime expression:
    ``$response.body#/<JSON pointer>`` (a field of the response schema), ``$response.header.<name>``
    (a header the response declares) or ``$request.path.<name>`` (a path parameter of this
    operation). Schemathesis' stateful tests follow links; the generator refuses a link to an
    unknown operation or parameter, and a unit test checks every expression against the schemas.
    """

    name: str
    operation_id: str
    description: str
    parameters: Mapping[str, str]


@dataclass(frozen=True)
class Reply:
    """A success response: its body model (``None`` for no body), its headers and its links."""

    description: str
    model: type[BaseModel] | None = None
    headers: tuple[Header, ...] = ()
    example: JsonObject | None = None
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Operation:
    """What one route of ``u22a8.api.routes`` documents (its method, path and operationId come
    from there).

    ``errors`` are the domain errors the handler can raise; the gateway's own answers (401, 429,
    500) and :class:`~u22a8.entities.errors.ServiceBusy` (503) are added to every operation.
    """

    route: Route
    summary: str
    description: str
    tags: tuple[str, ...]
    responses: Mapping[int, Reply]
    errors: tuple[type[errors.DomainError], ...] = ()
    body: Body | None = None
    parameters: tuple[Parameter, ...] = ()
    authenticated: bool = True

    @property
    def method(self) -> HttpMethod:
        return self.route.method

    @property
    def path(self) -> str:
        return self.route.path

    @property
    def operation_id(self) -> str:
        return self.route.operation_id


# --- parameters and headers more than one list uses -------------------------------------------

LIMIT = Parameter(
    component="Limit",
    name="limit",
    location="query",
    description=f"Page size, 1 to {MAX_LIMIT}.",
    schema={"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
)
CURSOR = Parameter(
    component="Cursor",
    name="cursor",
    location="query",
    description="The `next_cursor` of the previous page; opaque, valid only for the same listing.",
    schema={"type": "string"},
)

LOCATION = Header(
    component="Location",
    name="Location",
    description="Path of the created resource.",
    schema={"type": "string", "examples": ["/v1/models/acme.support-tone"]},
)
