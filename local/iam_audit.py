"""The IAM audit: every AWS call each function (and the state machine) makes, checked against its
role's policy in ``template.yaml`` (``local.iam_policies``), so a missing grant fails the suite
here instead of answering ``AccessDenied`` on AWS.

* ``install`` adds two botocore event handlers to every botocore session created afterwards
  (``botocore.handlers.BUILTIN_HANDLERS``, as moto does): ``before-parameter-build`` records each
  call of an *acting* principal, turned into the authorizations IAM makes for it
  (:func:`requests_for`: a transaction is one per item, ``DeleteObjects`` one per key, a query of
  an index is on the index's ARN, ``ListObjectsV2`` carries ``s3:prefix``); ``after-call`` on S3
  answers a ``GetObject``/``HeadObject`` of a missing key with 403 ``AccessDenied`` when the
  caller's role lacks ``s3:ListBucket`` on the bucket, as S3 does (moto always answers 404).
* A principal acts while ``acting_as(logical_id)`` is active in its thread (the local gateway's
  function pools and the stream poller's direct delivery wrap each invocation); calls from moto's
  Step Functions engine (its ``lambda:invoke`` tasks) act as the template's state machine.
* ``recording(prefix, sink)`` collects the calls (and appends them as JSON lines to ``sink``, which
  the end-to-end suite reads from the local stack's process); :func:`violations` names each
  principal, action and resource its policy would refuse.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import botocore.handlers

from local import iam_policies, patches, template
from local.iam_policies import PARTITION, Request
from local.resources import ACCOUNT_ID, REGION

_acting: ContextVar[str | None] = ContextVar("iam_audit_acting", default=None)
# Where the local stack appends its calls (JSON lines), for the end-to-end suite to check.
SINK_VARIABLE: Final = "U22A8_IAM_AUDIT_FILE"
_CONTEXT_KEY: Final = "u22a8_iam_audit"
# moto's Step Functions engine runs a task's ``lambda:invoke`` from here (not the execution's
# end, where the local EventBridge puts its status-change event: that is EventBridge's call).
_ENGINE_TASKS: Final = "moto.stepfunctions.parser.asl.component.state.exec.state_task"
_NOBODY: Final = ""
_IAM_PREFIX: Final = {"stepfunctions": "states", "dynamodbstreams": "dynamodb"}
_TRANSACT_ACTIONS: Final = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
_S3_OBJECT_ACTIONS: Final = {
    "GetObject": "GetObject",
    "HeadObject": "GetObject",
    "PutObject": "PutObject",
    "DeleteObject": "DeleteObject",
}


@contextmanager
def acting_as(principal: str) -> Iterator[None]:
    """AWS calls made in this block (in this thread) are ``principal``'s (a logical id)."""
    token = _acting.set(principal)
    try:
        yield
    finally:
        _acting.reset(token)


@contextmanager
def outside_functions() -> Iterator[None]:
    """Calls made in this block are no function's: a test standing in for something else (a
    concurrent writer, an AWS service) while a function's invocation is under way."""
    token = _acting.set(_NOBODY)
    try:
        yield
    finally:
        _acting.reset(token)


@contextmanager
def substituting(physical: str, deployed: str) -> Iterator[None]:
    """Check calls on resources named ``physical`` as calls on ``deployed``: a test that runs a
    variant of a stack resource under another name (a state machine with a shorter timeout)."""
    _substitutions.append((physical, deployed))
    try:
        yield
    finally:
        _substitutions.remove((physical, deployed))


_substitutions: list[tuple[str, str]] = []


# -- calls to authorizations ----------------------------------------------------------------------


def _table_arn(name: str) -> str:
    if name.startswith("arn:"):
        return name
    return f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"


def _dynamodb(operation: str, params: Mapping[str, Any]) -> list[Request]:
    if operation in {"TransactWriteItems", "TransactGetItems"}:
        requests = []
        for item in params.get("TransactItems", []):
            ((kind, action),) = item.items()
            arn = _table_arn(str(action["TableName"]))
            requests.append(Request(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", arn))
        return requests
    if operation in {"BatchWriteItem", "BatchGetItem"}:
        return [
            Request(f"dynamodb:{operation}", _table_arn(str(table)))
            for table in params.get("RequestItems", {})
        ]
    arn = _table_arn(str(params.get("TableName", "*")))
    if params.get("IndexName"):
        arn = f"{arn}/index/{params['IndexName']}"
    return [Request(f"dynamodb:{operation}", arn)]


def _s3(operation: str, params: Mapping[str, Any]) -> list[Request]:
    bucket = f"arn:{PARTITION}:s3:::{params.get('Bucket', '*')}"
    if operation in _S3_OBJECT_ACTIONS:
        return [Request(f"s3:{_S3_OBJECT_ACTIONS[operation]}", f"{bucket}/{params['Key']}")]
    if operation == "DeleteObjects":
        objects = params.get("Delete", {}).get("Objects", [])
        return [Request("s3:DeleteObject", f"{bucket}/{o['Key']}") for o in objects]
    if operation in {"ListObjectsV2", "ListObjects"}:
        context = (("s3:prefix", str(params["Prefix"])),) if "Prefix" in params else ()
        return [Request("s3:ListBucket", bucket, context)]
    return [Request(f"s3:{operation}", bucket)]


def _states(operation: str, params: Mapping[str, Any]) -> list[Request]:
    arn = params.get("stateMachineArn") or params.get("executionArn") or "*"
    return [Request(f"states:{operation}", str(arn))]


def _events(operation: str, params: Mapping[str, Any]) -> list[Request]:
    if operation != "PutEvents":
        return [Request(f"events:{operation}", "*")]
    buses = {str(entry.get("EventBusName") or "default") for entry in params.get("Entries", [])}
    return [
        Request(
            "events:PutEvents",
            bus
            if bus.startswith("arn:")
            else f"arn:{PARTITION}:events:{REGION}:{ACCOUNT_ID}:event-bus/{bus}",
        )
        for bus in sorted(buses)
    ]


# SQS authorizes a batch call as its single-message action.
_SQS_ACTIONS: Final = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


def _sqs(operation: str, params: Mapping[str, Any]) -> list[Request]:
    """A queue call is authorized against the queue's ARN (its URL's last segment is the name)."""
    url = str(params.get("QueueUrl") or "")
    if not url:
        return [Request(f"sqs:{operation}", "*")]
    name = url.rstrip("/").rsplit("/", 1)[-1]
    arn = f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT_ID}:{name}"
    return [Request(f"sqs:{_SQS_ACTIONS.get(operation, operation)}", arn)]


def _kms(operation: str, params: Mapping[str, Any]) -> list[Request]:
    """A key call is authorized against the key's ARN. Local keys get random ids, so the key is
    named by what the caller sent (an alias name or id) under ``key/``; the template's grant of
    ``!GetAtt Key.Arn`` resolves to ``key/*`` (``local.iam_policies``): the action is checked
    exactly, the key only as "a key of this account"."""
    key = str(params.get("KeyId") or "unknown")
    if key.startswith("arn:"):
        key = key.rsplit(":", 1)[-1].removeprefix("key/")
    return [Request(f"kms:{operation}", f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT_ID}:key/{key}")]


def _lambda(operation: str, params: Mapping[str, Any]) -> list[Request]:
    name = str(params.get("FunctionName", "*"))
    if not name.startswith("arn:"):
        name = f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
    if params.get("Qualifier"):
        name = f"{name}:{params['Qualifier']}"
    action = "InvokeFunction" if operation == "Invoke" else operation
    return [Request(f"lambda:{action}", name)]


def requests_for(service: str, operation: str, params: Mapping[str, Any]) -> list[Request]:
    """The authorizations IAM makes for one API call (``service`` as boto3 names it)."""
    if service == "sts" and operation == "GetCallerIdentity":
        return []  # needs no permission
    mapping = {
        "dynamodb": _dynamodb,
        "dynamodbstreams": _dynamodb,
        "s3": _s3,
        "stepfunctions": _states,
        "events": _events,
        "lambda": _lambda,
        "sqs": _sqs,
        "kms": _kms,
    }
    if service in mapping:
        return mapping[service](operation, params)
    return [Request(f"{_IAM_PREFIX.get(service, service)}:{operation}", "*")]


# -- recording ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    principal: str
    service: str
    operation: str
    requests: tuple[Request, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "service": self.service,
            "operation": self.operation,
            "requests": [[r.action, r.resource, list(map(list, r.context))] for r in self.requests],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Call:
        requests = tuple(
            Request(action, resource, tuple((str(k), str(v)) for k, v in context))
            for action, resource, context in data["requests"]
        )
        return cls(str(data["principal"]), str(data["service"]), str(data["operation"]), requests)


class Recorder:
    """The calls of one stack (its physical-name ``prefix``), optionally mirrored to a file."""

    def __init__(self, prefix: str, sink: Path | None = None, keep: bool = True) -> None:
        self.prefix = prefix
        self.sink = sink
        self.keep = keep  # a long-running stack keeps nothing in memory
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def record(self, call: Call) -> None:
        with self._lock:
            if self.keep:
                self.calls.append(call)
            if self.sink is not None:
                with self.sink.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(call.to_json()) + "\n")

    def policy(self, principal: str) -> iam_policies.Policy | None:
        return iam_policies.policies(self.prefix).get(principal)


_recorders: list[Recorder] = []
_install_lock = threading.Lock()


def _state_machine() -> str:
    (logical_id,) = template.resources("AWS::Serverless::StateMachine")
    return logical_id


def _principal() -> str | None:
    """The acting function, or the state machine when a task of moto's engine makes the call."""
    acting = _acting.get()
    if acting is not None:
        return acting or None
    frame = sys._getframe(2)
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).startswith(_ENGINE_TASKS):
            return _state_machine()
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _before_parameter_build(params: Mapping[str, Any], model: Any, context: Any, **_: Any) -> None:
    if not _recorders:
        return
    principal = _principal()
    if principal is None:
        return
    service = str(model.service_model.service_name)
    requests = requests_for(service, model.name, params)
    for physical, deployed in list(_substitutions):
        requests = [
            Request(r.action, r.resource.replace(physical, deployed), r.context) for r in requests
        ]
    call = Call(principal, service, str(model.name), tuple(requests))
    context[_CONTEXT_KEY] = (call, dict(params))
    for recorder in list(_recorders):
        recorder.record(call)


def _after_s3_call(
    http_response: Any, parsed: dict[str, Any], model: Any, context: Any, **_: Any
) -> None:
    """S3 answers 403, not 404, for a missing key to a role without ``s3:ListBucket``."""
    if model.name not in {"GetObject", "HeadObject"} or http_response.status_code != 404:
        return
    recorded = context.get(_CONTEXT_KEY) if _recorders else None
    if recorded is None:
        return
    call, params = recorded
    policy = _recorders[-1].policy(call.principal)
    bucket = f"arn:{PARTITION}:s3:::{params['Bucket']}"
    if policy is None or policy.allows(Request("s3:ListBucket", bucket)):
        return
    code, message = (
        ("AccessDenied", "Access Denied") if model.name == "GetObject" else ("403", "Forbidden")
    )
    parsed["Error"] = {"Code": code, "Message": message}
    parsed.setdefault("ResponseMetadata", {})["HTTPStatusCode"] = 403


_HANDLERS: Final = (
    ("before-parameter-build", _before_parameter_build),
    ("after-call.s3", _after_s3_call),
)


@patches.guarded("iam-audit-handlers")
def install() -> None:
    """Hook every botocore session created from now on (idempotent)."""
    with _install_lock:
        for spec in _HANDLERS:
            if spec not in botocore.handlers.BUILTIN_HANDLERS:
                botocore.handlers.BUILTIN_HANDLERS.append(spec)


@contextmanager
def recording(prefix: str, sink: Path | None = None, keep: bool = True) -> Iterator[Recorder]:
    """Record the calls of the stack named ``prefix`` while the block runs."""
    install()
    recorder = Recorder(prefix, sink, keep)
    _recorders.append(recorder)
    try:
        yield recorder
    finally:
        _recorders.remove(recorder)


def read_calls(path: Path) -> list[Call]:
    """The calls a stack's process wrote to its sink."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Call.from_json(json.loads(line)) for line in lines if line.strip()]


def violations(calls: Sequence[Call], prefix: str) -> list[str]:
    """One line per principal, action and resource its policy would refuse (each once)."""
    policies = iam_policies.policies(prefix)
    found: dict[str, None] = {}
    for call in calls:
        policy = policies.get(call.principal)
        for request in call.requests:
            if policy is None or not policy.allows(request):
                found[f"{call.principal} may not {request} ({call.service}.{call.operation})"] = (
                    None
                )
    return list(found)
