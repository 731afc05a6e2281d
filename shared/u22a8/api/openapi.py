"""Generates the OpenAPI 3.1 document from the operation registry and the pydantic schemas.

``python -m u22a8.api.openapi > docs/openapi.json`` writes the committed document and
``make openapi-check`` fails when it differs from what the code generates, so the document cannot
drift from the handlers. The output is deterministic: everything is built from ordered data (no set
iteration), maps whose order carries no meaning are sorted, and the bytes are UTF-8 whatever the
locale.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterable, Sequence
from importlib.metadata import version
from typing import Any, Literal

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode
from pydantic_core import CoreSchema

from u22a8.api import problems
from u22a8.api.openapi_terms import Header, Link, Operation, Parameter
from u22a8.api.operations import (
    COMMON_ERRORS,
    COMMON_STATUSES,
    ERROR_RESPONSES,
    OPERATIONS,
    PROBLEM_TYPES,
    TAGS,
    ErrorResponse,
)
from u22a8.api.views import Problem
from u22a8.entities import errors

OPENAPI_VERSION = "3.1.0"
TITLE = "u22a8 models API"
PACKAGE = "u22a8"
SECURITY_SCHEME = "bearer"
LOCAL_SERVER_URL = "http://127.0.0.1:3000"
AWS_SERVER_URL = "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"
DEFAULT_STAGE = "prod"  # template.yaml's StageName default (a test keeps them equal)

SCHEMA_REF = "#/components/schemas/{model}"
# Path Item keys in the order the OpenAPI specification lists them.
_METHOD_ORDER = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

DESCRIPTION = f"""\
Text-scoring models: each model scores texts against its criteria.

- **Auth**: every request sends `Authorization: Bearer <key>`. A key belongs to one namespace; a \
model of another namespace answers exactly like one that does not exist (404).
- **Errors** are RFC 9457 `application/problem+json` documents whose `type` is \
`{problems.PROBLEM_BASE_URI}<code>`; each error response below lists the codes it can carry. \
Validation errors name every bad field in `errors`.
- **Concurrency**: every model response carries an `ETag`; send it back in `If-Match` to update \
or archive only the version you read (412 otherwise).
- **Idempotency**: `POST` requests accept an `Idempotency-Key`; a retry with the same key and \
body replays the first response with `Idempotent-Replayed: true`.
- **Pagination**: `?limit=` (1-100, default 20) and `?cursor=`; lists answer \
`{{"data": [...], "next_cursor": "..." | null}}`.
- Request bodies are JSON, at most 1 MiB; unknown fields are rejected. Timestamps are RFC 3339 \
UTC strings.
"""


def build_document(operations: Sequence[Operation] = OPERATIONS) -> dict[str, Any]:
    """The whole OpenAPI document as plain JSON data."""
    _check_unique(operations)
    _check_links(operations)
    schema_refs, schemas = _schemas(operations)
    problem_ref = schema_refs[(Problem, "serialization")]
    used_tags = {tag for op in operations for tag in op.tags}
    missing = sorted(used_tags - TAGS.keys())
    if missing:
        raise ValueError(f"describe the tags {missing} in u22a8.api.operations.TAGS")

    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(operations, key=_sort_key):
        item = paths.setdefault(op.path, {})
        item[op.method.lower()] = _operation(op, schema_refs)

    error_statuses = sorted({status for op in operations for status in _error_responses(op)})
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": TITLE,
            "version": version(PACKAGE),
            "summary": "Create and manage text-scoring models.",
            "description": DESCRIPTION,
        },
        "servers": [
            {"url": LOCAL_SERVER_URL, "description": "Local stack (`make local`)."},
            {
                "url": AWS_SERVER_URL,
                "description": "A deployed stack; its `ApiUrl` output is this URL.",
                "variables": {
                    "api_id": {
                        "default": "api-id",
                        "description": "The REST API id (first label of `ApiUrl`).",
                    },
                    "region": {"default": "us-east-1", "description": "The stack's region."},
                    "stage": {
                        "default": DEFAULT_STAGE,
                        "description": "The stack's `StageName` parameter.",
                    },
                },
            },
        ],
        "security": [{SECURITY_SCHEME: []}],
        "tags": [
            {"name": name, "description": text} for name, text in TAGS.items() if name in used_tags
        ],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "parameters": _parameter_components(operations),
            "headers": _header_components(operations),
            "responses": {
                ERROR_RESPONSES[status].component: _problem_component(
                    ERROR_RESPONSES[status], problem_ref
                )
                for status in error_statuses
            },
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": (
                        "An API key, sent as `Authorization: Bearer <key>`. Keys are issued per "
                        "namespace by an operator (`u22a8 keys create --namespace <ns>`)."
                    ),
                }
            },
        },
    }


def render(document: dict[str, Any]) -> str:
    """Stable text: two-space indent, UTF-8 kept readable, one trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    sys.stdout.buffer.write(render(build_document()).encode("utf-8"))
    sys.stdout.buffer.flush()


# --- pieces -------------------------------------------------------------------------------------


def _sort_key(op: Operation) -> tuple[str, int]:
    return op.path, _METHOD_ORDER.index(op.method.lower())


def _check_unique(operations: Sequence[Operation]) -> None:
    for name, values in (
        ("route", [f"{op.method} {op.path}" for op in operations]),
        ("operationId", [op.operation_id for op in operations]),
    ):
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ValueError(f"duplicate {name}: {', '.join(duplicates)}")


# A link's runtime expressions that name a request parameter: `$request.<location>.<name>`.
_REQUEST_EXPRESSION = "$request."


def _check_links(operations: Sequence[Operation]) -> None:
    """Every link names an operation of the document, parameters that operation has, and (for
    ``$request.path.<name>``) a path parameter of the operation it starts from. Whether a
    ``$response`` expression points at a declared field is checked by the tests, against the
    generated schemas."""
    by_id = {op.operation_id: op for op in operations}
    for op in operations:
        for status, reply in op.responses.items():
            names = [link.name for link in reply.links]
            if len(set(names)) != len(names):
                raise ValueError(f"{op.operation_id} {status}: two links with one name")
            for link in reply.links:
                where = f"link {link.name} of {op.operation_id} {status}"
                target = by_id.get(link.operation_id)
                if target is None:
                    raise ValueError(f"{where}: no operation {link.operation_id!r}")
                accepted = {p.name for p in target.parameters}
                accepted |= {f"{p.location}.{p.name}" for p in target.parameters}
                for name, expression in link.parameters.items():
                    if name not in accepted:
                        raise ValueError(f"{where}: {link.operation_id} has no parameter {name!r}")
                    if expression.startswith(_REQUEST_EXPRESSION):
                        location, _, source_name = expression.removeprefix(
                            _REQUEST_EXPRESSION
                        ).partition(".")
                        if not any(
                            p.location == location and p.name == source_name for p in op.parameters
                        ):
                            raise ValueError(f"{where}: {op.operation_id} has no {expression}")


def _link(link: Link) -> dict[str, Any]:
    return {
        "operationId": link.operation_id,
        "description": link.description,
        "parameters": dict(link.parameters),
    }


SchemaKey = tuple[object, JsonSchemaMode]  # (a RequestBody or a response model, mode)


def _schemas(
    operations: Sequence[Operation],
) -> tuple[dict[SchemaKey, dict[str, Any]], dict[str, Any]]:
    """``$ref`` of every schema used, and components.schemas sorted by name.

    Request bodies are core schemas (:mod:`u22a8.api.bodies`) documented as they validate;
    responses are the ``BaseModel`` views, documented as they serialize. Both go through
    Pydantic's one JSON-schema generator, so shared parts become shared components.
    """
    inputs: dict[SchemaKey, CoreSchema] = {}
    for op in operations:
        if op.body is not None:
            inputs[(op.body.request, "validation")] = op.body.request.schema
        for reply in op.responses.values():
            if reply.model is not None:
                inputs[(reply.model, "serialization")] = reply.model.__pydantic_core_schema__
    inputs[(Problem, "serialization")] = Problem.__pydantic_core_schema__
    generator = GenerateJsonSchema(ref_template=SCHEMA_REF)
    refs, defs = generator.generate_definitions(
        [(source, mode, schema) for (source, mode), schema in inputs.items()]
    )
    return {key: dict(ref) for key, ref in refs.items()}, dict(sorted(defs.items()))


def _operation(op: Operation, schema_refs: dict[SchemaKey, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": op.description,
        "tags": list(op.tags),
    }
    if op.parameters:
        out["parameters"] = [_component_ref("parameters", p.component) for p in op.parameters]
    if op.body is not None:
        ref = schema_refs[(op.body.request, "validation")]
        media: dict[str, Any] = {"schema": dict(ref)}
        if op.body.example is not None:
            media["example"] = copy.deepcopy(dict(op.body.example))
        out["requestBody"] = {
            "description": op.body.description,
            "required": op.body.required,
            "content": dict.fromkeys(op.body.content_types, media),
        }
    responses: dict[str, Any] = {}
    for status, reply in sorted(op.responses.items()):
        response: dict[str, Any] = {"description": reply.description}
        if reply.headers:
            response["headers"] = {
                h.name: _component_ref("headers", h.component) for h in reply.headers
            }
        if reply.model is not None:
            media = {"schema": dict(schema_refs[(reply.model, "serialization")])}
            if reply.example is not None:
                media["example"] = copy.deepcopy(dict(reply.example))
            response["content"] = {"application/json": media}
        if reply.links:
            response["links"] = {link.name: _link(link) for link in reply.links}
        responses[str(status)] = response
    for status, codes in sorted(_error_responses(op).items()):
        ref = _component_ref("responses", ERROR_RESPONSES[status].component)
        if codes:
            # A Reference Object may override the description (OpenAPI 3.1): say which problem
            # types this operation can answer with at this status.
            ref["description"] = "\n".join(
                [ERROR_RESPONSES[status].description, ""]
                + [f"- `{code}`: {meaning}" for code, meaning in codes]
            )
        responses[str(status)] = ref
    out["responses"] = responses
    if not op.authenticated:
        out["security"] = []
    return out


def _error_responses(op: Operation) -> dict[int, list[tuple[str, str]]]:
    """Error status -> the (problem code, meaning) pairs the operation can answer with there.

    Gateway answers (401 only for authenticated operations) have no per-operation codes: their
    shared component already says what they mean.
    """
    by_status: dict[int, list[tuple[str, str]]] = {}
    for status in COMMON_STATUSES:
        if status != 401 or op.authenticated:
            by_status.setdefault(status, [])
    for error_class in (*op.errors, *COMMON_ERRORS):
        status = status_of(error_class)
        if status not in ERROR_RESPONSES:
            raise ValueError(f"add status {status} to u22a8.api.operations.ERROR_RESPONSES")
        if error_class not in PROBLEM_TYPES:
            raise ValueError(f"describe {error_class.__name__} in PROBLEM_TYPES")
        entry = (error_class.code, PROBLEM_TYPES[error_class])
        codes = by_status.setdefault(status, [])
        if entry not in codes:
            codes.append(entry)
    return by_status


def status_of(error_class: type[errors.DomainError]) -> int:
    """The HTTP status the handlers answer ``error_class`` with (``problems`` decides)."""
    return problems.spec_for_class(error_class).status


def _component_ref(
    section: Literal["parameters", "headers", "responses"], name: str
) -> dict[str, Any]:
    return {"$ref": f"#/components/{section}/{name}"}


def _unique_components[T: (Parameter, Header)](items: Iterable[T]) -> dict[str, T]:
    """By component name, sorted; two different definitions under one name is an error."""
    found: dict[str, T] = {}
    for item in items:
        if found.setdefault(item.component, item) != item:
            raise ValueError(f"two different definitions named {item.component!r}")
    return dict(sorted(found.items()))


def _parameter_components(operations: Sequence[Operation]) -> dict[str, Any]:
    params = _unique_components(p for op in operations for p in op.parameters)
    out: dict[str, Any] = {}
    for name, p in params.items():
        spec: dict[str, Any] = {
            "name": p.name,
            "in": p.location,
            "description": p.description,
            "required": p.required,
            "schema": copy.deepcopy(dict(p.schema)),
        }
        if p.example is not None:
            spec["example"] = p.example
        out[name] = spec
    return out


def _header_components(operations: Sequence[Operation]) -> dict[str, Any]:
    statuses = {status for op in operations for status in _error_responses(op)}
    headers = _unique_components(
        [h for op in operations for reply in op.responses.values() for h in reply.headers]
        + [h for s in sorted(statuses) for h in ERROR_RESPONSES[s].headers]
    )
    return {
        name: {"description": h.description, "schema": copy.deepcopy(dict(h.schema))}
        for name, h in headers.items()
    }


def _problem_component(spec: ErrorResponse, problem_ref: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": spec.description}
    if spec.headers:
        out["headers"] = {h.name: _component_ref("headers", h.component) for h in spec.headers}
    out["content"] = {problems.PROBLEM_CONTENT_TYPE: {"schema": dict(problem_ref)}}
    return out


if __name__ == "__main__":
    main()
