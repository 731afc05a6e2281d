"""Domain errors. They say what went wrong in the user's terms; ``u22a8.api.problems`` is the only
place that turns them into HTTP statuses and RFC 9457 bodies."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """One invalid input: where it is (``loc``), what is wrong (``msg``) and a stable ``type``."""

    loc: tuple[str | int, ...]
    msg: str
    type: str


class DomainError(Exception):
    """Base of every error a caller can cause or see; ``code`` is stable and documented."""

    code = "error"
    # Seconds after which a retry may succeed (sent as ``Retry-After``); ``None``: not retryable.
    retry_after_s: int | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def extensions(self) -> dict[str, str]:
        """Extra members of the problem body (RFC 9457 extensions), e.g. the run at stake."""
        return {}


class InvalidInput(DomainError):
    """The request is well-formed HTTP but its content breaks the contract."""

    code = "validation-error"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []


class InvalidCursor(InvalidInput):
    """A ``cursor`` this server did not issue for this listing and caller (edited, forged,
    truncated, or from another listing or namespace)."""

    code = "invalid-cursor"

    def __init__(self) -> None:
        super().__init__(
            "The cursor is not one this listing issued to you; start again without it.",
            [FieldError(loc=("query", "cursor"), msg="invalid cursor", type="cursor")],
        )


class MalformedJson(DomainError):
    code = "malformed-json"


class UnsupportedMediaType(DomainError):
    """A non-empty body of a media type the route does not read (or with no ``Content-Type``)."""

    code = "unsupported-media-type"

    def __init__(self, sent: str, accepted: tuple[str, ...]) -> None:
        names = " or ".join(accepted)
        super().__init__(
            f"The request body was sent with {sent}; send it as {names} "
            "(charset=utf-8 is the only parameter accepted)."
        )
        self.accepted = accepted


class PayloadTooLarge(DomainError):
    code = "payload-too-large"


class ModelNotFound(DomainError):
    code = "model-not-found"

    def __init__(self, handle: str) -> None:
        super().__init__(f"No model '{handle}' exists in your namespace.")
        self.handle = handle


class HandleTaken(DomainError):
    code = "handle-taken"

    def __init__(self, handle: str) -> None:
        super().__init__(
            f"A model with handle '{handle}' already exists (archived models keep their handle)."
        )


class ModelArchived(DomainError):
    code = "model-archived"

    def __init__(self, handle: str) -> None:
        super().__init__(
            f"Model '{handle}' is archived: it can be read and scored but no longer changed."
        )


class PreconditionFailed(DomainError):
    code = "precondition-failed"

    def __init__(self, handle: str, reason: str | None = None) -> None:
        """``reason`` replaces the usual "has changed" when that is not why (an If-Match that
        names no ETag this server ever issued for the model)."""
        super().__init__(
            reason
            or f"Model '{handle}' has changed since the ETag you sent in If-Match; "
            "GET it again and retry with the new ETag."
        )


class IdempotencyKeyReused(DomainError):
    code = "idempotency-key-reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used with a different request body; "
            "use a new key for a different request."
        )


class RequestInProgress(DomainError):
    code = "request-in-progress"
    retry_after_s = 1

    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still being processed; retry shortly."
        )


class SampleNotFound(DomainError):
    code = "sample-not-found"

    def __init__(self, handle: str, sample_id: str) -> None:
        super().__init__(f"Model '{handle}' has no sample '{sample_id}'.")
        self.sample_id = sample_id


class ZeroDataRetention(DomainError):
    """The model retains no submitted content, so there is nowhere to put samples."""

    code = "zero-data-retention"

    def __init__(self, handle: str) -> None:
        super().__init__(
            f"Model '{handle}' has zero-data-retention on: submitted content is not retained, "
            "so samples cannot be stored. Turn it off with PATCH to add samples again."
        )


class VersionNotFound(DomainError):
    code = "version-not-found"

    def __init__(self, handle: str, version: int) -> None:
        super().__init__(
            f"Model '{handle}' has no version {version} (it was never published, or was pruned)."
        )
        self.version = version


class TagNotFound(DomainError):
    code = "tag-not-found"

    def __init__(self, handle: str, tag: str) -> None:
        super().__init__(f"Model '{handle}' has no tag '{tag}'.")
        self.tag = tag


class NoActiveVersion(DomainError):
    """Scoring needs a published version, and the model has none yet."""

    code = "no-active-version"

    def __init__(self, handle: str) -> None:
        super().__init__(
            f"Model '{handle}' has no active version yet, so it cannot score. Train it first "
            f"(POST /v1/models/{handle}/train) and score once the run has succeeded."
        )


class RunNotFound(DomainError):
    code = "run-not-found"

    def __init__(self, handle: str, run_id: str) -> None:
        super().__init__(f"Model '{handle}' has no run '{run_id}'.")
        self.run_id = run_id


class ModelBusy(DomainError):
    """A different run holds the model; the problem names it (``run_id``) so it can be followed
    or cancelled."""

    code = "model-busy"

    def __init__(self, handle: str, run_id: str | None) -> None:
        running = f" (run '{run_id}')" if run_id else ""
        super().__init__(
            f"Model '{handle}' is busy with a different training run{running}. Wait for it to "
            "finish, or cancel it, then train again."
        )
        self.run_id = run_id

    def extensions(self) -> dict[str, str]:
        return {"run_id": self.run_id} if self.run_id else {}


class RunFinished(DomainError):
    """Cancel of a run that already succeeded or failed: there is nothing left to stop."""

    code = "run-finished"

    def __init__(self, handle: str, run_id: str, status: str) -> None:
        super().__init__(
            f"Run '{run_id}' of model '{handle}' has already ended ({status}); only a running "
            "run can be cancelled."
        )
        self.run_id = run_id
        self.status = status


class WebhookNotFound(DomainError):
    """No such endpoint in the caller's namespace (another tenant's looks exactly the same)."""

    code = "webhook-not-found"

    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"No webhook endpoint '{webhook_id}' exists in your namespace.")
        self.webhook_id = webhook_id


class WebhookLimitReached(DomainError):
    """The namespace has as many endpoints as it may; one must go before another is added."""

    code = "webhook-limit-reached"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Your namespace already has {limit} webhook endpoints, the most it may have. "
            "Delete one (DELETE /v1/webhooks/{id}), or subscribe an existing one to more events."
        )


class ServiceBusy(DomainError):
    """A dependency is throttling us; nothing was written, and the caller should retry later."""

    code = "service-unavailable"

    def __init__(self, retry_after_s: int = 1) -> None:
        super().__init__("The service is briefly overloaded; nothing was changed. Retry shortly.")
        self.retry_after_s: int | None = retry_after_s


@dataclass
class ValidationCollector:
    """Collects field errors so a caller learns every problem of a request at once."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, loc: tuple[str | int, ...], msg: str, type_: str) -> None:
        self.errors.append(FieldError(loc=loc, msg=msg, type=type_))

    def raise_if_any(self, detail: str = "The request has invalid fields.") -> None:
        if self.errors:
            raise InvalidInput(detail, list(self.errors))
