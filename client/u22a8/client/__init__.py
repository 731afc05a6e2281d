"""Python client of the u22a8 models API (installed with the project, never in the Lambda layer).

    from u22a8.client import Client

    client = Client()  # U22A8_API_URL, U22A8_API_KEY
    client.models.create("acme.support-tone", ["Clarity", "Flow"])
    client.samples.upload_jsonl("acme.support-tone", "samples.jsonl")
    run = client.train("acme.support-tone", effort="medium")
    client.wait_for_run("acme.support-tone", run["run_id"], on_progress=print)

Standard library only. Retries, idempotency keys and problems: see ``u22a8.client.retry`` and
``u22a8.client.errors``.
"""

from u22a8.client.client import Client
from u22a8.client.errors import (
    ApiError,
    BadRequest,
    Conflict,
    FieldError,
    Forbidden,
    ModelBusy,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    RateLimited,
    RequestInProgress,
    RunFailed,
    ServerError,
    ServiceUnavailable,
    TransportError,
    U22a8Error,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
    WaitTimeout,
)
from u22a8.client.etag import Etagged
from u22a8.client.pages import Page, Pager
from u22a8.client.retry import RetryPolicy
from u22a8.client.types import Progress

__all__ = [
    "ApiError",
    "BadRequest",
    "Client",
    "Conflict",
    "Etagged",
    "FieldError",
    "Forbidden",
    "ModelBusy",
    "NotFound",
    "Page",
    "Pager",
    "PayloadTooLarge",
    "PreconditionFailed",
    "Progress",
    "RateLimited",
    "RequestInProgress",
    "RetryPolicy",
    "RunFailed",
    "ServerError",
    "ServiceUnavailable",
    "TransportError",
    "U22a8Error",
    "Unauthorized",
    "UnsupportedMediaType",
    "ValidationFailed",
    "WaitTimeout",
]
