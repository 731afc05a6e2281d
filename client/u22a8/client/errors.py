"""Typed exceptions: every RFC 9457 problem the API answers becomes an ``ApiError`` subclass that
carries the problem's fields, so callers branch on a class or a stable ``code``, never on text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from u22a8.client.types import Progress

PROBLEM_BASE_URI = "https://u22a8.ai/problems/"


class U22a8Error(Exception):
    """Base of every error this client raises."""


class TransportError(U22a8Error):
    """The request got no HTTP answer (connection refused or reset, timeout), after the retries
    the request allowed."""


@dataclass(frozen=True)
class FieldError:
    """One entry of a problem's ``errors``: where (``loc``), what (``msg``) and its ``type``."""

    loc: tuple[str | int, ...]
    msg: str
    type: str


class ApiError(U22a8Error):
    """An HTTP error answer, with the fields of its problem body.

    ``code`` is the last segment of ``type`` (``model-busy`` for
    ``https://u22a8.ai/problems/model-busy``); ``extensions`` holds any other members of the
    problem (e.g. ``run_id`` on ``model-busy``).
    """

    def __init__(
        self,
        *,
        status: int,
        type: str,
        title: str,
        detail: str,
        errors: tuple[FieldError, ...] = (),
        request_id: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors = errors
        self.request_id = request_id
        self.extensions: dict[str, Any] = dict(extensions or {})
        self.retry_after_s = retry_after_s
        super().__init__(self._message())

    @property
    def code(self) -> str:
        return self.type.rsplit("/", 1)[-1]

    def _message(self) -> str:
        text = f"{self.status} {self.title}: {self.detail}"
        for error in self.errors:
            where = ".".join(str(part) for part in error.loc)
            text += f"\n  {where}: {error.msg}" if where else f"\n  {error.msg}"
        if self.request_id:
            text += f"\n  (request_id {self.request_id})"
        return text


class BadRequest(ApiError):
    """400: the body is not strict JSON (``malformed-json``) or the request is otherwise bad."""


class Unauthorized(ApiError):
    """401: missing, unknown or revoked API key."""


class Forbidden(ApiError):
    """403: the key may not do this."""


class NotFound(ApiError):
    """404: no such model, run, version, tag, sample or webhook in the key's namespace."""


class Conflict(ApiError):
    """409: the resource's state forbids the request (archived, busy, handle taken, ...)."""


class ModelBusy(Conflict):
    """409 ``model-busy``: another run holds the model; ``run_id`` names it."""

    @property
    def run_id(self) -> str | None:
        value = self.extensions.get("run_id")
        return value if isinstance(value, str) else None


class RequestInProgress(Conflict):
    """409 ``request-in-progress``: the same Idempotency-Key is still being served (retryable)."""


class PreconditionFailed(ApiError):
    """412: the If-Match ETag is stale; read the resource again and retry the change."""


class PayloadTooLarge(ApiError):
    """413: the body is over the API's limit."""


class UnsupportedMediaType(ApiError):
    """415: the body's Content-Type is not one the route accepts."""


class ValidationFailed(ApiError):
    """422: a field is invalid, unknown or read-only; ``errors`` names each one."""


class RateLimited(ApiError):
    """429: throttled, still after the retries the client's policy allowed."""


class ServerError(ApiError):
    """5xx: the service failed (``request_id`` identifies the request in its logs)."""


class ServiceUnavailable(ServerError):
    """503: a dependency is busy; nothing changed (retryable)."""


_BY_CODE: dict[str, type[ApiError]] = {
    "model-busy": ModelBusy,
    "request-in-progress": RequestInProgress,
}
_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: ValidationFailed,
    429: RateLimited,
    503: ServiceUnavailable,
}


def error_class(status: int, code: str) -> type[ApiError]:
    """The most specific class for a problem: by its code, then its status, then its range."""
    if code in _BY_CODE and _BY_CODE[code].__mro__[1] is _BY_STATUS.get(status):
        return _BY_CODE[code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else ApiError


class RunFailed(U22a8Error):
    """A run that was waited for ended ``failed``; ``run`` is its final record."""

    def __init__(self, run: Mapping[str, Any]) -> None:
        self.run = dict(run)
        error = run.get("error") or {}
        self.code: str | None = error.get("code")
        self.error_message: str | None = error.get("message")
        super().__init__(f"run {run.get('run_id')} failed: {self.code}: {self.error_message}")


class WaitTimeout(U22a8Error):
    """A wait reached its timeout with the run still running (the run itself goes on);
    ``last`` is the last progress seen."""

    def __init__(self, run_id: str, timeout_s: float, last: Progress | None) -> None:
        self.run_id = run_id
        self.timeout_s = timeout_s
        self.last = last
        super().__init__(f"run {run_id} still running after {timeout_s:g} s")
