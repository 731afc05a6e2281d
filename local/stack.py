"""The whole service on one machine: ``python -m local.stack`` (``make local``).

moto's server plays AWS, the template's tables are created in it, and a local API Gateway
(:class:`local.gateway.Gateway`) serves the template's routes over HTTP by invoking the real
handlers, authorizer included. No Docker, no AWS account: every AWS variable is set here, before
any boto3 client exists, so nothing can reach a real account. Swagger UI is served at ``/docs``
from the offline assets of ``swagger_ui_bundle``. Ctrl-C (or SIGTERM) stops it cleanly.
"""

from __future__ import annotations

import argparse
import json
import logging
import mimetypes
import os
import signal
import socket
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local import template
from local.gateway import MAX_PAYLOAD_BYTES, Gateway, GatewayResponse
from local.resources import REGION

OPENAPI_PATH = template.ROOT / "docs" / "openapi.json"
PROBLEM_TYPE = "application/problem+json"
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024  # read and discard an oversized body up to this, then close
_CHUNK = 64 * 1024
# Variables that could point boto3 at a real account or another endpoint; the stack owns these.
_FOREIGN_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@dataclass(frozen=True)
class StackInfo:
    """What a user (or a test) needs to talk to the running stack."""

    url: str
    api_key: str
    namespace: str
    moto_endpoint: str
    keys_table: str


# ------------------------------------------------------------------------------------ AWS side


def isolate_aws_environment(endpoint: str) -> None:
    """Point every boto3 client in this process at ``endpoint`` with fake credentials.

    Only the standard ``AWS_ENDPOINT_URL`` is used (the code under test never sets endpoints), and
    service-specific overrides and the user's AWS config files are removed so they cannot win.
    """
    for name in list(os.environ):
        if name in _FOREIGN_AWS_VARIABLES or name.startswith("AWS_ENDPOINT_URL_"):
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )


@contextmanager
def moto_server(port: int = 0) -> Iterator[tuple[str, int]]:
    """moto's server on loopback in this process, patched (``local.patches``) and with its Step
    Functions engine on, every boto3 client of the process pointed at it; ``(endpoint, port)``.
    Shared by ``make local`` and ``make sam-local``."""
    from moto.server import ThreadedMotoServer

    from local import emulator_patches, engine

    emulator_patches.apply_emulator_patches()  # atomic requests; no table copies, no alias search
    engine.enable()  # before any state machine exists
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    try:
        host, bound = moto.get_host_and_port()
        endpoint = f"http://{host}:{bound}"
        isolate_aws_environment(endpoint)
        engine.point_engine_at(bound)
        yield endpoint, bound
    finally:
        moto.stop()


def provision(prefix: str, namespace: str) -> tuple[dict[str, str], str]:
    """Create the template's tables and buckets, export the functions' environment, issue a
    demo key.

    Returns the physical names and the demo key (its plaintext exists only here, once).
    """
    import boto3

    from local.resources import (
        create_buckets,
        create_event_buses,
        create_tables,
        create_webhook_resources,
        function_environment,
        physical_names,
    )

    names = physical_names(prefix)
    create_tables(boto3.client("dynamodb"), names)
    create_buckets(boto3.client("s3"), names)
    create_event_buses(boto3.client("events"), names)
    create_webhook_resources(names)
    # Local receivers (http://127.0.0.1:<port>) for webhooks; template.yaml never sets this.
    os.environ.setdefault("WEBHOOK_ALLOW_LOCAL_HTTP", "1")
    # The functions and state machines are created by ``local.engine.running``.
    os.environ.update(function_environment(names))
    # moto answers a Query of a few thousand samples in seconds (its serializer takes about a
    # millisecond an item), where DynamoDB takes ~100 ms: the request path's 3 s read timeout
    # would fail every large read here, so the local stack waits longer.
    os.environ.setdefault("AWS_READ_TIMEOUT_S", "60")

    from u22a8.domain.keys_service import issue_key

    issued = issue_key(namespace, "local stack demo key")
    return names, issued.key


# ---------------------------------------------------------------------------------- HTTP side


def _problem(status: int, title: str, detail: str, code: str) -> GatewayResponse:
    body = {
        "type": f"https://u22a8.ai/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "request_id": str(uuid.uuid4()),
    }
    compact = json.dumps(body, separators=(",", ":"))  # as the API's own problems
    return GatewayResponse(status, {"Content-Type": PROBLEM_TYPE}, compact.encode())


class RootGateway(Gateway):
    """The gateway as served here: at the root of the host, like a custom domain whose base path
    mapping is empty, so clients call ``/v1/models`` rather than ``/prod/v1/models``.

    API Gateway then reports the path the client called as ``requestContext.path`` (the stage is
    not in it), which is what handlers build ``Location`` from; the in-process ``Gateway`` models
    the execute-api URL instead, whose path starts with the stage.
    """

    def _proxy_event(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        event = super()._proxy_event(*args, **kwargs)
        event["requestContext"]["path"] = event["path"]
        return event


def _too_large(gateway: Gateway) -> GatewayResponse:
    """The template's REQUEST_TOO_LARGE response, for a body too big to be read at all."""
    return gateway._gateway_response(
        "REQUEST_TOO_LARGE", str(uuid.uuid4()), "Request too large", 413
    )


def _docs_page() -> bytes:
    """Swagger UI wired to this stack's ``/openapi.json``; every asset is served locally."""
    return b"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>u22a8 models API (local)</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      persistAuthorization: true
    });
  </script>
</body>
</html>
"""


def _swagger_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


def docs_response(path: str) -> GatewayResponse | None:
    """The answer for the unauthenticated documentation routes, or ``None`` for other paths."""
    if path in ("/docs", "/docs/"):
        return GatewayResponse(200, {"Content-Type": "text/html; charset=utf-8"}, _docs_page())
    if path == "/openapi.json":
        return _openapi_response()
    if path.startswith("/docs/"):
        directory = _swagger_dir()
        name = path.removeprefix("/docs/")
        # Only files that are directly in the bundle's directory: no traversal, no listing.
        if "/" in name or name.startswith(".") or not (directory / name).is_file():
            return _problem(404, "Not found", f"No documentation asset {name!r}.", "not-found")
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return GatewayResponse(200, {"Content-Type": content_type}, (directory / name).read_bytes())
    return None


def _openapi_response() -> GatewayResponse:
    """The committed OpenAPI document, read on each request so ``make openapi`` shows at once.

    Its loopback servers are replaced by a relative ``/`` put first, so Swagger UI's "Try it out"
    calls this stack whatever its port.
    """
    if not OPENAPI_PATH.is_file():
        return _problem(
            404,
            "Not found",
            "docs/openapi.json does not exist yet: run `make openapi` to generate it.",
            "not-found",
        )
    try:
        document: Any = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return _problem(
            500,
            "Internal error",
            f"docs/openapi.json could not be read ({error}); run `make openapi` again.",
            "internal-error",
        )
    if isinstance(document, dict):
        here = {"url": "/", "description": "This local stack."}
        others = [s for s in document.get("servers", []) if not _is_loopback(s.get("url", ""))]
        document["servers"] = [here, *others]
    body = json.dumps(document, indent=2).encode()
    return GatewayResponse(200, {"Content-Type": "application/json"}, body)


def _is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


class _BadFraming(ValueError):
    """The request's body framing cannot be trusted (API Gateway answers these with 400)."""


class LocalServer(ThreadingHTTPServer):
    """One thread per connection, like API Gateway's concurrency; the gateway does the rest."""

    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 resets bursts of concurrent clients

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        self.gateway = gateway
        super().__init__(address, RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up early is routine, not worth a traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class RequestHandler(BaseHTTPRequestHandler):
    """Translates HTTP to :meth:`Gateway.handle` and back; adds nothing API Gateway would not.

    HEAD and OPTIONS go to the gateway like any method: the template defines neither (and no
    CORS), so the deployed API answers them with its "missing authentication token" response,
    and so does this one. Only the documentation routes answer HEAD like GET.
    """

    server: LocalServer
    protocol_version = "HTTP/1.1"
    server_version = "u22a8-local"

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def __getattr__(self, name: str) -> Any:
        """Any other method (TRACE, QUERY, ...) goes to the gateway too, which answers it as
        API Gateway does, instead of ``http.server``'s own 501 page."""
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        try:
            response = self._respond()
        except _BadFraming as error:
            self.close_connection = True  # where the next request starts is unknown
            response = _problem(400, "Bad request", str(error), "bad-request")
        except Exception:  # a bug in the local tooling, not in the service: say so, keep serving
            traceback.print_exc()
            self.close_connection = True
            response = _problem(
                500, "Internal error", "The local gateway failed; see its log.", "internal-error"
            )
        self._write(response)

    def _respond(self) -> GatewayResponse:
        parts = urlsplit(self.path)
        if self.command in ("GET", "HEAD"):
            docs = docs_response(parts.path)
            if docs is not None:
                self._discard_body()
                return docs
        body = self._read_body()
        if body is None:
            return _too_large(self.server.gateway)
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            headers[name] = value  # like API Gateway's ``headers``: the last value wins
        query = parse_qs(parts.query, keep_blank_values=True)
        return self.server.gateway.handle(
            self.command, parts.path, headers, body, query, source_ip=self.client_address[0]
        )

    def _read_body(self) -> bytes | None:
        """The request body; ``None`` when it is over API Gateway's limit (it is discarded)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = self._content_length()
        if length > MAX_PAYLOAD_BYTES:
            self._drain(length)
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _content_length(self) -> int:
        raw = self.headers.get("Content-Length") or "0"
        if not raw.strip().isdigit():
            raise _BadFraming(f"Content-Length {raw!r} is not a byte count.")
        return int(raw)

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(line or b"0", 16)
            except ValueError as error:
                raise _BadFraming("The chunked request body is malformed.") from error
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                break
            total += size
            if total > MAX_PAYLOAD_BYTES:
                self.close_connection = True  # the rest of the stream is not worth reading
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        return b"".join(chunks)

    def _drain(self, length: int) -> None:
        """Read and drop an oversized body so the client sees the 413, not a reset."""
        if length > DRAIN_LIMIT_BYTES:
            self.close_connection = True
            return
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)

    def _discard_body(self) -> None:
        length = self._content_length()
        if length > 0:
            self._drain(length)

    def _write(self, response: GatewayResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"[local] {self.address_string()} {format % args}\n")


# ------------------------------------------------------------------------------------- startup


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local.stack", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on")
    parser.add_argument("--port", type=int, default=3000, help="port of the API (default 3000)")
    parser.add_argument(
        "--moto-port", type=int, default=0, help="port of moto's server (default: a free one)"
    )
    parser.add_argument("--namespace", default="demo", help="namespace of the demo key")
    parser.add_argument(
        "--prefix", default="u22a8-local", help="prefix of the tables' physical names"
    )
    parser.add_argument(
        "--ready-file", type=Path, help="write the stack's URL and demo key here, as JSON, when up"
    )
    return parser


def banner(info: StackInfo) -> str:
    key = info.api_key
    return f"""
u22a8 models API is running (AWS is moto; no account is used). Ctrl-C stops it.

  API         {info.url}/v1/models
  Docs        {info.url}/docs
  Namespace   {info.namespace}
  Demo key    {key}
              (printed once; only its hash is stored)
  AWS (moto)  {info.moto_endpoint}

Create a model:
  curl -i -X POST {info.url}/v1/models \\
    -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\
    -d '{{"handle": "{info.namespace}.support-tone", "criteria": ["Clarity", "Flow"]}}'

More keys (operator CLI, against this stack):
  AWS_ENDPOINT_URL={info.moto_endpoint} AWS_ACCESS_KEY_ID=testing \\
  AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION={REGION} KEYS_TABLE={info.keys_table} \\
    .venv/bin/u22a8 keys create --namespace acme
"""


def announce(
    url: str,
    key: str,
    namespace: str,
    moto_endpoint: str,
    names: dict[str, str],
    ready_file: Path | None,
    render: Callable[[StackInfo], str] = banner,
) -> StackInfo:
    """Print the stack's banner and, when asked, write the ready file that tests wait for."""
    info = StackInfo(
        url=url,
        api_key=key,
        namespace=namespace,
        moto_endpoint=moto_endpoint,
        keys_table=names["KeysTable"],
    )
    print(render(info), flush=True)
    if ready_file:
        write_ready_file(ready_file, info)
    return info


def write_ready_file(path: Path, info: StackInfo) -> None:
    """Atomically, so a reader never sees half a file."""
    payload = {
        "url": info.url,
        "api_key": info.api_key,
        "namespace": info.namespace,
        "moto_endpoint": info.moto_endpoint,
        "keys_table": info.keys_table,
    }
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(payload), encoding="utf-8")
    partial.replace(path)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM stops the stack the way Ctrl-C does."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Explicitly, because a shell that starts us in the background would leave SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    # moto's server logs every AWS call at INFO; the handlers' own logs are what matter here.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from local import engine, iam_audit

    httpd: LocalServer | None = None
    workflows = ExitStack()
    try:
        # Before any AWS client exists: each function's calls are checked against its role (S3's
        # 403 for a missing key without s3:ListBucket; the end-to-end suite reads the sink).
        sink = os.environ.get(iam_audit.SINK_VARIABLE)
        workflows.enter_context(
            iam_audit.recording(args.prefix, Path(sink) if sink else None, keep=False)
        )
        try:
            httpd = LocalServer((args.host, args.port), RootGateway())
        except OSError as error:
            print(f"error: cannot serve on {args.host}:{args.port}: {error}", file=sys.stderr)
            print("Pass another port with --port.", file=sys.stderr)
            return 1
        if args.moto_port and not _port_is_free(args.moto_port):
            # moto's start() would wait forever for a server thread that failed to bind.
            print(f"error: port {args.moto_port} (--moto-port) is in use.", file=sys.stderr)
            return 1
        moto_endpoint, _ = workflows.enter_context(moto_server(args.moto_port))
        names, key = provision(args.prefix, args.namespace)
        workflows.enter_context(engine.running(names, httpd.gateway.pools, args.prefix))

        host, port = httpd.server_address[:2]
        url = f"http://{host!s}:{port}"
        announce(url, key, args.namespace, moto_endpoint, names, args.ready_file)
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C while stopping must not turn a clean stop into a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if httpd is not None:
            httpd.server_close()
        workflows.close()  # the event bus, schedules and the bridge, then moto
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
