"""The API's operations as data: the one list the OpenAPI document is generated from.

Only the generator (``u22a8.api.openapi``) and the tests import this module, never a Lambda handler,
so it may import schemas freely. Each :class:`Operation` documents one route of the registry,
``u22a8.api.routes`` (method, path, operationId and function are declared there, once). Adding a
route means declaring it there and appending one :class:`Operation` to ``OPERATIONS``; the tests
fail until every route of the registry is documented here exactly once. The terms (``Operation``,
``Parameter``, ``Reply``, ...) are in ``u22a8.api.openapi_terms``, shared with the webhook routes'
list (``u22a8.api.webhook_operations``), which is appended at the end.

Error responses are listed as domain error classes, not status codes: the status of each comes from
``u22a8.api.problems`` (the mapping the handlers use), so the document cannot claim a status the
code does not answer with.

Adding an operation, e.g. ``GET /v1/models/{handle}/runs/{run_id}``::

    RUN_ID = Parameter("RunId", "run_id", "path", "The run's id.", {"type": "string"}, True)
    ...
    Operation(
        route=routes.GET_RUN,
        summary="Get a run",
        description="One training run of the model.",
        tags=("training",),  # a new tag also needs its line in TAGS
        parameters=(HANDLE, RUN_ID),
        responses={200: Reply("The run.", RunOut)},
        errors=(errors.InvalidInput, errors.ModelNotFound, errors.RunNotFound),
    ),

A new domain error needs a line in ``PROBLEM_TYPES`` (and its status in ``u22a8.api.problems``).
What a client can do next with a success response is declared as :class:`Link` objects on its
:class:`Reply` (OpenAPI ``links``, e.g. from a created model's ``handle`` to reading it); the
stateful fuzz test (``tests/e2e/test_fuzz_stateful.py``) follows them against the local stack.
Then run ``make openapi`` and commit ``docs/openapi.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

from u22a8.api import routes
from u22a8.api import webhook_operations as _webhooks
from u22a8.api.idempotency import IDEMPOTENCY_HEADER, MAX_KEY_LENGTH
from u22a8.api.openapi_terms import (
    CURSOR,
    JSON,
    LIMIT,
    LOCATION,
    MERGE_PATCH_JSON,
    Body,
    Header,
    JsonObject,
    Link,
    Operation,
    Parameter,
    Reply,
)
from u22a8.api.run_schemas import TRAIN_BODY
from u22a8.api.sample_schemas import ADD_SAMPLES_BODY
from u22a8.api.schemas import CREATE_MODEL_BODY, PATCH_MODEL_BODY
from u22a8.api.score_schemas import MAX_TEXTS_PER_CALL, SCORE_BODY
from u22a8.api.version_schemas import PUT_TAG_BODY
from u22a8.api.views import (
    ModelOut,
    ModelPage,
    RunOut,
    RunPage,
    SamplePage,
    SamplesCreated,
    ScoreOut,
    TrainOut,
    VersionOut,
    VersionPage,
)
from u22a8.domain.handles import HANDLE_PATTERN
from u22a8.entities import errors
from u22a8.entities.model import ModelState
from u22a8.entities.run import RUN_ID_PATTERN
from u22a8.entities.sample import SAMPLE_ID_PATTERN
from u22a8.entities.version import MAX_VERSION, TAG_PATTERN

# --- tags ---------------------------------------------------------------------------------------

TAGS: dict[str, str] = {
    "models": "Scoring models: create, list, read, update and archive.",
    "samples": "Labelled samples a model is trained on: add, list and delete.",
    "versions": "Published versions of a model, and the tags that name them.",
    "training": "Training runs: start one, follow it, cancel it.",
    "scoring": "Scoring texts with a model's active version, or another one by number or tag.",
}

# --- problem types ------------------------------------------------------------------------------

# What each problem `type` (its code after https://u22a8.ai/problems/) means, in a caller's terms.
PROBLEM_TYPES: dict[type[errors.DomainError], str] = {
    errors.MalformedJson: (
        "the body is not one strict JSON value (syntax, UTF-8, a duplicate key, nesting over 32 "
        "levels, an over-long number); `detail` says which"
    ),
    errors.UnsupportedMediaType: "the body's Content-Type is not one the operation reads",
    errors.InvalidCursor: "the cursor was not issued by this listing to you; start without it",
    errors.PayloadTooLarge: "the body is over 1 MiB",
    errors.InvalidInput: "fields, parameters or headers break the contract; `errors` names each",
    errors.ModelNotFound: "no such model in your namespace (other tenants' models look the same)",
    errors.HandleTaken: "a model with this handle exists; archived models keep their handle",
    errors.ModelArchived: "the model is archived: it can be read but no longer changed",
    errors.PreconditionFailed: (
        "If-Match is not the model's current ETag (it changed since, or the value is no ETag "
        "this server issued; `detail` says which); GET and retry"
    ),
    errors.IdempotencyKeyReused: "this Idempotency-Key was used with a different body",
    errors.RequestInProgress: "a request with this Idempotency-Key is still running; retry",
    errors.SampleNotFound: "the model has no sample with this id",
    errors.ZeroDataRetention: "the model has zero-data-retention on, so samples cannot be stored",
    errors.VersionNotFound: "the model has no such version: never published, or pruned",
    errors.TagNotFound: "the model has no tag of this name",
    errors.NoActiveVersion: "the model has no active version yet: train it first, then score",
    errors.RunNotFound: "the model has no run with this id",
    errors.ModelBusy: "another run holds the model; `run_id` names it: wait for it, or cancel it",
    errors.RunFinished: "the run has already succeeded or failed: there is nothing to cancel",
    errors.ServiceBusy: "a dependency is throttling; nothing was changed, retry after Retry-After",
}

# Every operation can answer these (ServiceBusy: any DynamoDB call may be throttled).
COMMON_ERRORS: tuple[type[errors.DomainError], ...] = (errors.ServiceBusy,)

# --- parameters ---------------------------------------------------------------------------------

HANDLE = Parameter(
    component="Handle",
    name="handle",
    location="path",
    description="The model's handle, `<namespace>.<name>`; a malformed handle is 422.",
    schema={"type": "string", "pattern": HANDLE_PATTERN},
    required=True,
    example="acme.support-tone",
)
STATE = Parameter(
    component="ModelStateFilter",
    name="state",
    location="query",
    description=(
        "Only models in this state. Without it the listing holds every model that is not "
        "archived; archived models are listed only with `state=archived`."
    ),
    schema={"type": "string", "enum": [state.value for state in ModelState]},
)
SAMPLE_ID = Parameter(
    component="SampleId",
    name="sample_id",
    location="path",
    description="A sample's id, as returned when it was added; a malformed id is 422.",
    schema={"type": "string", "pattern": SAMPLE_ID_PATTERN},
    required=True,
    example="smp_019a2b3c4d5e0000a1b2c3d4e5f6",
)
VERSION_NUMBER = Parameter(
    component="VersionNumber",
    name="n",
    location="path",
    description=f"A version number, 1 to {MAX_VERSION}, without leading zeros; otherwise 422.",
    schema={"type": "integer", "minimum": 1, "maximum": MAX_VERSION},
    required=True,
    example=3,
)
TAG = Parameter(
    component="Tag",
    name="tag",
    location="path",
    description=(
        "A tag name: 1 to 63 lowercase letters, digits, `.`, `_` and `-`, starting with a letter "
        "or digit; otherwise 422."
    ),
    schema={"type": "string", "pattern": TAG_PATTERN},
    required=True,
    example="prod",
)
VERSION_QUERY = Parameter(
    component="VersionQuery",
    name="version",
    location="query",
    description=(
        f"Score with this version number (1 to {MAX_VERSION}) instead of the active version; "
        "not together with `tag`."
    ),
    schema={"type": "integer", "minimum": 1, "maximum": MAX_VERSION},
    example=2,
)
TAG_QUERY = Parameter(
    component="TagQuery",
    name="tag",
    location="query",
    description="Score with the version this tag names instead of the active version; not "
    "together with `version`.",
    schema={"type": "string", "pattern": TAG_PATTERN},
    example="prod",
)
RUN_ID = Parameter(
    component="RunId",
    name="run_id",
    location="path",
    description="A run's id, as returned by train; a malformed id is 422.",
    schema={"type": "string", "pattern": RUN_ID_PATTERN},
    required=True,
    example="run_019a2b3c4d5ea1b2c3d4",
)
IF_MATCH = Parameter(
    component="IfMatch",
    name="If-Match",
    location="header",
    description=(
        "The ETag of the model as last read; the request is refused with 412 if the model has "
        "changed since, or when the value is not an ETag this server issued for it (a weak or "
        "unquoted tag, a list). `*` or no header: no check."
    ),
    schema={"type": "string"},
    example='"3"',
)
IDEMPOTENCY_KEY = Parameter(
    component="IdempotencyKey",
    name=IDEMPOTENCY_HEADER,
    location="header",
    description=(
        "Makes retries safe: a retry with the same key and body replays the first response "
        "(with `Idempotent-Replayed: true`); the same key with a different body is 422. "
        "Keys are scoped to your namespace and kept for 24 hours."
    ),
    schema={"type": "string", "pattern": f"^[\\x21-\\x7e]{{1,{MAX_KEY_LENGTH}}}$"},
    example="6f1c2a0e-6a43-4f55-9d0b-3f3b1b2a9c11",
)

# --- response headers ---------------------------------------------------------------------------

ETAG = Header(
    component="ETag",
    name="ETag",
    description="Strong entity tag of the model; send it in If-Match to update safely.",
    schema={"type": "string", "examples": ['"3"']},
)
IDEMPOTENT_REPLAYED = Header(
    component="IdempotentReplayed",
    name="Idempotent-Replayed",
    description="`true` when this response is the replay of an earlier request with the same key.",
    schema={"type": "string", "enum": ["true"]},
)
RETRY_AFTER = Header(
    component="RetryAfter",
    name="Retry-After",
    description="Seconds to wait before retrying.",
    schema={"type": "integer", "minimum": 0},
)
WWW_AUTHENTICATE = Header(
    component="WWWAuthenticate",
    name="WWW-Authenticate",
    description="Always `Bearer`.",
    schema={"type": "string", "enum": ["Bearer"]},
)

# --- error responses ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorResponse:
    """A shared problem response (components.responses); operations refer to it by status."""

    component: str
    description: str
    headers: tuple[Header, ...] = ()


ERROR_RESPONSES: dict[int, ErrorResponse] = {
    400: ErrorResponse("BadRequest", "The request could not be read."),
    401: ErrorResponse(
        "Unauthorized",
        "`unauthorized`: the API key is missing, unknown or revoked (answered by API Gateway).",
        (WWW_AUTHENTICATE,),
    ),
    404: ErrorResponse("NotFound", "The resource does not exist."),
    409: ErrorResponse(
        "Conflict",
        "The request conflicts with the resource's current state; when a retry can resolve it "
        "(`request-in-progress`), `Retry-After` says when.",
        (RETRY_AFTER,),
    ),
    412: ErrorResponse("PreconditionFailed", "The If-Match precondition failed."),
    413: ErrorResponse("PayloadTooLarge", "The request body is too large."),
    415: ErrorResponse(
        "UnsupportedMediaType",
        "The request body was not sent as a media type the operation reads (see `detail`).",
    ),
    422: ErrorResponse(
        "UnprocessableContent", "The request is well-formed but breaks the contract."
    ),
    429: ErrorResponse(
        "TooManyRequests",
        "`too-many-requests`: over the stage's rate limit (answered by API Gateway).",
        (RETRY_AFTER,),
    ),
    500: ErrorResponse(
        "InternalError",
        "`internal-error`: a fault on our side, not in the request; retry and quote `request_id`.",
    ),
    503: ErrorResponse("ServiceUnavailable", "The service is briefly overloaded.", (RETRY_AFTER,)),
}

# Statuses every operation may answer with although no domain error stands for them: they come from
# API Gateway (template.yaml GatewayResponses; 401 only where auth is required) or the last-resort
# handler. Their shared description says everything, so operations do not list them.
COMMON_STATUSES: tuple[int, ...] = (401, 429, 500)


# --- examples -----------------------------------------------------------------------------------

MODEL_EXAMPLE: JsonObject = {
    "handle": "acme.support-tone",
    "task": "scoring",
    "objective": "balanced_cosine",
    "criteria": ["Clarity", "Empathy"],
    "description": "Scores support replies for tone",
    "state": "ready",
    "active_version_id": "mv_01JV8Z6Q2R5K3XG7W9D4TBN1CE",
    "active_version": 3,
    "tags": ["prod"],
    "zero_data_retention": False,
    "auto_prune": {"keep_unnamed": 50, "keep_first_of_month": True},
    "last_operation": {
        "kind": "train",
        "status": "succeeded",
        "run_id": "run_abc",
        "started_at": "2026-05-19T12:00:00Z",
        "finished_at": "2026-05-19T12:03:10Z",
        "progress": 1.0,
    },
    "created_at": "2026-05-01T09:00:00.000Z",
    "updated_at": "2026-05-19T12:03:10.000Z",
}

SAMPLE_EXAMPLE: JsonObject = {
    "sample_id": "smp_019a2b3c4d5e0000a1b2c3d4e5f6",
    "text": "Thanks for waiting! I've refunded the order; it shows within 3 days.",
    "scores": {"Clarity": 0.9, "Empathy": 0.8},
    "created_at": "2026-05-19T12:00:00.000Z",
}

VERSION_EXAMPLE: JsonObject = {
    "version_id": "mv_5f0c1e2d3a4b5c6d7e8f",
    "version": 3,
    "created_at": "2026-05-19T12:03:10.000Z",
    "run_id": "run_019a2b3c4d5ea1b2c3d4",
    "params": {"ngram_max": 2, "min_df": 1},
    "metrics": {"Clarity": {"spearman": 0.71, "auc": 0.86, "n": 120}, "objective": 0.74},
    "tags": ["prod"],
}

RUN_EXAMPLE: JsonObject = {
    "run_id": "run_019a2b3c4d5ea1b2c3d4",
    "kind": "train",
    "status": "running",
    "effort": "medium",
    "reoptimize_params": False,
    "started_at": "2026-05-19T12:00:00.000Z",
    "finished_at": None,
    "progress": 0.4,
    "error": None,
    "version": None,
}

# --- links --------------------------------------------------------------------------------------

# Runtime expressions (OpenAPI 3.1): where the value of a link's parameter comes from.
HANDLE_IN_BODY = "$response.body#/handle"  # a model response's handle
SAME_HANDLE = "$request.path.handle"  # the model the request was about
ETAG_OF_RESPONSE = "$response.header.ETag"


def _model_link(name: str, operation_id: str, description: str, *, guarded: bool = False) -> Link:
    """A link from a model response to an operation on that model; ``guarded`` sends its ETag
    as ``If-Match``, so the follow-up applies only to the model as returned."""
    parameters = {"handle": HANDLE_IN_BODY}
    if guarded:
        parameters[IF_MATCH.name] = ETAG_OF_RESPONSE
    return Link(name, operation_id, description, parameters)


GET_MODEL = _model_link("GetModel", "getModel", "Read the model.")
UPDATE_MODEL = _model_link(
    "UpdateModel", "patchModel", "Update the model as returned.", guarded=True
)
ARCHIVE_MODEL = _model_link(
    "ArchiveModel", "archiveModel", "Archive the model as returned.", guarded=True
)
TRAIN_MODEL = _model_link("TrainModel", "trainModel", "Train the model as returned.", guarded=True)

# From a created model: everything that can be done with it.
CREATED_MODEL_LINKS: tuple[Link, ...] = (
    GET_MODEL,
    UPDATE_MODEL,
    ARCHIVE_MODEL,
    _model_link("AddSamples", "addSamples", "Add labelled samples to the model."),
    _model_link("ListSamples", "listSamples", "List the model's samples."),
    TRAIN_MODEL,
    _model_link("ListRuns", "listRuns", "List the model's training runs."),
    _model_link("ListVersions", "listVersions", "List the model's versions."),
    _model_link("TagVersion", "putTag", "Point a tag of the model at one of its versions."),
    _model_link("RemoveTag", "deleteTag", "Remove a tag of the model."),
    _model_link("ScoreTexts", "scoreTexts", "Score texts with the model."),
)
# From any later model response: the changes its ETag guards.
MODEL_LINKS: tuple[Link, ...] = (UPDATE_MODEL, ARCHIVE_MODEL, TRAIN_MODEL)


def _run_link(name: str, operation_id: str, description: str, run_id: str) -> Link:
    """A link to an operation on one run of the model the request was about."""
    return Link(name, operation_id, description, {"handle": SAME_HANDLE, "run_id": run_id})


def _version_link(description: str, n: str) -> Link:
    """A link to one version of the model the request was about."""
    return Link("GetVersion", "getVersion", description, {"handle": SAME_HANDLE, "n": n})


def _sample_link(description: str, sample_id: str) -> Link:
    """A link that deletes one sample of the model the request was about."""
    return Link(
        "DeleteSample", "deleteSample", description, {"handle": SAME_HANDLE, "sample_id": sample_id}
    )


# --- operations ---------------------------------------------------------------------------------

_MODEL_REPLY = Reply(
    description="The model.",
    model=ModelOut,
    headers=(ETAG,),
    example=MODEL_EXAMPLE,
    links=MODEL_LINKS,
)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        route=routes.CREATE_MODEL,
        summary="Create a model",
        description=(
            "Creates a model in the `draft` state, in the caller's namespace. Send an "
            "`Idempotency-Key` to make retries safe."
        ),
        tags=("models",),
        parameters=(IDEMPOTENCY_KEY,),
        body=Body(
            request=CREATE_MODEL_BODY,
            description="The new model. Unknown and read-only fields are rejected (422).",
            example={
                "handle": "acme.support-tone",
                "criteria": ["Clarity", "Empathy"],
                "description": "Scores support replies for tone",
                "auto_prune": {"keep_unnamed": 50},
            },
        ),
        responses={
            201: Reply(
                description="Created (or, with `Idempotent-Replayed: true`, the replay of it).",
                model=ModelOut,
                headers=(ETAG, LOCATION, IDEMPOTENT_REPLAYED),
                links=CREATED_MODEL_LINKS,
            ),
        },
        errors=(
            errors.MalformedJson,
            errors.UnsupportedMediaType,
            errors.PayloadTooLarge,
            errors.InvalidInput,
            errors.IdempotencyKeyReused,
            errors.HandleTaken,
            errors.RequestInProgress,
        ),
    ),
    Operation(
        route=routes.LIST_MODELS,
        summary="List models",
        description="The caller's models, newest first, a page at a time.",
        tags=("models",),
        parameters=(LIMIT, CURSOR, STATE),
        responses={
            200: Reply(
                description="One page of models.",
                model=ModelPage,
                links=(
                    Link(
                        "GetModel",
                        "getModel",
                        "Read the first model of the page.",
                        {"handle": "$response.body#/data/0/handle"},
                    ),
                ),
            )
        },
        errors=(errors.InvalidInput, errors.InvalidCursor),
    ),
    Operation(
        route=routes.GET_MODEL,
        summary="Get a model",
        description="One model, read consistently; poll it to follow training.",
        tags=("models",),
        parameters=(HANDLE,),
        responses={200: _MODEL_REPLY},
        errors=(errors.InvalidInput, errors.ModelNotFound),
    ),
    Operation(
        route=routes.PATCH_MODEL,
        summary="Update a model",
        description=(
            "Merge patch (RFC 7396): a field left out is unchanged, `null` clears `description` "
            "or the `auto_prune` override. `state` and other server-owned fields are rejected "
            "(422): train with `POST .../train`, archive with `DELETE`. `{}` changes nothing and "
            "returns the model. Busy models can be patched; archived ones cannot (409)."
        ),
        tags=("models",),
        parameters=(HANDLE, IF_MATCH),
        body=Body(
            request=PATCH_MODEL_BODY,
            description="The fields to change.",
            content_types=(JSON, MERGE_PATCH_JSON),
            example={"description": "Scores support replies for tone", "auto_prune": None},
        ),
        responses={
            200: Reply(
                description="The updated model.",
                model=ModelOut,
                headers=(ETAG,),
                links=(GET_MODEL, *MODEL_LINKS),
            )
        },
        errors=(
            errors.MalformedJson,
            errors.UnsupportedMediaType,
            errors.PayloadTooLarge,
            errors.InvalidInput,
            errors.ModelNotFound,
            errors.ModelArchived,
            errors.PreconditionFailed,
        ),
    ),
    Operation(
        route=routes.ARCHIVE_MODEL,
        summary="Archive a model",
        description=(
            "Archives the model: it stays readable but can no longer be changed, and its handle "
            "stays taken. A running run is stopped first (it ends `cancelled`). Archiving an "
            "archived model changes nothing and returns it."
        ),
        tags=("models",),
        parameters=(HANDLE, IF_MATCH),
        responses={
            200: Reply(
                description="The archived model.",
                model=ModelOut,
                headers=(ETAG,),
                links=(GET_MODEL,),
            )
        },
        errors=(errors.InvalidInput, errors.ModelNotFound, errors.PreconditionFailed),
    ),
    Operation(
        route=routes.ADD_SAMPLES,
        summary="Add labelled samples",
        description=(
            "Stores 1 to 500 labelled samples; all are stored or none. Scores may label any "
            "non-empty subset of the model's criteria; another criterion is 422, naming the "
            "sample and the criterion. Archived models refuse samples (409 `model-archived`), and "
            "so do models with zero-data-retention on (409 `zero-data-retention`), also when the "
            "change lands while the upload runs. Adding samples does not change the model's ETag. "
            "Send an `Idempotency-Key` to make retries safe."
        ),
        tags=("samples",),
        parameters=(HANDLE, IDEMPOTENCY_KEY),
        body=Body(
            request=ADD_SAMPLES_BODY,
            description="The samples. Unknown fields are rejected (422).",
            example={
                "samples": [
                    {
                        "text": SAMPLE_EXAMPLE["text"],
                        "scores": {"Clarity": 0.9, "Empathy": 0.8},
                    },
                    {"text": "Read the FAQ.", "scores": {"Empathy": 0.1}},
                ]
            },
        ),
        responses={
            201: Reply(
                description=(
                    "Stored (or, with `Idempotent-Replayed: true`, the replay of it): the ids "
                    "in the order the samples were sent."
                ),
                model=SamplesCreated,
                headers=(IDEMPOTENT_REPLAYED,),
                example={
                    "sample_ids": [
                        "smp_019a2b3c4d5e0000a1b2c3d4e5f6",
                        "smp_019a2b3c4d5e00017f3e9d0c1b2a",
                    ]
                },
                links=(
                    _sample_link("Delete the first sample added.", "$response.body#/sample_ids/0"),
                    Link(
                        "ListSamples",
                        "listSamples",
                        "List the model's samples.",
                        {"handle": SAME_HANDLE},
                    ),
                ),
            ),
        },
        errors=(
            errors.MalformedJson,
            errors.UnsupportedMediaType,
            errors.PayloadTooLarge,
            errors.InvalidInput,
            errors.IdempotencyKeyReused,
            errors.ModelNotFound,
            errors.ModelArchived,
            errors.ZeroDataRetention,
            errors.RequestInProgress,
        ),
    ),
    Operation(
        route=routes.LIST_SAMPLES,
        summary="List samples",
        description=(
            "The model's samples in the order they were added, a page at a time. `limit` is a "
            "maximum: a page of long texts may hold fewer, so page until `next_cursor` is null. "
            "Archived models can be listed. A model with zero-data-retention on lists none, as "
            "it retains none."
        ),
        tags=("samples",),
        parameters=(HANDLE, LIMIT, CURSOR),
        responses={
            200: Reply(
                description="One page of samples.",
                model=SamplePage,
                example={"data": [SAMPLE_EXAMPLE], "next_cursor": None},
                links=(
                    _sample_link(
                        "Delete the first sample of the page.", "$response.body#/data/0/sample_id"
                    ),
                ),
            )
        },
        errors=(errors.InvalidInput, errors.InvalidCursor, errors.ModelNotFound),
    ),
    Operation(
        route=routes.DELETE_SAMPLE,
        summary="Delete a sample",
        description=(
            "Deletes one sample; later training runs no longer use it. Archived models refuse "
            "(409). Deleting it again is 404 `sample-not-found`."
        ),
        tags=("samples",),
        parameters=(HANDLE, SAMPLE_ID),
        responses={204: Reply(description="Deleted; no body.")},
        errors=(
            errors.InvalidInput,
            errors.ModelNotFound,
            errors.SampleNotFound,
            errors.ModelArchived,
        ),
    ),
    Operation(
        route=routes.LIST_VERSIONS,
        summary="List versions",
        description=(
            "The model's published versions, newest first, a page at a time, each with the tags "
            "that name it. Pruned versions are gone from the list. Archived models can be listed."
        ),
        tags=("versions",),
        parameters=(HANDLE, LIMIT, CURSOR),
        responses={
            200: Reply(
                description="One page of versions.",
                model=VersionPage,
                example={"data": [VERSION_EXAMPLE], "next_cursor": None},
                links=(
                    _version_link(
                        "Read the first version of the page.", "$response.body#/data/0/version"
                    ),
                ),
            )
        },
        errors=(errors.InvalidInput, errors.InvalidCursor, errors.ModelNotFound),
    ),
    Operation(
        route=routes.GET_VERSION,
        summary="Get a version",
        description="One version of the model, with the tags that name it.",
        tags=("versions",),
        parameters=(HANDLE, VERSION_NUMBER),
        responses={200: Reply("The version.", VersionOut, example=VERSION_EXAMPLE)},
        errors=(errors.InvalidInput, errors.ModelNotFound, errors.VersionNotFound),
    ),
    Operation(
        route=routes.PUT_TAG,
        summary="Point a tag at a version",
        description=(
            "Makes the tag name the version, moving it from the version it named before (a tag "
            "names at most one version). Tagged versions are never pruned. The model's `tags` "
            "lists the tags of its active version, and its ETag changes with every tag change. "
            "Busy models can be tagged; archived ones cannot (409)."
        ),
        tags=("versions",),
        parameters=(HANDLE, TAG),
        body=Body(
            request=PUT_TAG_BODY,
            description="The version to name. Unknown fields are rejected (422).",
            example={"version": 3},
        ),
        responses={
            200: Reply(
                "The version the tag now names.",
                VersionOut,
                example=VERSION_EXAMPLE,
                links=(
                    _version_link("Read the version the tag names.", "$response.body#/version"),
                    Link(
                        "RemoveTag",
                        "deleteTag",
                        "Remove the tag again.",
                        {"handle": SAME_HANDLE, "tag": "$request.path.tag"},
                    ),
                ),
            )
        },
        errors=(
            errors.MalformedJson,
            errors.UnsupportedMediaType,
            errors.PayloadTooLarge,
            errors.InvalidInput,
            errors.ModelNotFound,
            errors.VersionNotFound,
            errors.ModelArchived,
        ),
    ),
    Operation(
        route=routes.DELETE_TAG,
        summary="Remove a tag",
        description=(
            "Removes the tag; its version stays (and becomes prunable unless it is active or "
            "another tag names it). Answers with the model, whose `tags` and ETag changed. "
            "Removing it again is 404 `tag-not-found`; archived models refuse (409)."
        ),
        tags=("versions",),
        parameters=(HANDLE, TAG),
        responses={200: _MODEL_REPLY},
        errors=(
            errors.InvalidInput,
            errors.ModelNotFound,
            errors.TagNotFound,
            errors.ModelArchived,
        ),
    ),
    Operation(
        route=routes.TRAIN_MODEL,
        summary="Train a model",
        description=(
            "Starts a training run, asynchronously; follow it with `GET` on the model or on the "
            "run (`Location`). From `draft` or `failed`: `202`, a new run. From `ready`: without "
            "`reoptimize_params` nothing is queued (`200`, `run_id: null`: retraining on new "
            "samples is automatic); with it, `202` and a fresh parameter search. While `busy`: "
            "the same request as the running run is `202` with that run's id; a different one is "
            "`409 model-busy`, naming the running run in `run_id`. Archived: `409`. Send an "
            "`Idempotency-Key` to make retries safe."
        ),
        tags=("training",),
        parameters=(HANDLE, IF_MATCH, IDEMPOTENCY_KEY),
        body=Body(
            request=TRAIN_BODY,
            description="All fields optional; unknown fields are rejected (422).",
            example={"effort": "medium"},
            required=False,
        ),
        responses={
            200: Reply(
                "A ready model, and nothing queued.",
                TrainOut,
                (IDEMPOTENT_REPLAYED,),
                example={"state": "ready", "run_id": None},
            ),
            202: Reply(
                "A run was started (or is the running run of the same request).",
                TrainOut,
                (LOCATION, IDEMPOTENT_REPLAYED),
                example={"state": "busy", "run_id": "run_019a2b3c4d5ea1b2c3d4"},
                links=(
                    _run_link("GetRun", "getRun", "Follow the run.", "$response.body#/run_id"),
                    _run_link(
                        "CancelRun", "cancelRun", "Cancel the run.", "$response.body#/run_id"
                    ),
                    Link("GetModel", "getModel", "Follow the model.", {"handle": SAME_HANDLE}),
                    Link("ListRuns", "listRuns", "List the model's runs.", {"handle": SAME_HANDLE}),
                ),
            ),
        },
        errors=(
            errors.MalformedJson,
            errors.UnsupportedMediaType,
            errors.PayloadTooLarge,
            errors.InvalidInput,
            errors.IdempotencyKeyReused,
            errors.ModelNotFound,
            errors.ModelArchived,
            errors.ModelBusy,
            errors.PreconditionFailed,
            errors.RequestInProgress,
        ),
    ),
    Operation(
        route=routes.LIST_RUNS,
        summary="List runs",
        description="The model's training runs, newest first, a page at a time.",
        tags=("training",),
        parameters=(HANDLE, LIMIT, CURSOR),
        responses={
            200: Reply(
                "One page of runs.",
                RunPage,
                example={"data": [RUN_EXAMPLE], "next_cursor": None},
                links=(
                    _run_link(
                        "GetRun", "getRun", "Read the newest run.", "$response.body#/data/0/run_id"
                    ),
                    _run_link(
                        "CancelRun",
                        "cancelRun",
                        "Cancel the newest run.",
                        "$response.body#/data/0/run_id",
                    ),
                ),
            )
        },
        errors=(errors.InvalidInput, errors.InvalidCursor, errors.ModelNotFound),
    ),
    Operation(
        route=routes.GET_RUN,
        summary="Get a run",
        description="One training run of the model.",
        tags=("training",),
        parameters=(HANDLE, RUN_ID),
        responses={
            200: Reply(
                "The run.",
                RunOut,
                example=RUN_EXAMPLE,
                links=(
                    _run_link(
                        "CancelRun", "cancelRun", "Cancel the run.", "$response.body#/run_id"
                    ),
                    _version_link(
                        "Read the version the run published (once it succeeded).",
                        "$response.body#/version",
                    ),
                ),
            )
        },
        errors=(errors.InvalidInput, errors.ModelNotFound, errors.RunNotFound),
    ),
    Operation(
        route=routes.CANCEL_RUN,
        summary="Cancel a run",
        description=(
            "Stops a running run. It ends `cancelled`, publishes nothing, and the model returns "
            "to the state it had before the run (a ready model keeps serving its active "
            "version). Idempotent: a run already cancelled is `200` with the run (concurrent "
            "cancels all get `200`); a run that already succeeded or failed is "
            "`409 run-finished`."
        ),
        tags=("training",),
        parameters=(HANDLE, RUN_ID),
        responses={
            200: Reply(
                "The cancelled run.",
                RunOut,
                example={
                    **RUN_EXAMPLE,
                    "status": "cancelled",
                    "finished_at": "2026-05-19T12:01:00.000Z",
                },
                links=(
                    _run_link("GetRun", "getRun", "Read the run.", "$response.body#/run_id"),
                    Link("GetModel", "getModel", "Read the model.", {"handle": SAME_HANDLE}),
                ),
            )
        },
        errors=(
            errors.InvalidInput,
            errors.ModelNotFound,
            errors.RunNotFound,
            errors.ModelArchived,
            errors.RunFinished,
        ),
    ),
    Operation(
        route=routes.SCORE_TEXTS,
        summary="Score texts",
        description=(
            f"Scores 1 to {MAX_TEXTS_PER_CALL} texts, each for every criterion of the model, "
            "from 0 (low) to 1 (high), with the active version, or with `version` or `tag` (not "
            "both: 422). The answer names the version that scored. A model without an active "
            "version is `409 no-active-version`: train it first. Archived and busy models score "
            "with their active version. Texts are scored and forgotten: never stored, never "
            "logged, whatever zero-data-retention says."
        ),
        tags=("scoring",),
        parameters=(HANDLE, VERSION_QUERY, TAG_QUERY),
        body=Body(
            request=SCORE_BODY,
            description="The texts. Unknown fields are rejected (422).",
            example={"texts": [SAMPLE_EXAMPLE["text"], "Read the FAQ."]},
        ),
        responses={
            200: Reply(
                "One result per text, in the order sent.",
                ScoreOut,
                example={
                    "version": 3,
                    "version_id": VERSION_EXAMPLE["version_id"],
                    "results": [
                        {"Clarity": 0.91, "Empathy": 0.84},
                        {"Clarity": 0.62, "Empathy": 0.07},
                    ],
                },
                links=(_version_link("Read the version that scored.", "$response.body#/version"),),
            )
        },
        errors=(
            errors.MalformedJson,
            errors.UnsupportedMediaType,
            errors.PayloadTooLarge,
            errors.InvalidInput,
            errors.ModelNotFound,
            errors.VersionNotFound,
            errors.TagNotFound,
            errors.NoActiveVersion,
        ),
    ),
)

# --- webhooks (u22a8.api.webhook_operations) ----------------------------------------------------

TAGS[_webhooks.TAG] = _webhooks.TAG_DESCRIPTION
PROBLEM_TYPES.update(_webhooks.PROBLEM_TYPES)
OPERATIONS += _webhooks.webhook_operations()
