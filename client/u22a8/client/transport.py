"""HTTP on the standard library: one kept-alive connection per thread and base URL.

``http.client`` keeps the client free of third-party dependencies (it is installed beside the
service's code but never shipped in the Lambda layer). A connection the server has closed while
idle is noticed before reuse and replaced, so a request is never sent on a dead socket.
"""

from __future__ import annotations

import http.client
import json
import select
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Response:
    """A complete HTTP answer; header names are lower-case."""

    status: int
    headers: dict[str, str] = field(repr=False)
    body: bytes = field(repr=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Transport:
    """Sends requests to one base URL (``https://host[:port][/prefix]``)."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self.prefix = parts.path.rstrip("/")
        self._timeout_s = timeout_s
        self._local = threading.local()

    def send(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> Response:
        """One request on this thread's connection; ``OSError``/``HTTPException`` on failure
        (the connection is then dropped, so the next request opens a fresh one)."""
        connection = self._connection()
        try:
            connection.request(method, self.prefix + target, body=body, headers=headers)
            answer = connection.getresponse()
            payload = answer.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if answer.will_close:
            self.close()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, payload)

    def close(self) -> None:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None and _dropped(connection):
            self.close()
            connection = None
        if connection is None:
            factory = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            connection = factory(self._host, self._port, timeout=self._timeout_s)
            self._local.connection = connection
        return connection


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """An idle kept-alive socket that is readable has been closed (or sent garbage) by the peer."""
    sock = connection.sock
    if sock is None:
        return False
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)
