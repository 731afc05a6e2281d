"""A local stand-in for API Gateway (REST, Lambda proxy integration) built from ``template.yaml``.

It does what API Gateway does for this API and nothing more: match the template's routes, run the
TOKEN authorizer (caching its answer per key like ``ReauthorizeEvery``), build proxy events, invoke
the real handlers, and render the template's gateway responses for requests it refuses itself.

Handlers run in "containers": each container is a separate import of the handler module, used by
one request at a time, and new containers start when all are busy, so concurrent requests really
run concurrently, as on Lambda.
"""

from __future__ import annotations

import base64
import importlib.util
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from local import iam_audit, template
from local.firewall import Firewall
from local.isolation import isolate_invocations
from local.resources import ACCOUNT_ID, REGION

API_ID = "local"
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's own limit; the handlers enforce 1 MiB.
#: Lambda's limit on a synchronous invocation's request: the proxy event, body JSON-escaped.
LAMBDA_MAX_REQUEST_BYTES = 6 * 1024 * 1024
#: What API Gateway answers when Lambda refuses the event as too large: its own 413, which the
#: template's gateway responses do not reach (reported as a 5xx too; either way not our problem).
LAMBDA_TOO_LARGE_BODY = b'{"message": "Request Too Long"}'

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class GatewayResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeLambdaContext:
    """The attributes Powertools reads from a Lambda context."""

    function_name: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_ms: int = 10_000
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        elapsed_ms = int((time.monotonic() - self.started) * 1000)
        return max(self.timeout_ms - elapsed_ms, 0)


class FunctionPool:
    """Warm "containers" of one function; each serves one invocation at a time."""

    _counter = itertools.count()

    def __init__(self, spec: template.FunctionSpec) -> None:
        self.spec = spec
        self._idle: list[ModuleType] = []
        self._lock = threading.Lock()
        self.cold_starts = 0
        # Lambda's Invocations and Errors metrics: an invocation that raised is an error.
        self.invocations = 0
        self.errors = 0

    def _load(self) -> ModuleType:
        path = template.ROOT / self.spec.code_uri / f"{self.spec.handler.rsplit('.', 1)[0]}.py"
        name = f"_local_container_{self.spec.logical_id}_{next(self._counter)}"
        loader_spec = importlib.util.spec_from_file_location(name, Path(path))
        assert loader_spec is not None
        assert loader_spec.loader is not None
        module = importlib.util.module_from_spec(loader_spec)
        loader_spec.loader.exec_module(module)
        self.cold_starts += 1
        return module

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:
            module = self._idle.pop() if self._idle else None
        if module is None:
            module = self._load()
        try:
            handler: Handler = getattr(module, self.spec.function_name)
            with self._lock:
                self.invocations += 1
            with iam_audit.acting_as(self.spec.logical_id):  # its calls, checked against its role
                return handler(event, FakeLambdaContext(function_name=self.spec.logical_id))
        except Exception:
            with self._lock:
                self.errors += 1
            raise
        finally:
            with self._lock:
                self._idle.append(module)


@dataclass(frozen=True)
class _CompiledRoute:
    route: template.Route
    pattern: re.Pattern[str]
    parameters: tuple[str, ...]


def _compile(route: template.Route) -> _CompiledRoute:
    parameters = tuple(re.findall(r"{(\w+)\+?}", route.path))
    regex = re.sub(r"{(\w+)\+}", r"(?P<\1>.+)", route.path)
    regex = re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", regex)
    return _CompiledRoute(route, re.compile(f"^{regex}$"), parameters)


class Gateway:
    def __init__(self, stage: str | None = None, firewall: bool | None = None) -> None:
        isolate_invocations()
        self.stage = stage or str(template.parameter_default("StageName"))
        if firewall is None:  # as deployed with the template's default
            firewall = template.parameter_default("CreatePayloadFirewall") == "true"
        self.firewall = Firewall.from_template() if firewall else Firewall([])
        self.specs = template.functions()
        self.pools = {logical_id: FunctionPool(spec) for logical_id, spec in self.specs.items()}
        self.routes = [_compile(route) for route in template.routes()]
        self.authorizer = template.authorizer()
        self.responses = template.gateway_responses()
        self._auth_cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._auth_lock = threading.Lock()

    # -- gateway responses ---------------------------------------------------------------------

    def _gateway_response(
        self, kind: str, request_id: str, message: str, default_status: int
    ) -> GatewayResponse:
        spec = self.responses.get(kind) or self.responses.get(
            "DEFAULT_5XX" if default_status >= 500 else "DEFAULT_4XX", {}
        )
        status = int(spec.get("StatusCode", default_status))
        headers = {
            name: str(value).strip("'")
            for name, value in spec.get("ResponseParameters", {}).get("Headers", {}).items()
        }
        body_template = spec.get("ResponseTemplates", {}).get("application/json")
        if body_template:
            body = body_template.replace("$context.requestId", request_id).replace(
                "$context.error.messageString", json.dumps(message)
            )
        else:
            body = json.dumps({"message": message})
        headers.setdefault("Content-Type", "application/json")
        headers["x-amzn-RequestId"] = request_id
        return GatewayResponse(status, headers, body.encode())

    # -- authorizer ----------------------------------------------------------------------------

    def _authorize(self, token: str, method_arn: str) -> tuple[dict[str, Any] | None, str | None]:
        """The authorizer's policy, or the gateway response kind that refuses the request."""
        now = time.monotonic()
        with self._auth_lock:
            cached = self._auth_cache.get(token)
        if cached and cached[0] > now:
            policy = cached[1]
        else:
            try:
                policy = self.pools[self.authorizer.function].invoke(
                    {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
                )
            except Exception as error:  # the authorizer's way of saying 401, or its failure
                if str(error) == "Unauthorized":
                    return None, "UNAUTHORIZED"
                return None, "AUTHORIZER_FAILURE"
            if not _is_authorizer_answer(policy):
                return None, "AUTHORIZER_CONFIGURATION_ERROR"
            # API Gateway caches the answer per token whatever its effect: a Deny too.
            if self.authorizer.cache_ttl_s > 0:
                with self._auth_lock:
                    self._auth_cache[token] = (now + self.authorizer.cache_ttl_s, policy)
        if not _allows(policy, method_arn):
            return None, "ACCESS_DENIED"
        return policy, None

    def flush_authorizer_cache(self) -> None:
        with self._auth_lock:
            self._auth_cache.clear()

    # -- requests ------------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        raw_path: str,
        headers: Mapping[str, str],
        body: bytes,
        query: Mapping[str, list[str]] | None = None,
        source_ip: str = "127.0.0.1",
    ) -> GatewayResponse:
        request_id = str(uuid.uuid4())
        method = method.upper()
        if body and not any(name.lower() == "content-length" for name in headers):
            headers = {**headers, "Content-Length": str(len(body))}  # as any HTTP client sends
        if len(body) > MAX_PAYLOAD_BYTES:  # refused as it arrives, like the local server does
            return self._gateway_response("REQUEST_TOO_LARGE", request_id, "Request too large", 413)
        blocked = self.firewall.check(headers)
        if blocked is not None:  # WAF answers before API Gateway routes the request
            return GatewayResponse(blocked.status, dict(blocked.headers), blocked.body)
        matched = self._match(method, raw_path)
        if matched is None:
            return self._gateway_response(
                "MISSING_AUTHENTICATION_TOKEN", request_id, "Missing Authentication Token", 403
            )
        route, path_parameters = matched

        lower_headers = {k.lower(): v for k, v in headers.items()}
        token = lower_headers.get(self.authorizer.header.lower())
        if not token:
            return self._gateway_response("UNAUTHORIZED", request_id, "Unauthorized", 401)
        method_arn = (
            f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{self.stage}/{method}{raw_path}"
        )
        policy, refusal = self._authorize(token, method_arn)
        if refusal is not None or policy is None:
            kind = refusal or "UNAUTHORIZED"
            status, message = _REFUSALS.get(kind, (500, "Internal server error"))
            return self._gateway_response(kind, request_id, message, status)

        event = self._proxy_event(
            route,
            raw_path,
            path_parameters,
            headers,
            body,
            query or {},
            policy,
            request_id,
            source_ip,
        )
        if len(json.dumps(event).encode()) > LAMBDA_MAX_REQUEST_BYTES:
            headers_out = {
                "Content-Type": "application/json",
                "x-amzn-ErrorType": "BadRequestException",
                "x-amzn-RequestId": request_id,
            }
            return GatewayResponse(413, headers_out, LAMBDA_TOO_LARGE_BODY)
        try:
            result = self.pools[route.route.function].invoke(event)
        except Exception:
            return self._gateway_response("DEFAULT_5XX", request_id, "Internal server error", 502)
        return _from_proxy_result(result, request_id) or self._gateway_response(
            "DEFAULT_5XX", request_id, "Internal server error", 502
        )

    def _match(self, method: str, path: str) -> tuple[_CompiledRoute, dict[str, str]] | None:
        for compiled in self.routes:
            found = compiled.pattern.match(path)
            if found and compiled.route.method in (method, "ANY"):
                return compiled, found.groupdict()
        return None

    def _proxy_event(
        self,
        route: _CompiledRoute,
        path: str,
        path_parameters: dict[str, str],
        headers: Mapping[str, str],
        body: bytes,
        query: Mapping[str, list[str]],
        policy: dict[str, Any],
        request_id: str,
        source_ip: str,
    ) -> dict[str, Any]:
        try:
            text: str | None = body.decode("utf-8") if body else None
            is_base64 = False
        except UnicodeDecodeError:
            text, is_base64 = base64.b64encode(body).decode(), True
        authorizer = {
            "principalId": policy.get("principalId"),
            "integrationLatency": 0,
            **{k: str(v) for k, v in (policy.get("context") or {}).items()},
        }
        return {
            "resource": route.route.path,
            "path": path,
            "httpMethod": route.route.method,
            "headers": dict(headers),
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": dict(query) or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.route.path,
                "httpMethod": route.route.method,
                "path": f"/{self.stage}{path}",
                "stage": self.stage,
                "requestId": request_id,
                "accountId": ACCOUNT_ID,
                "apiId": API_ID,
                "protocol": "HTTP/1.1",
                "requestTimeEpoch": int(time.time() * 1000),
                "identity": {"sourceIp": source_ip},
                "authorizer": authorizer,
            },
            "body": text,
            "isBase64Encoded": is_base64,
        }


#: API Gateway's own status and message for each way it refuses a request at the authorizer;
#: the template's gateway responses may change the status (ACCESS_DENIED is 401 there).
_REFUSALS = {
    "UNAUTHORIZED": (401, "Unauthorized"),
    "ACCESS_DENIED": (403, "User is not authorized to access this resource with an explicit deny"),
    "AUTHORIZER_FAILURE": (500, "Internal server error"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "Internal server error"),
}


def _is_authorizer_answer(result: Any) -> bool:
    """What API Gateway accepts from a TOKEN authorizer: a principal and a policy document."""
    return (
        isinstance(result, dict)
        and isinstance(result.get("principalId"), str)
        and isinstance(result.get("policyDocument"), dict)
        and isinstance(result["policyDocument"].get("Statement"), list)
    )


def _allows(policy: Mapping[str, Any], method_arn: str) -> bool:
    statements = policy.get("policyDocument", {}).get("Statement", [])
    allowed = False
    for statement in statements:
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if any(_arn_matches(pattern, method_arn) for pattern in resources):
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _arn_matches(pattern: str, arn: str) -> bool:
    regex = "^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$"
    return re.match(regex, arn) is not None


def _from_proxy_result(result: Any, request_id: str) -> GatewayResponse | None:
    """Translate a Lambda proxy result; a malformed one is API Gateway's 502."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        return None
    headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name] = ", ".join(str(v) for v in values)
    headers["x-amzn-RequestId"] = request_id
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
    return GatewayResponse(result["statusCode"], headers, body)
