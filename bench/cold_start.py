"""Cold start of every API handler against the floor any DynamoDB-backed handler pays (benchmark).

Run: ``python bench/cold_start.py [--runs N] [--json] [--judge auto|wall|cpu]`` (or ``make bench``).

For each function in ``template.yaml`` (discovered through ``local.template``, the authorizer
included) it starts fresh interpreters that time, with ``time.perf_counter`` (and
``time.process_time``) from their first line, the import of the handler module (by file path, as
the local gateway loads it) plus one invocation with a realistic event, and count the AWS API calls
that invocation made. The same is measured for the floor,
``python -c "import boto3; boto3.client('dynamodb')"``, interleaved round-robin with the handler
runs so that drift hits all alike; medians are reported as a ratio to the floor's median. Bytecode
caches are warmed by one unmeasured run of each first (a built layer ships compilable code too).

AWS is moto's server, started in this process on a free port; the template's tables, bucket, event
bus and state machine are created in it (without moto's execution engine, so an execution just
stays running) and seeded with what each request needs (a real API key for the authorizer; models,
samples, versions, tags and runs for the routes). Each route's request comes from ``RECIPES``
(keyed by method and path); a route without a recipe is listed as not measured. Calls are counted
twice: by the child, on ``before-call`` / ``before-send`` events of boto3's default session
(registered before the handler is imported), and by the server, which sees every request whatever
session sent it.

Targets (from the issue): cold ratio <= 1.6 for every handler; PATCH exactly one DynamoDB call (a
conditional UpdateItem); GET exactly one (GetItem); the authorizer one GetItem; create without an
``Idempotency-Key`` one PutItem. A variant marked not judged (score on a version whose artifact
is too large to be copied into the table, so it is read from S3) is reported beside the judged
one: its extra cost depends on the customer's data, not on the handler.

Wall time is what the issue asks for, but on a busy machine it mostly measures the other
processes: ``--judge auto`` (the default) then checks the ratio of CPU times instead, and says so.
The script always exits 0 (it is a benchmark) and lists the targets it missed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make ``local`` importable
    sys.path.insert(0, str(ROOT))

from local import resources, template  # noqa: E402
from local.gateway import API_ID  # noqa: E402

RATIO_TARGET = 1.6
NAMESPACE = "bench"
RESULT_MARKER = "@@cold-start-result@@ "
TIMES = "\N{MULTIPLICATION SIGN}"
# Fresh interpreters that ignore PYTHON* variables and the user site (-I), with frozen stdlib
# modules (the default of release builds, made explicit); bytecode caches are warmed beforehand.
PYTHON_FLAGS = ("-I", "-X", "frozen_modules=on")
CHILD_TIMEOUT_S = 120
# Beyond these the run is flagged as disturbed by other processes (see ``contention``).
MAX_FLOOR_SPREAD = 0.20
MIN_CPU_SHARE = 0.85

# Runs in each fresh interpreter. argv: "floor" | "handler" <path> <module> <function> <event>
# <context>. Timed: everything up to the handler's import, and the invocation. Not timed: decoding
# the event and building the context (harness work a Lambda runtime does before the clock we mimic).
CHILD_CODE = r"""
import time
_t0, _c0 = time.perf_counter(), time.process_time()
import sys
import boto3

_phase = ["import"]
_calls = {"import": {}, "request": {}}
_attempts = {"import": 0, "request": 0}


def _count_call(event_name, **_):
    name = event_name.split(".", 1)[1]  # before-call.<service>.<Operation>
    bucket = _calls[_phase[0]]
    bucket[name] = bucket.get(name, 0) + 1


def _count_send(**_):
    _attempts[_phase[0]] += 1


boto3.setup_default_session()
boto3.DEFAULT_SESSION.events.register("before-call", _count_call)
boto3.DEFAULT_SESSION.events.register("before-send", _count_send)

if sys.argv[1] == "floor":
    _t1, _c1 = time.perf_counter(), time.process_time()
    _phase[0] = "request"
    _t2, _c2 = time.perf_counter(), time.process_time()
    boto3.client("dynamodb")
    _t3, _c3 = time.perf_counter(), time.process_time()
    _status = None
else:
    import importlib.util

    _path, _module_name, _function_name = sys.argv[2:5]
    _spec = importlib.util.spec_from_file_location(_module_name, _path)
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
    _handler = getattr(_module, _function_name)
    _t1, _c1 = time.perf_counter(), time.process_time()

    import json

    _event = json.loads(sys.argv[5])
    _fields = json.loads(sys.argv[6])

    class _Context:
        def __init__(self, fields, started):
            self.__dict__.update(fields)
            self._started = started

        def get_remaining_time_in_millis(self):
            elapsed_ms = int((time.monotonic() - self._started) * 1000)
            return max(self.timeout_ms - elapsed_ms, 0)

    _context = _Context(_fields, time.monotonic())
    _phase[0] = "request"
    _t2, _c2 = time.perf_counter(), time.process_time()
    try:
        _result = _handler(_event, _context)
    except Exception as error:
        _result = None
        _status = f"raised {type(error).__name__}: {error}"
    else:
        if isinstance(_result, dict) and "statusCode" in _result:
            _status = _result["statusCode"]
        elif isinstance(_result, dict) and "policyDocument" in _result:
            _status = ",".join(s["Effect"] for s in _result["policyDocument"]["Statement"])
        else:
            _status = f"returned {type(_result).__name__}"
    _t3, _c3 = time.perf_counter(), time.process_time()

import json

_import_ms = (_t1 - _t0) * 1000
_request_ms = (_t3 - _t2) * 1000
_cpu_ms = (_c1 - _c0 + _c3 - _c2) * 1000
print()
print(
    "@@cold-start-result@@ "
    + json.dumps(
        {
            "import_ms": _import_ms,
            "first_request_ms": _request_ms,
            "total_ms": _import_ms + _request_ms,
            "cpu_ms": _cpu_ms,
            "status": _status,
            "calls": _calls["request"],
            "import_calls": _calls["import"],
            "http_attempts": _attempts["request"],
        }
    ),
    flush=True,
)
"""


# --------------------------------------------------------------------------------- the emulator


class RequestCounter:
    """WSGI middleware counting the requests moto's server receives, and the time it spends on them.

    The count checks the child's own (it sees every client, whatever session made it); the time is
    the emulator's share of a first request, which on AWS would be DynamoDB's latency instead.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self._lock = threading.Lock()
        self.count = 0
        self.seconds = 0.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        try:
            return list(self.app(environ, start_response))
        finally:
            with self._lock:
                self.count += 1
                self.seconds += time.perf_counter() - started

    def take(self) -> tuple[int, float]:
        """Requests and milliseconds since the last call."""
        with self._lock:
            taken = (self.count, self.seconds * 1000)
            self.count, self.seconds = 0, 0.0
        return taken


@dataclass
class Emulator:
    endpoint: str
    names: dict[str, str]
    counter: RequestCounter | None
    stop: Callable[[], None]


def aws_environment(endpoint: str) -> dict[str, str]:
    """What every child (and this process) needs to reach the emulator and nothing real."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "AWS_DEFAULT_REGION": resources.REGION,
        "AWS_REGION": resources.REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def start_emulator() -> Emulator:
    from moto.server import ThreadedMotoServer

    from local.moto_speed import item_level_transaction_rollback

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
    # As in the local stack: moto otherwise deep-copies the whole table for every transaction,
    # a cost that grows with the seeded table and would be billed to the handlers' first request.
    item_level_transaction_rollback()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"

    counter: RequestCounter | None = None
    wsgi_server = getattr(server, "_server", None)  # private; the check is skipped without it
    if wsgi_server is not None and hasattr(wsgi_server, "app"):
        counter = RequestCounter(wsgi_server.app)
        wsgi_server.app = counter

    names = resources.physical_names(prefix="u22a8-bench")
    os.environ.update(aws_environment(endpoint))
    os.environ.update(resources.function_environment(names))

    import boto3

    resources.create_tables(boto3.client("dynamodb"), names)
    resources.create_buckets(boto3.client("s3"), names)  # the score route loads an artifact
    resources.create_event_buses(boto3.client("events"), names)  # train and cancel put events
    # No execution engine: an execution stays RUNNING, all the train and cancel routes need.
    resources.create_state_machines(boto3.client("stepfunctions"), names)
    resources.create_webhook_resources(names)  # the webhook routes: their queue and key
    return Emulator(endpoint=endpoint, names=names, counter=counter, stop=server.stop)


# ------------------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Seeds:
    """What the requests need in the tables; created in this process, before the children run."""

    key: str
    key_id: str
    read_handle: str = f"{NAMESPACE}.read"
    patch_handle: str = f"{NAMESPACE}.patched"
    samples_handle: str = f"{NAMESPACE}.samples"
    score_handle: str = f"{NAMESPACE}.scored"
    large_score_handle: str = f"{NAMESPACE}.scored-from-s3"  # its artifact not in the table
    versions_handle: str = f"{NAMESPACE}.versioned"
    runs_handle: str = f"{NAMESPACE}.trained"
    run_id: str = ""  # a running run of ``runs_handle``

    @staticmethod
    def create() -> Seeds:
        from u22a8.domain.keys_service import issue_key

        issued = issue_key(NAMESPACE, "cold-start benchmark")
        seeds = Seeds(key=issued.key, key_id=issued.record.key_id)
        for handle in (seeds.read_handle, seeds.patch_handle, seeds.samples_handle):
            seed_model(handle)
        seed_samples(seeds.samples_handle, 3)
        for handle in (seeds.score_handle, seeds.versions_handle):
            seed_model(handle)
            seed_active_version(handle)
        seed_model(seeds.large_score_handle)
        seed_active_version(seeds.large_score_handle, copy_into_table=False)
        seed_model(seeds.runs_handle)
        return replace(seeds, run_id=seed_run(seeds.runs_handle))


CRITERIA = ("clarity", "concision")


def seed_model(handle: str) -> None:
    from u22a8.api.mapping import new_model
    from u22a8.api.schemas import CREATE_MODEL_BODY
    from u22a8.domain import models_service
    from u22a8.domain.clock import utc_now

    request = CREATE_MODEL_BODY.validate({"handle": handle, "criteria": list(CRITERIA)})
    models_service.create_model(NAMESPACE, new_model(request, utc_now()))


def seed_samples(handle: str, count: int) -> list[str]:
    from u22a8.domain import samples_service
    from u22a8.domain.sample import NewSample

    samples = [
        NewSample(text=f"seeded sample {i}", scores={CRITERIA[0]: 0.5}) for i in range(count)
    ]
    return samples_service.add_samples(NAMESPACE, handle, samples)


def seed_active_version(handle: str, copy_into_table: bool = True) -> None:
    """A fitted version of ``handle``, published as the workflow does (artifact, its copy in the
    table unless ``copy_into_table`` is false, as for an artifact too large to copy; item,
    pointer), so the score route's first request loads a real artifact."""
    from u22a8.config import get_settings
    from u22a8.data import artifacts, clients, inline_artifacts, versions_repo
    from u22a8.data.models_repo import META_SK, model_pk
    from u22a8.domain.version import Version, new_version_id
    from u22a8.training import FeatureCache, LabelledSample, TrainingParams, fit

    samples = [
        LabelledSample(
            " ".join(["clear plain words" if i % 2 else "synergy paradigm leverage"] * (1 + i % 5)),
            {name: float(i % 2) for name in CRITERIA},
        )
        for i in range(40)
    ]
    fitted = fit(samples, CRITERIA, TrainingParams(), cache=FeatureCache())
    version_id = new_version_id()
    key = artifacts.artifact_key(handle, version_id)
    blob = fitted.to_bytes()
    artifacts.put_artifact(key, blob)
    if copy_into_table:
        clients.dynamodb().transact_write_items(
            TransactItems=inline_artifacts.put_actions(handle, version_id, blob)
        )
    created = "2026-05-01T00:00:00.000Z"
    version = Version(
        version_id=version_id, version=1, created_at=created, run_id=None, artifact_key=key
    )
    versions_repo.put(handle, version)
    clients.dynamodb().update_item(
        TableName=get_settings().models_table,
        Key={"pk": {"S": model_pk(handle)}, "sk": {"S": META_SK}},
        UpdateExpression="SET active_version = :n, active_version_id = :id, #state = :ready",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues={
            ":n": {"N": "1"},
            ":id": {"S": version_id},
            ":ready": {"S": "ready"},
        },
    )


def seed_tag(handle: str, tag: str, number: int = 1) -> None:
    from u22a8.domain import versions_service

    versions_service.put_tag(NAMESPACE, handle, tag, number)


def seed_run(handle: str) -> str:
    """A running run of ``handle`` (a draft model), started by the train use case; its id. The
    execution stays RUNNING (no engine), so the run can be read and cancelled."""
    from u22a8.domain import runs_service
    from u22a8.domain.run import TrainRequest
    from u22a8.observability import logger

    level = logger.log_level
    logger.setLevel(logging.WARNING)  # its info line would land in the report, on stdout
    try:
        outcome = runs_service.train(NAMESPACE, handle, TrainRequest(), None)
    finally:
        logger.setLevel(level)
    if outcome.run_id is None:
        raise RuntimeError(f"{handle}: train started no run ({outcome.state.value})")
    return outcome.run_id


def method_arn(method: str, path: str) -> str:
    stage = template.parameter_default("StageName")
    account = f"{resources.REGION}:{resources.ACCOUNT_ID}"
    return f"arn:aws:execute-api:{account}:{API_ID}/{stage}/{method}{path}"


def proxy_event(
    route: template.Route,
    seeds: Seeds,
    path_parameters: Mapping[str, str] | None = None,
    body: Any = None,
    extra_headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A REST (v1) Lambda proxy event as API Gateway sends it after the authorizer allowed it."""
    path_parameters = dict(path_parameters or {})
    path = route.path
    for name, value in path_parameters.items():
        path = path.replace(f"{{{name}}}", value)
    if "{" in path:
        raise ValueError(f"{route.method} {route.path}: path parameters left unfilled in {path}")
    stage = str(template.parameter_default("StageName"))
    headers = {
        "Accept": "application/json",
        "Authorization": f"Bearer {seeds.key}",
        "Host": f"{API_ID}.execute-api.{resources.REGION}.amazonaws.com",
        "User-Agent": "u22a8-bench",
        "X-Forwarded-Proto": "https",
        **({"Content-Type": "application/json"} if body is not None else {}),
        **(extra_headers or {}),
    }
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": route.method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": route.method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "accountId": resources.ACCOUNT_ID,
            "apiId": API_ID,
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {
                "principalId": seeds.key_id,
                "integrationLatency": 0,
                "namespace": NAMESPACE,
                "key_id": seeds.key_id,
            },
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


# Request recipes: the common, successful request of each route. ``tag`` names the run ("warm",
# "r0", ...) so that requests needing fresh state (a new handle, a live model to archive, a sample
# to delete) get their own, seeded by the recipe before the child starts.


def _create_model(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"handle": f"{NAMESPACE}.create-{tag}", "criteria": list(CRITERIA)}
    return proxy_event(route, seeds, body=body)


def _create_model_idempotent(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"handle": f"{NAMESPACE}.idem-{tag}", "criteria": list(CRITERIA)}
    key = {"Idempotency-Key": f"bench-{tag}-{uuid.uuid4().hex}"}
    return proxy_event(route, seeds, body=body, extra_headers=key)


def _list_models(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds)


def _get_model(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.read_handle})


def _patch_model(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"description": f"patched in run {tag}"}  # non-empty: one conditional UpdateItem
    return proxy_event(route, seeds, {"handle": seeds.patch_handle}, body)


def _archive_model(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    handle = f"{NAMESPACE}.archive-{tag}"
    seed_model(handle)  # archiving a live model is the common case
    return proxy_event(route, seeds, {"handle": handle})


def _add_samples(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"samples": [{"text": f"sample of run {tag}", "scores": {CRITERIA[0]: 0.8}}]}
    return proxy_event(route, seeds, {"handle": seeds.samples_handle}, body)


def _list_samples(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.samples_handle})


def _score(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"texts": [f"A clear and plain text of run {tag}.", "Leverage the paradigm."]}
    return proxy_event(route, seeds, {"handle": seeds.score_handle}, body)


def _score_from_s3(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    body = {"texts": [f"A clear and plain text of run {tag}.", "Leverage the paradigm."]}
    return proxy_event(route, seeds, {"handle": seeds.large_score_handle}, body)


def _delete_sample(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    (sample_id,) = seed_samples(seeds.samples_handle, 1)
    return proxy_event(route, seeds, {"handle": seeds.samples_handle, "sample_id": sample_id})


def _list_versions(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.versions_handle})


def _get_version(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.versions_handle, "n": "1"})


def _put_tag(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    path = {"handle": seeds.versions_handle, "tag": f"put-{tag}"}  # a new tag each run
    return proxy_event(route, seeds, path, {"version": 1})


def _delete_tag(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    name = f"delete-{tag}"
    seed_tag(seeds.versions_handle, name)  # removing an existing tag is the common case
    return proxy_event(route, seeds, {"handle": seeds.versions_handle, "tag": name})


def _train(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    handle = f"{NAMESPACE}.train-{tag}"
    seed_model(handle)  # a draft model: the claim succeeds and one execution starts
    return proxy_event(route, seeds, {"handle": handle}, {"effort": "low"})


def _list_runs(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.runs_handle})


def _get_run(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"handle": seeds.runs_handle, "run_id": seeds.run_id})


def _cancel_run(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    handle = f"{NAMESPACE}.cancel-{tag}"
    seed_model(handle)  # a cancelled run cannot be cancelled again: a running one per run
    return proxy_event(route, seeds, {"handle": handle, "run_id": seed_run(handle)})


WEBHOOK_URL = "https://93.184.215.14/hooks"  # a public address: no DNS lookup to time


def _seed_webhook() -> str:
    from u22a8.domain import webhooks_service

    created = webhooks_service.create_webhook(NAMESPACE, WEBHOOK_URL, ("*",), None)
    return created.webhook.webhook_id


def _create_webhook(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, body={"url": WEBHOOK_URL, "events": ["run.succeeded"]})


def _list_webhooks(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    _seed_webhook()
    return proxy_event(route, seeds)


def _webhook(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    """A request on a fresh endpoint (get, delete, rotate-secret, ping, deliveries)."""
    return proxy_event(route, seeds, {"id": _seed_webhook()})


def _patch_webhook(route: template.Route, seeds: Seeds, tag: str) -> dict[str, Any]:
    return proxy_event(route, seeds, {"id": _seed_webhook()}, {"description": f"run {tag}"})


@dataclass(frozen=True)
class Recipe:
    make: Callable[[template.Route, Seeds, str], dict[str, Any]]
    status: int
    calls: dict[str, int] | None = None  # the issue's target for this request, if it sets one
    variant: str = ""  # set when a route is measured more than once
    # False for a variant that shows a data-dependent path (reported, not held to the 1.6 target)
    judged: bool = True


RECIPES: dict[tuple[str, str], tuple[Recipe, ...]] = {
    ("POST", "/v1/models"): (
        Recipe(_create_model, 201, {"dynamodb.PutItem": 1}),
        # A separate row: this path loads Powertools idempotency and writes its record.
        Recipe(_create_model_idempotent, 201, variant="Idempotency-Key"),
    ),
    ("GET", "/v1/models"): (Recipe(_list_models, 200),),
    ("GET", "/v1/models/{handle}"): (Recipe(_get_model, 200, {"dynamodb.GetItem": 1}),),
    ("PATCH", "/v1/models/{handle}"): (Recipe(_patch_model, 200, {"dynamodb.UpdateItem": 1}),),
    ("DELETE", "/v1/models/{handle}"): (Recipe(_archive_model, 200),),
    ("POST", "/v1/models/{handle}/samples"): (Recipe(_add_samples, 201),),
    ("GET", "/v1/models/{handle}/samples"): (Recipe(_list_samples, 200),),
    ("DELETE", "/v1/models/{handle}/samples/{sample_id}"): (Recipe(_delete_sample, 204),),
    # The first request of a container loads the active version: the model item and the artifact.
    ("POST", "/v1/models/{handle}/score"): (
        Recipe(_score, 200, {"dynamodb.GetItem": 1, "dynamodb.Query": 1}),
        Recipe(
            _score_from_s3,
            200,
            {"dynamodb.GetItem": 1, "dynamodb.Query": 1, "s3.GetObject": 1},
            variant="artifact too large for the table",
            judged=False,
        ),
    ),
    ("GET", "/v1/models/{handle}/versions"): (Recipe(_list_versions, 200),),
    ("GET", "/v1/models/{handle}/versions/{n}"): (Recipe(_get_version, 200),),
    ("PUT", "/v1/models/{handle}/tags/{tag}"): (Recipe(_put_tag, 200),),
    ("DELETE", "/v1/models/{handle}/tags/{tag}"): (Recipe(_delete_tag, 200),),
    ("POST", "/v1/models/{handle}/train"): (Recipe(_train, 202),),
    ("GET", "/v1/models/{handle}/runs"): (Recipe(_list_runs, 200),),
    ("GET", "/v1/models/{handle}/runs/{run_id}"): (Recipe(_get_run, 200),),
    ("POST", "/v1/models/{handle}/runs/{run_id}/cancel"): (Recipe(_cancel_run, 200),),
    ("POST", "/v1/webhooks"): (
        Recipe(_create_webhook, 201, {"kms.Encrypt": 1, "dynamodb.TransactWriteItems": 1}),
    ),
    ("GET", "/v1/webhooks"): (Recipe(_list_webhooks, 200),),
    ("GET", "/v1/webhooks/{id}"): (Recipe(_webhook, 200, {"dynamodb.GetItem": 1}),),
    ("PATCH", "/v1/webhooks/{id}"): (Recipe(_patch_webhook, 200, {"dynamodb.UpdateItem": 1}),),
    ("DELETE", "/v1/webhooks/{id}"): (Recipe(_webhook, 204),),
    ("POST", "/v1/webhooks/{id}/rotate-secret"): (Recipe(_webhook, 200),),
    ("POST", "/v1/webhooks/{id}/ping"): (Recipe(_webhook, 202),),
    ("GET", "/v1/webhooks/{id}/deliveries"): (Recipe(_webhook, 200),),
}
AUTHORIZER_CALLS = {"dynamodb.GetItem": 1}


# -------------------------------------------------------------------------------------- targets

EventFactory = Callable[[str], dict[str, Any]]  # run tag -> event (seeding what it needs)


@dataclass(frozen=True)
class Target:
    label: str
    route: str
    spec: template.FunctionSpec | None  # None: the floor
    make_event: EventFactory | None
    expected_status: int | str | None
    expected_calls: dict[str, int] | None  # None: reported, no target
    environment: dict[str, str]
    judged: bool = True  # held to the ratio target


def _recipe_event(recipe: Recipe, route: template.Route, seeds: Seeds) -> EventFactory:
    def make(tag: str) -> dict[str, Any]:
        return recipe.make(route, seeds, tag)

    return make


def _constant_event(event: dict[str, Any]) -> EventFactory:
    def make(_tag: str) -> dict[str, Any]:
        return dict(event)

    return make


def discover_targets(seeds: Seeds, names: dict[str, str]) -> tuple[list[Target], list[str]]:
    """Targets for every function of the template (its routes, or the authorizer's TOKEN event),
    and the routes that could not be measured because no request recipe exists for them."""
    authorizer = template.authorizer()
    targets: list[Target] = []
    unmeasured: list[str] = []
    for logical_id, spec in template.functions().items():
        env = template.environment_for(spec, names)
        if logical_id == authorizer.function:
            token = {
                "type": "TOKEN",
                "authorizationToken": f"Bearer {seeds.key}",
                "methodArn": method_arn("GET", "/v1/models"),
            }
            kind = f"TOKEN authorizer ({authorizer.header})"
            targets.append(
                Target(
                    logical_id, kind, spec, _constant_event(token), "Allow", AUTHORIZER_CALLS, env
                )
            )
            continue
        if not spec.routes:
            unmeasured.append(f"{logical_id}: no API route and not the authorizer")
        for route in spec.routes:
            recipes = RECIPES.get((route.method, route.path))
            if not recipes:
                unmeasured.append(
                    f"{logical_id} ({route.method} {route.path}): no request recipe; add one to "
                    "RECIPES in bench/cold_start.py"
                )
                continue
            for recipe in recipes:
                label = f"{logical_id} ({recipe.variant})" if recipe.variant else logical_id
                targets.append(
                    Target(
                        label,
                        f"{route.method} {route.path}",
                        spec,
                        _recipe_event(recipe, route, seeds),
                        recipe.status,
                        recipe.calls,
                        env,
                        recipe.judged,
                    )
                )
    return targets, unmeasured


# ------------------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    import_ms: float
    first_request_ms: float
    total_ms: float
    cpu_ms: float
    status: int | str | None
    calls: dict[str, int]
    import_calls: dict[str, int]
    http_attempts: int
    server_requests: int | None
    server_ms: float | None


@dataclass
class Measured:
    target: Target
    samples: list[Sample] = field(default_factory=list)
    error: str | None = None

    def median(self, attribute: str) -> float:
        return statistics.median(float(getattr(s, attribute)) for s in self.samples)


def run_child(target: Target, tag: str, emulator: Emulator) -> Sample:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        **aws_environment(emulator.endpoint),
        **target.environment,
    }
    if target.spec is None or target.make_event is None:
        args = ["floor"]
    else:
        spec = target.spec
        path = ROOT / spec.code_uri / f"{spec.handler.rsplit('.', 1)[0]}.py"
        context = {
            "function_name": spec.logical_id,
            "function_version": "$LATEST",
            "memory_limit_in_mb": 1024,
            "aws_request_id": str(uuid.uuid4()),
            "timeout_ms": 10_000,
            "invoked_function_arn": (
                f"arn:aws:lambda:{resources.REGION}:{resources.ACCOUNT_ID}"
                f":function:{spec.logical_id}"
            ),
            "log_group_name": f"/aws/lambda/{spec.logical_id}",
            "log_stream_name": "bench",
        }
        args = [
            "handler",
            str(path),
            f"_cold_start_{spec.logical_id}",
            spec.function_name,
            json.dumps(target.make_event(tag)),
            json.dumps(context),
        ]
    if emulator.counter is not None:
        emulator.counter.take()  # forget the seeding requests
    completed = subprocess.run(
        [sys.executable, *PYTHON_FLAGS, "-c", CHILD_CODE, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    server_requests, server_ms = emulator.counter.take() if emulator.counter else (None, None)
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(
            f"{target.label}: child exited {completed.returncode}\n"
            f"{completed.stderr[-3000:]}\n{completed.stdout[-2000:]}"
        )
    raw = json.loads(lines[-1][len(RESULT_MARKER) :])
    return Sample(server_requests=server_requests, server_ms=server_ms, **raw)


def measure(
    targets: list[Target], floor: Target, runs: int, emulator: Emulator, progress: bool
) -> tuple[Measured, list[Measured]]:
    everything = [floor, *targets]
    results = {id(t): Measured(t) for t in everything}
    # One unmeasured run of each fills the bytecode caches (.pyc), as a built layer ships them.
    for run, tag in enumerate(["warm", *(f"r{n}" for n in range(runs))]):
        if progress and run:
            print(f"  round {run}/{runs}", file=sys.stderr, flush=True)
        for target in everything:  # round-robin: drift hits every target alike
            measured = results[id(target)]
            if measured.error is not None:
                continue
            try:
                sample = run_child(target, tag, emulator)
            except Exception as error:
                if target is floor:
                    raise
                # One broken route (say, a recipe out of date) must not hide the others' results.
                measured.error = f"{type(error).__name__}: {error}".strip()
                continue
            if run:
                measured.samples.append(sample)
    return results[id(floor)], [results[id(t)] for t in targets]


# --------------------------------------------------------------------------------------- report


def format_calls(calls: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {TIMES}{count}" for name, count in sorted(calls.items())) or "none"


def _distinct(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def timings(measured: Measured) -> dict[str, Any]:
    """Medians (each on its own, so the parts need not add up to the total) and the spread."""
    samples = measured.samples
    totals = [s.total_ms for s in samples]
    server = [s.server_ms for s in samples if s.server_ms is not None]
    return {
        "import_ms": round(measured.median("import_ms"), 1),
        "first_request_ms": round(measured.median("first_request_ms"), 1),
        "total_ms": round(measured.median("total_ms"), 1),
        "total_ms_min": round(min(totals), 1),
        "total_ms_max": round(max(totals), 1),
        "cpu_ms": round(measured.median("cpu_ms"), 1),
        "emulator_ms": round(statistics.median(server), 1) if len(server) == len(samples) else None,
    }


def evaluate(measured: Measured, floor: Measured, judge: str) -> dict[str, Any]:
    """One table row; ``judge`` ("wall" or "cpu") says which ratio the 1.6 target is checked on."""
    target = measured.target
    if measured.error is not None:
        lines = [line for line in measured.error.splitlines() if line.strip()] or ["error"]
        first_line = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
        return {
            "function": target.label,
            "route": target.route,
            "pass": False,
            "missed": [f"not measured: {first_line}"],
            "error": measured.error,
            "notes": [],
        }
    ratio = measured.median("total_ms") / floor.median("total_ms")
    cpu_ratio = measured.median("cpu_ms") / floor.median("cpu_ms")
    call_variants = _distinct(s.calls for s in measured.samples)
    statuses = _distinct(s.status for s in measured.samples)
    problems: list[str] = []
    judged = cpu_ratio if judge == "cpu" else ratio
    if judged > RATIO_TARGET and target.judged:
        kind = "CPU-time ratio" if judge == "cpu" else "cold ratio"
        problems.append(f"{kind} {judged:.2f} > {RATIO_TARGET}")
    if target.expected_calls is not None and call_variants != [target.expected_calls]:
        seen = " / ".join(format_calls(c) for c in call_variants)
        problems.append(f"AWS calls {seen}, target {format_calls(target.expected_calls)}")
    if statuses != [target.expected_status]:
        problems.append(f"status {statuses}, expected {target.expected_status}")
    notes: list[str] = []
    if not target.judged:
        notes.append(f"a data-dependent path: reported, not held to the {RATIO_TARGET} target")
    if len(call_variants) > 1:
        notes.append("AWS calls differed between runs")
    for sample in measured.samples:
        if sample.import_calls:
            notes.append(f"AWS calls at import: {format_calls(sample.import_calls)}")
            break
    for sample in measured.samples:
        if sample.http_attempts != sum(sample.calls.values()):
            notes.append(f"{sample.http_attempts} HTTP attempts for {sum(sample.calls.values())}")
            break
    for sample in measured.samples:
        if sample.server_requests is not None and sample.server_requests != sample.http_attempts:
            notes.append(
                f"server saw {sample.server_requests} requests, client sent {sample.http_attempts}"
            )
            break
    return {
        "function": target.label,
        "route": target.route,
        **timings(measured),
        "ratio": round(ratio, 2),
        "cpu_ratio": round(cpu_ratio, 2),
        "calls": call_variants[0] if len(call_variants) == 1 else call_variants,
        "expected_calls": target.expected_calls,
        "status": statuses[0] if len(statuses) == 1 else statuses,
        "pass": not problems,
        "judged": target.judged,
        "missed": problems,
        "notes": notes,
        "samples": [vars(s) for s in measured.samples],
    }


def contention(floor: Measured) -> list[str]:
    """Signs that other processes competed for the CPUs, which makes wall-clock ratios unreliable.

    Importing is CPU-bound, so on an idle machine the floor's CPU time is close to its wall time and
    its runs agree; waiting for a CPU shows up as wall time without CPU time, and as spread.
    """
    warnings: list[str] = []
    totals = [s.total_ms for s in floor.samples]
    spread = (max(totals) - min(totals)) / statistics.median(totals)
    cpu_share = statistics.median(s.cpu_ms / s.total_ms for s in floor.samples)
    if spread > MAX_FLOOR_SPREAD:
        warnings.append(
            f"the floor's runs spread {min(totals):.0f}-{max(totals):.0f} ms "
            f"({spread:.0%} of the median)"
        )
    if cpu_share < MIN_CPU_SHARE:
        warnings.append(f"the floor got the CPU for only {cpu_share:.0%} of its wall time")
    return warnings


def markdown(rows: list[dict[str, Any]], floor: dict[str, Any], runs: int, judge: str) -> str:
    judged = "CPU-time ratio" if judge == "cpu" else "ratio"
    lines = [
        "Cold start = import of the handler + its first request, in fresh "
        f"`python {' '.join(PYTHON_FLAGS)}` processes (median of {runs}); bytecode caches (.pyc) "
        "warmed by one unmeasured run of each, as a built layer ships them. AWS is moto's server "
        "on 127.0.0.1 (its time is in the first request).",
        f"Floor `python -c \"import boto3; boto3.client('dynamodb')\"`, same run and timing: "
        f"**{floor['total_ms']:.1f} ms** wall, {floor['cpu_ms']:.1f} ms CPU "
        f"(import boto3 {floor['import_ms']:.1f} ms, client {floor['first_request_ms']:.1f} ms).",
        "",
        "| function | route | import (ms) | first request (ms) | of which moto (ms) "
        "| cold total (ms) | ratio to floor | CPU-time ratio "
        f"| AWS calls in first request | status | targets ({judged} ≤ {RATIO_TARGET}) |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|---|---|",
    ]
    for row in rows:
        if "error" in row:
            lines.append(
                f"| {row['function']} | `{row['route']}` | - | - | - | - | - | - | - | - "
                f"| FAIL: {'; '.join(row['missed'])} |"
            )
            continue
        calls = row["calls"]
        shown = (
            format_calls(calls) if isinstance(calls, dict) else " / ".join(map(format_calls, calls))
        )
        verdict = "PASS" if row["pass"] else "FAIL: " + "; ".join(row["missed"])
        if row["pass"] and not row.get("judged", True):
            verdict = "reported, not judged"
        emulator = "n/a" if row["emulator_ms"] is None else f"{row['emulator_ms']:.1f}"
        lines.append(
            f"| {row['function']} | `{row['route']}` | {row['import_ms']:.1f} "
            f"| {row['first_request_ms']:.1f} | {emulator} | {row['total_ms']:.1f} "
            f"| {row['ratio']:.2f} | {row['cpu_ratio']:.2f} "
            f"| {shown} | {row['status']} | {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per target (7)")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument(
        "--judge",
        choices=("auto", "wall", "cpu"),
        default="auto",
        help="ratio checked against the target: wall time, CPU time, or auto (wall unless the "
        "machine was busy, then CPU time)",
    )
    parser.add_argument(
        "--only",
        metavar="REGEX",
        help="measure only the handlers whose label matches REGEX (the floor always runs)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    emulator = start_emulator()
    try:
        seeds = Seeds.create()
        targets, unmeasured = discover_targets(seeds, emulator.names)
        if args.only:
            targets = [t for t in targets if re.search(args.only, t.label)]
        floor_target = Target(
            "floor",
            "import boto3; boto3.client('dynamodb')",
            None,
            None,
            None,
            None,
            resources.function_environment(emulator.names),
        )
        if not args.json:
            print(
                f"measuring {len(targets)} handlers + floor, {args.runs} runs each "
                f"(moto at {emulator.endpoint})...",
                file=sys.stderr,
                flush=True,
            )
        floor, measured = measure(targets, floor_target, args.runs, emulator, not args.json)
    finally:
        emulator.stop()

    floor_row = timings(floor)
    busy = contention(floor)
    judge = args.judge if args.judge != "auto" else ("cpu" if busy else "wall")
    rows = [evaluate(m, floor, judge) for m in measured]
    missed = [f"{row['function']}: {problem}" for row in rows for problem in row["missed"]]
    notes = [f"{row['function']}: {note}" for row in rows for note in row["notes"]]

    if args.json:
        report = {
            "python": platform.python_version(),
            "python_flags": list(PYTHON_FLAGS),
            "runs": args.runs,
            "bytecode_warmed": True,
            "ratio_target": RATIO_TARGET,
            "judged_on": judge,
            "floor": {**floor_row, "samples": [vars(s) for s in floor.samples]},
            "handlers": rows,
            "targets_missed": missed,
            "contention": busy,
            "notes": notes,
            "unmeasured": unmeasured,
        }
        print(json.dumps(report, indent=2))
        return 0

    print(markdown(rows, floor_row, args.runs, judge))
    print()
    for line in unmeasured:
        print(f"NOT MEASURED: {line}")
    for line in notes:
        print(f"note: {line}")
    if busy:
        print(
            "WARNING: the machine was busy, so wall-clock ratios are unreliable ("
            + "; ".join(busy)
            + "). Rerun when it is idle; the CPU-time ratio is less affected."
        )
    if judge == "cpu":
        print(f"The {RATIO_TARGET} target was checked on the CPU-time ratio.")
    if missed:
        print(f"TARGETS MISSED ({len(missed)}):")
        for line in missed:
            print(f"  - {line}")
    else:
        print("All targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
