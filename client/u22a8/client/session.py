"""One API call end to end: auth, JSON, the retry rules, and problems raised as typed errors."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from u22a8.client.errors import ApiError, FieldError, TransportError, error_class
from u22a8.client.retry import (
    RetryPolicy,
    is_retryable_status,
    parse_retry_after,
    wait_before_retry,
)
from u22a8.client.transport import Response, Transport

USER_AGENT = "u22a8-python-client/0.1"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})

Sleep = Callable[[float], None]


def path(template: str, *segments: str | int) -> str:
    """``template`` with each ``{}`` replaced by one percent-encoded path segment."""
    return template.format(*(quote(str(segment), safe="") for segment in segments))


def new_idempotency_key() -> str:
    return f"u22a8py-{uuid.uuid4().hex}"


class Session:
    """Sends API requests; the resource classes build on it."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._transport = Transport(base_url, timeout_s)
        self._api_key = api_key
        self.retry = retry or RetryPolicy()
        self.sleep = sleep

    def close(self) -> None:
        self._transport.close()

    def request(
        self,
        method: str,
        target: str,
        *,
        body: Any = None,
        params: Mapping[str, str | int | None] | None = None,
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/json",
        idempotent: bool | None = None,
    ) -> Response:
        """Send, retrying per the rules of ``u22a8.client.retry``; returns a 2xx/3xx answer or
        raises ``ApiError`` (typed by status and problem code) or ``TransportError``.

        The same headers, ``Idempotency-Key`` included, go out on every attempt.
        """
        all_headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **(headers or {}),
        }
        payload = None
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            all_headers["Content-Type"] = content_type
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        full_target = target + ("?" + urlencode(query) if query else "")
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS or "Idempotency-Key" in all_headers
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._transport.send(method, full_target, payload, all_headers)
            except (OSError, http.client.HTTPException) as error:
                delay = wait_before_retry(self.retry, attempt, None) if idempotent else None
                if delay is None:
                    raise TransportError(f"{method} {target}: {error}") from error
                self.sleep(delay)
                continue
            if response.status < 400:
                return response
            problem = to_error(response)
            retryable = is_retryable_status(
                response.status,
                problem.code,
                has_retry_after=problem.retry_after_s is not None,
                idempotent=idempotent,
            )
            delay = (
                wait_before_retry(self.retry, attempt, problem.retry_after_s) if retryable else None
            )
            if delay is None:
                raise problem
            self.sleep(delay)


def to_error(response: Response) -> ApiError:
    """The typed error of an error answer; a body that is not a problem still gives one, built
    from the status (API Gateway's own answers may omit ``status``)."""
    try:
        document = response.json()
    except ValueError:
        document = None
    problem: dict[str, Any] = document if isinstance(document, dict) else {}
    reason = http.client.responses.get(response.status, "Error")
    type_ = problem.get("type")
    if not isinstance(type_, str) or not type_:
        type_ = "about:blank"
    known = {"type", "title", "status", "detail", "errors", "request_id"}
    code = type_.rsplit("/", 1)[-1]
    detail = problem.get("detail")
    if not isinstance(detail, str):
        text = response.body[:500].decode(errors="replace").strip()
        detail = text if text and not problem else reason
    request_id = problem.get("request_id")
    return error_class(response.status, code)(
        status=response.status,
        type=type_,
        title=str(problem.get("title") or reason),
        detail=detail,
        errors=_field_errors(problem.get("errors")),
        request_id=request_id if isinstance(request_id, str) else None,
        extensions={k: v for k, v in problem.items() if k not in known},
        retry_after_s=parse_retry_after(response.header("Retry-After")),
    )


def _field_errors(raw: Any) -> tuple[FieldError, ...]:
    if not isinstance(raw, list):
        return ()
    found = []
    for entry in raw:
        if isinstance(entry, dict):
            loc = entry.get("loc")
            found.append(
                FieldError(
                    loc=tuple(loc) if isinstance(loc, list) else (),
                    msg=str(entry.get("msg", "")),
                    type=str(entry.get("type", "")),
                )
            )
    return tuple(found)
