"""The one place where errors become HTTP: RFC 9457 ``application/problem+json`` responses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from u22a8.entities import errors

PROBLEM_BASE_URI = "https://u22a8.ai/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemSpec:
    status: int
    title: str


# Every domain error class maps to exactly one status; subclasses inherit their parent's mapping.
_SPECS: dict[type[errors.DomainError], ProblemSpec] = {
    errors.MalformedJson: ProblemSpec(400, "Malformed JSON"),
    errors.UnsupportedMediaType: ProblemSpec(415, "Unsupported media type"),
    errors.InvalidInput: ProblemSpec(422, "Validation error"),
    errors.ModelNotFound: ProblemSpec(404, "Model not found"),
    errors.HandleTaken: ProblemSpec(409, "Handle taken"),
    errors.ModelArchived: ProblemSpec(409, "Model archived"),
    errors.PreconditionFailed: ProblemSpec(412, "Precondition failed"),
    errors.PayloadTooLarge: ProblemSpec(413, "Payload too large"),
    errors.IdempotencyKeyReused: ProblemSpec(422, "Idempotency key reused"),
    errors.RequestInProgress: ProblemSpec(409, "Request in progress"),
    errors.SampleNotFound: ProblemSpec(404, "Sample not found"),
    errors.ZeroDataRetention: ProblemSpec(409, "Zero data retention"),
    errors.VersionNotFound: ProblemSpec(404, "Version not found"),
    errors.TagNotFound: ProblemSpec(404, "Tag not found"),
    errors.NoActiveVersion: ProblemSpec(409, "No active version"),
    errors.RunNotFound: ProblemSpec(404, "Run not found"),
    errors.ModelBusy: ProblemSpec(409, "Model busy"),
    errors.RunFinished: ProblemSpec(409, "Run finished"),
    errors.WebhookNotFound: ProblemSpec(404, "Webhook not found"),
    errors.WebhookLimitReached: ProblemSpec(409, "Webhook limit reached"),
    errors.ServiceBusy: ProblemSpec(503, "Service unavailable"),
}
_FALLBACK = ProblemSpec(400, "Bad request")


@dataclass(frozen=True)
class ProblemResponse:
    status: int
    body: str
    headers: dict[str, str]


def spec_for_class(error_class: type[errors.DomainError]) -> ProblemSpec:
    for cls in error_class.__mro__:
        if cls in _SPECS:
            return _SPECS[cls]
    return _FALLBACK


def spec_for(error: errors.DomainError) -> ProblemSpec:
    return spec_for_class(type(error))


def problem_body(
    code: str,
    title: str,
    status: int,
    detail: str,
    request_id: str | None,
    field_errors: list[errors.FieldError] | None = None,
    extensions: Mapping[str, str] | None = None,
) -> str:
    body: dict[str, object] = {
        "type": PROBLEM_BASE_URI + code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field_errors:
        body["errors"] = [{"loc": list(e.loc), "msg": e.msg, "type": e.type} for e in field_errors]
    for name, value in (extensions or {}).items():
        body.setdefault(name, value)  # an extension never overrides a standard member
    body["request_id"] = request_id
    return json.dumps(body, separators=(",", ":"))  # compact, as every success body


def from_domain_error(error: errors.DomainError, request_id: str | None) -> ProblemResponse:
    spec = spec_for(error)
    field_errors = error.errors if isinstance(error, errors.InvalidInput) else None
    headers = {"Content-Type": PROBLEM_CONTENT_TYPE}
    if error.retry_after_s is not None:
        headers["Retry-After"] = str(error.retry_after_s)
    body = problem_body(
        error.code,
        spec.title,
        spec.status,
        error.detail,
        request_id,
        field_errors,
        error.extensions(),
    )
    return ProblemResponse(spec.status, body, headers)


def route_not_found(request_id: str | None) -> ProblemResponse:
    body = problem_body("not-found", "Not found", 404, "No such resource or method.", request_id)
    return ProblemResponse(404, body, {"Content-Type": PROBLEM_CONTENT_TYPE})


def internal_error(request_id: str | None) -> ProblemResponse:
    body = problem_body(
        "internal-error",
        "Internal error",
        500,
        "Something went wrong on our side; nothing you sent was at fault. "
        "Retry, and quote the request_id if it persists.",
        request_id,
    )
    return ProblemResponse(500, body, {"Content-Type": PROBLEM_CONTENT_TYPE})
