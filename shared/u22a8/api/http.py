"""Shared HTTP plumbing for the API handlers: resolver setup, body parsing, caller identity.

Each handler module builds its resolver with :func:`make_resolver`, so every function maps errors,
logs and answers unknown routes the same way.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from u22a8.api import media_types, problems, strict_json
from u22a8.api.powertools_rest import APIGatewayRestResolver, NotFoundError, Response
from u22a8.entities import errors
from u22a8.observability import logger

if TYPE_CHECKING:  # pydantic_core is imported only by handlers that validate a body.
    from u22a8.api.bodies import RequestBody

MAX_BODY_BYTES = 1024 * 1024
JSON_CONTENT_TYPE = media_types.JSON


def make_resolver() -> APIGatewayRestResolver:
    """A REST (v1 payload) resolver whose every error is an RFC 9457 problem."""
    app = APIGatewayRestResolver(strip_prefixes=None)

    def request_id() -> str | None:
        return app.current_event.request_context.request_id

    def to_response(problem: problems.ProblemResponse) -> Response[str]:
        return Response(
            status_code=problem.status,
            content_type=problem.headers["Content-Type"],
            body=problem.body,
            headers={k: v for k, v in problem.headers.items() if k != "Content-Type"},
        )

    @app.exception_handler(errors.DomainError)
    def handle_domain_error(error: errors.DomainError) -> Response[str]:
        logger.info("request refused", extra={"problem": error.code})
        return to_response(problems.from_domain_error(error, request_id()))

    @app.not_found
    def handle_not_found(_: NotFoundError) -> Response[str]:
        return to_response(problems.route_not_found(request_id()))

    @app.exception_handler(Exception)
    def handle_unexpected(error: Exception) -> Response[str]:
        logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        return to_response(problems.internal_error(request_id()))

    return app


def caller_namespace(app: APIGatewayRestResolver) -> str:
    """The namespace the Lambda authorizer attached to this request's API key."""
    context = app.current_event.request_context.authorizer.get_context()
    namespace = context.get("namespace") if context else None
    if not isinstance(namespace, str) or not namespace:
        # The authorizer guards every route; reaching here without it is a deployment error.
        raise RuntimeError("request has no authorizer namespace")
    return namespace


def public_path(app: APIGatewayRestResolver, path: str) -> str:
    """``path`` as clients must request it: behind the stage (``/prod``) or custom-domain prefix
    that API Gateway strips before the handler sees the request."""
    event = app.current_event
    full = event.request_context.path or ""
    prefix = full[: -len(event.path)] if event.path and full.endswith(event.path) else ""
    return prefix + path


def header(app: APIGatewayRestResolver, name: str) -> str | None:
    """Case-insensitive header lookup (clients and gateways differ in header casing)."""
    return app.current_event.headers.get(name) if app.current_event.headers else None


def json_body(app: APIGatewayRestResolver, accepted: Sequence[str] = (JSON_CONTENT_TYPE,)) -> Any:
    """The request body as one strict JSON value: 413 over 1 MiB, 415 unless it is of an
    ``accepted`` media type, 400 when it is not strict JSON (``u22a8.api.strict_json``). An empty
    body needs no type and means ``{}``."""
    event = app.current_event
    raw = event.body or ""
    if event.is_base64_encoded:
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise errors.MalformedJson(
                "The request body is not valid base64-encoded JSON."
            ) from exc
    else:
        data = raw.encode("utf-8", errors="surrogatepass")
    if len(data) > MAX_BODY_BYTES:
        raise errors.PayloadTooLarge(
            f"The request body is {len(data)} bytes; the limit is {MAX_BODY_BYTES} bytes (1 MiB)."
        )
    if not data.strip():
        return {}
    media_types.require_accepted(header(app, "Content-Type"), accepted)
    return strict_json.loads(data)


def parse_body[BodyT: Mapping[str, Any]](
    payload: Any, body: RequestBody[BodyT], read_only: Mapping[str, str] | None = None
) -> BodyT:
    """Validate a JSON object against ``body``, reporting every bad field at once.

    ``read_only`` maps server-owned field names to a hint on how to change them instead; they are
    rejected with that hint rather than as merely unknown.
    """
    from pydantic_core import ValidationError

    collector = errors.ValidationCollector()
    if not isinstance(payload, dict):
        collector.add(("body",), "must be a JSON object", "object_type")
        collector.raise_if_any("The request body must be a JSON object.")
    read_only = read_only or {}
    for key in payload:
        if key in read_only:
            collector.add(("body", key), read_only[key], "read_only")
    writable = {k: v for k, v in payload.items() if k not in read_only}
    parsed: BodyT | None = None
    try:
        parsed = body.validate(writable)
    except ValidationError as exc:
        for item in exc.errors(include_url=False, include_context=False, include_input=False):
            loc = ("body", *item["loc"])
            msg = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
            collector.add(loc, msg, item["type"])
    if collector.errors:
        names = ", ".join(".".join(str(p) for p in e.loc[1:]) or "body" for e in collector.errors)
        collector.raise_if_any(f"Invalid fields: {names}.")
    assert parsed is not None
    return parsed


def json_response(
    status: int,
    body: Mapping[str, Any] | list[Any],
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    return Response(
        status_code=status,
        content_type=JSON_CONTENT_TYPE,
        body=json.dumps(body, separators=(",", ":")),
        headers=dict(headers or {}),
    )
