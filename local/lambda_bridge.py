"""Makes moto's Lambda service run our real handlers, in-process, instead of Docker containers.

Everything that invokes a function through moto (a Step Functions ``lambda:invoke`` task or a plain
function-ARN task, a boto3 ``Invoke`` from a test or from a handler) ends in
``LambdaBackend.invoke(function_name, qualifier, body, headers, response_headers)``. ``install``
patches that one method (on ``LambdaBackend`` and on ``LambdaSimpleBackend``, which overrides it
when ``{"lambda": {"use_docker": False}}``), so it works alike under ``mock_aws`` and under
``moto.server.ThreadedMotoServer`` running in the same Python process. For a registered function
the patched method:

* resolves the name, ARN, partial ARN or ``name:qualifier`` with moto itself, so a function that
  was never created is still Lambda's 404 ``ResourceNotFoundException`` (``create_functions``
  creates them, one per ``AWS::Serverless::Function`` in ``template.yaml``);
* calls the target with the decoded JSON payload and answers its JSON result;
* reports an exception the way the Python runtime does: ``X-Amz-Function-Error: Unhandled`` and
  ``{"errorMessage", "errorType", "requestId", "stackTrace"}``, so Step Functions names the error
  after ``errorType`` (``Retry``/``Catch`` on ``ErrorEquals: ["ModelNotFound"]``,
  ``States.TaskFailed`` and ``States.ALL`` behave as on AWS);
* turns a ``LambdaServiceError`` raised by a target into a failure of the Lambda *service* (an
  HTTP error of the Invoke call itself), which Step Functions reports as ``Lambda.<code>``, e.g.
  ``Lambda.ServiceException``: the transient errors a state machine's ``Retry`` is written for.

Functions that are not registered keep moto's own behaviour (Docker, or moto's canned answers).

Two smaller bridges out of moto's Step Functions engine (``execute_state_machine``) live here too:
``watch_executions`` tells our code when an execution ends (moto emits no EventBridge "Step
Functions Execution Status Change" events, and has no other way to wait than polling), and
``instant_retries`` records the ``Retry`` intervals moto would otherwise really sleep.
"""

from __future__ import annotations

import decimal
import io
import json
import logging
import threading
import traceback
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError
from moto.awslambda.models import LambdaBackend
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.exceptions import JsonRESTError
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

from local import patches
from local.gateway import FunctionPool
from local.template import FunctionSpec

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

LOG = logging.getLogger(__name__)

LambdaTarget = Callable[[Any], Any]
"""What runs for a function: called with the decoded JSON event, returns a JSON-able result."""

DEFAULT_PREFIX: Final = "u22a8-local"
MAX_SYNC_PAYLOAD_BYTES: Final = 6 * 1024 * 1024  # Lambda's limit on a RequestResponse request
_RUNTIME: Final = "python3.12"


class LambdaServiceError(Exception):
    """Raise from a target to fail the Invoke call itself, as the Lambda service does.

    Step Functions reports it as ``Lambda.<code>`` (``Lambda.ServiceException``,
    ``Lambda.TooManyRequestsException``, ...), unlike a function error, which it names after the
    payload's ``errorType``.
    """

    def __init__(
        self, code: str = "ServiceException", message: str = "Internal error", status: int = 500
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class _ServiceFailure(JsonRESTError):
    """moto renders this as the Invoke API's error response."""

    def __init__(self, error: LambdaServiceError) -> None:
        super().__init__(error.code, error.message)
        self.code = error.status


class _RequestTooLarge(JsonRESTError):
    code = 413

    def __init__(self, size: int) -> None:
        super().__init__(
            "RequestEntityTooLargeException",
            f"{size} byte payload is too large for the RequestResponse invocation type "
            f"(limit {MAX_SYNC_PAYLOAD_BYTES} bytes)",
        )


class _InvalidRequestContent(JsonRESTError):
    code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(
            "InvalidRequestContentException", f"Could not parse request body into json: {detail}"
        )


class Registry:
    """Function name (as created in moto) → what runs when it is invoked. Thread-safe."""

    def __init__(self) -> None:
        self._targets: dict[str, LambdaTarget] = {}
        self._lock = threading.Lock()
        self._invocations: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()

    def register(self, function_name: str, target: LambdaTarget) -> None:
        with self._lock:
            self._targets[function_name] = target

    def unregister(self, function_name: str) -> None:
        with self._lock:
            self._targets.pop(function_name, None)

    def get(self, function_name: str) -> LambdaTarget | None:
        with self._lock:
            return self._targets.get(function_name)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._targets)

    def invocations(self, function_name: str) -> int:
        """How many times the function was invoked (successfully or not) through moto."""
        with self._lock:
            return self._invocations[function_name]

    def errors(self, function_name: str) -> int:
        """How many of those invocations ended in a function or service error."""
        with self._lock:
            return self._errors[function_name]

    def _count(self, function_name: str, *, failed: bool) -> None:
        with self._lock:
            self._invocations[function_name] += 1
            if failed:
                self._errors[function_name] += 1


# -- the patch -----------------------------------------------------------------------------------

_OriginalInvoke = Callable[..., str | bytes | None]

_state_lock = threading.Lock()
_active: Registry | None = None
_originals: dict[type[LambdaBackend], _OriginalInvoke] = {}


@patches.guarded("lambda-invoke-bridge")
def install(registry: Registry) -> None:
    """Route moto Lambda invocations of ``registry``'s functions to their targets.

    Process-wide (moto's backends are); one registry at a time. Installing the same registry again
    is a no-op; installing another one while one is installed is an error (``uninstall`` first).
    """
    global _active  # noqa: PLW0603 - the patch is process-wide by nature
    with _state_lock:
        if _active is registry:
            return
        if _active is not None:
            raise RuntimeError("a lambda_bridge registry is already installed; uninstall() first")
        for backend_class in (LambdaBackend, LambdaSimpleBackend):
            original = backend_class.__dict__["invoke"]
            _originals[backend_class] = original
            backend_class.invoke = _make_invoke(original)  # type: ignore[method-assign]
        _active = registry


def uninstall() -> None:
    """Restore moto's own ``invoke``. Safe to call when nothing is installed."""
    global _active  # noqa: PLW0603
    with _state_lock:
        for backend_class, original in _originals.items():
            backend_class.invoke = original  # type: ignore[method-assign]
        _originals.clear()
        _active = None


def active_registry() -> Registry:
    with _state_lock:
        if _active is None:
            raise RuntimeError("lambda_bridge is not installed")
        return _active


@contextmanager
def installed(registry: Registry | None = None) -> Iterator[Registry]:
    """``install`` for the duration of a ``with`` block (a fresh registry unless one is given)."""
    registry = registry if registry is not None else Registry()
    already = _active is registry
    install(registry)
    try:
        yield registry
    finally:
        if not already:
            uninstall()


def _make_invoke(original: _OriginalInvoke) -> _OriginalInvoke:
    def invoke(
        self: LambdaBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: dict[str, Any],
    ) -> str | bytes | None:
        # moto's own lookup: unknown functions are Lambda's 404, aliases/ARNs resolve as usual.
        function = self.get_function(function_name, qualifier)
        registry = _active
        target = registry.get(function.function_name) if registry is not None else None
        if registry is None or target is None:
            return original(self, function_name, qualifier, body, headers, response_headers)
        payload = _run(registry, function.function_name, target, body, headers, response_headers)
        response_headers["Content-Length"] = str(len(payload))
        response_headers.setdefault("X-Amz-Executed-Version", "$LATEST")
        return payload

    return invoke


def _header(headers: Any, name: str, default: str) -> str:
    for key, value in dict(headers or {}).items():
        if str(key).lower() == name.lower():
            return str(value)
    return default


def _decode_event(body: Any) -> Any:
    raw = body.encode() if isinstance(body, str) else bytes(body or b"")
    if len(raw) > MAX_SYNC_PAYLOAD_BYTES:
        raise _RequestTooLarge(len(raw))
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _InvalidRequestContent(str(error)) from error


def _run(
    registry: Registry,
    name: str,
    target: LambdaTarget,
    body: Any,
    headers: Any,
    response_headers: dict[str, Any],
) -> bytes:
    invocation_type = _header(headers, "X-Amz-Invocation-Type", "RequestResponse")
    event = _decode_event(body)
    if invocation_type == "DryRun":
        return b""
    request_id = str(uuid.uuid4())
    response_headers["x-amzn-RequestId"] = request_id
    failed = True
    try:
        result = target(event)
        payload = _marshal(result)
        failed = False
    except LambdaServiceError as error:
        registry._count(name, failed=True)
        raise _ServiceFailure(error) from error
    except _MarshalError as error:
        payload = _error_payload("Runtime.MarshalError", str(error), request_id, [])
        response_headers["x-amz-function-error"] = "Unhandled"
    except Exception as error:
        LOG.info("function %s raised %s: %s", name, type(error).__name__, error)
        stack = traceback.format_list(traceback.extract_tb(error.__traceback__)[1:])
        payload = _error_payload(type(error).__name__, str(error), request_id, stack)
        response_headers["x-amz-function-error"] = "Unhandled"
    registry._count(name, failed=failed)
    if invocation_type == "Event":
        # Lambda answers 202 with an empty body and keeps the outcome to itself. (Here the target
        # has already run, synchronously, so callers see its side effects at once.)
        response_headers.pop("x-amz-function-error", None)
        return b""
    return payload


class _MarshalError(Exception):
    pass


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):  # the runtime's encoder writes Decimals as numbers
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _marshal(result: Any) -> bytes:
    try:
        return json.dumps(result, default=_json_default, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise _MarshalError(f"Unable to marshal response: {error}") from error


def _error_payload(error_type: str, message: str, request_id: str, stack: list[str]) -> bytes:
    return json.dumps(
        {
            "errorMessage": message,
            "errorType": error_type,
            "requestId": request_id,
            "stackTrace": stack,
        }
    ).encode("utf-8")


# -- the template's functions --------------------------------------------------------------------


def function_name(logical_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The local physical name of a template function (Lambda allows 64 characters)."""
    name = f"{prefix}-{logical_id}"
    if len(name) > 64:
        raise ValueError(f"function name {name!r} is longer than Lambda's 64 characters")
    return name


def dummy_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Runs in-process through local.lambda_bridge.\n")
    return buffer.getvalue()


def ensure_execution_role(iam: Any, name: str = f"{DEFAULT_PREFIX}-execution") -> str:
    """An IAM role moto accepts for CreateFunction / CreateStateMachine (moto checks it exists)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    try:
        role = iam.get_role(RoleName=name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    return str(role["Role"]["Arn"])


def create_functions(
    lambda_client: LambdaClient,
    specs: Mapping[str, FunctionSpec],
    role_arn: str,
    *,
    registry: Registry | None = None,
    pools: Mapping[str, FunctionPool] | None = None,
    prefix: str = DEFAULT_PREFIX,
) -> dict[str, str]:
    """Create every function of ``specs`` in moto and register its handler; ``{logical_id: arn}``.

    ``specs`` is normally ``local.template.functions()``. Each function runs in a ``FunctionPool``
    (pass ``pools``, e.g. ``Gateway.pools``, to share warm containers with the local gateway).
    ``registry`` defaults to the installed one.
    """
    registry = registry if registry is not None else active_registry()
    code = dummy_zip()
    arns: dict[str, str] = {}
    for logical_id, spec in specs.items():
        name = function_name(logical_id, prefix)
        created = lambda_client.create_function(
            FunctionName=name,
            Runtime=_RUNTIME,
            Role=role_arn,
            Handler=spec.handler,
            Code={"ZipFile": code},
            Description=f"{logical_id} ({spec.code_uri}{spec.handler}), run by local.lambda_bridge",
        )
        pool = pools[logical_id] if pools is not None else FunctionPool(spec)
        registry.register(name, pool.invoke)
        arns[logical_id] = created["FunctionArn"]
    return arns


def physical_names(arns: Mapping[str, str]) -> dict[str, str]:
    """``Ref`` / ``GetAtt .Arn`` values of the created functions, keyed like ``template.resolve``.

    Merge with ``local.resources.physical_names()`` to resolve a state machine's
    ``DefinitionSubstitutions`` (``!GetAtt TrainFunction.Arn``) against the local stack.
    """
    names: dict[str, str] = {}
    for logical_id, arn in arns.items():
        names[logical_id] = arn.rsplit(":", 1)[1]
        names[f"{logical_id}.Arn"] = arn
    return names


# -- Step Functions: execution ends --------------------------------------------------------------


@dataclass(frozen=True)
class ExecutionEnd:
    execution_arn: str
    state_machine_arn: str
    status: str  # SUCCEEDED | FAILED | ABORTED | TIMED_OUT
    error: str | None
    cause: str | None


class ExecutionWatcher:
    """Learns from moto's engine when executions end; ``wait`` blocks on that, without polling."""

    def __init__(self, on_end: Callable[[ExecutionEnd], None] | None = None) -> None:
        self._on_end = on_end
        self._ended: dict[str, ExecutionEnd] = {}
        self._condition = threading.Condition()

    def _notify(self, end: ExecutionEnd) -> None:
        with self._condition:
            self._ended[end.execution_arn] = end
            self._condition.notify_all()
        if self._on_end is not None:
            try:
                self._on_end(end)
            except Exception:
                LOG.exception("execution-end listener failed for %s", end.execution_arn)

    def wait(self, execution_arn: str, timeout: float = 30.0) -> ExecutionEnd:
        """The end of ``execution_arn`` (which must end after this watcher started watching)."""
        with self._condition:
            if not self._condition.wait_for(lambda: execution_arn in self._ended, timeout):
                raise TimeoutError(f"{execution_arn} did not end within {timeout} s")
            return self._ended[execution_arn]

    def ended(self) -> list[ExecutionEnd]:
        with self._condition:
            return list(self._ended.values())


_watchers: list[ExecutionWatcher] = []
_original_terminated: Callable[[BaseExecutionWorkerCommunication], None] | None = None


def _terminated(self: BaseExecutionWorkerCommunication) -> None:
    assert _original_terminated is not None
    _original_terminated(self)  # sets the execution's final status, stop date, error and cause
    execution = self.execution
    end = ExecutionEnd(
        execution_arn=str(execution.exec_arn),
        state_machine_arn=str(execution.state_machine_arn),
        status=str(execution.status),
        error=execution.error,
        cause=execution.cause,
    )
    with _state_lock:
        watchers = list(_watchers)
    for watcher in watchers:
        watcher._notify(end)


@patches.guarded("sfn-execution-end-hook")
@contextmanager
def watch_executions(
    on_end: Callable[[ExecutionEnd], None] | None = None,
) -> Iterator[ExecutionWatcher]:
    """Watch every execution that ends in moto's engine (in-process mock or in-process server).

    ``on_end`` runs on the engine's execution thread once the final status is visible to
    DescribeExecution: the hook for a local stand-in of EventBridge's status-change events.
    """
    global _original_terminated  # noqa: PLW0603
    watcher = ExecutionWatcher(on_end)
    with _state_lock:
        if not _watchers:
            _original_terminated = BaseExecutionWorkerCommunication.terminated
            BaseExecutionWorkerCommunication.terminated = _terminated  # type: ignore[method-assign]
        _watchers.append(watcher)
    try:
        yield watcher
    finally:
        with _state_lock:
            _watchers.remove(watcher)
            if not _watchers and _original_terminated is not None:
                restore: Any = _original_terminated
                BaseExecutionWorkerCommunication.terminated = restore  # type: ignore[method-assign]
                _original_terminated = None


# -- Step Functions: retry intervals -------------------------------------------------------------


class _RecordingClock:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


@patches.guarded("sfn-instant-retries")
@contextmanager
def instant_retries() -> Iterator[list[float]]:
    """Make moto's ``Retry`` go on at once, recording the intervals it would have slept.

    moto really sleeps ``IntervalSeconds * BackoffRate**n`` (capped by ``MaxDelaySeconds``,
    randomised by ``JitterStrategy: FULL``) and ``IntervalSeconds`` is at least 1, so a state
    machine retrying 2 s, 4 s, 8 s costs a test 14 s. Process-wide while active.
    """
    clock = _RecordingClock()
    namespace = vars(retrier_decl)  # moto's retrier calls ``time.sleep`` from its module globals
    original = namespace["time"]
    namespace["time"] = clock
    try:
        yield clock.waits
    finally:
        namespace["time"] = original
