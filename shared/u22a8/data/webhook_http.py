"""The one outbound HTTP call of webhooks: a POST to the address the URL guard checked.

The connection goes to ``Target.addresses`` (already resolved and checked), never to a fresh DNS
answer, so DNS rebinding cannot redirect it; TLS still verifies the certificate against the host
name of the URL. Redirects are not followed (a 3xx is a failed attempt). The receiver's body is
never read beyond a small bound and never stored.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

from u22a8.entities.webhook import Target

TIMEOUT_S = 10.0
_MAX_BODY_READ = 64 * 1024
USER_AGENT = "u22a8-webhooks/1"


@dataclass(frozen=True)
class HttpOutcome:
    """How the receiver answered: its status, or why there was no usable answer."""

    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


class _PinnedHttp(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHttps(http.client.HTTPSConnection):
    def __init__(
        self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def _connection(target: Target, address: str, timeout_s: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHttps(
            target.host, target.port, address, timeout_s, ssl.create_default_context()
        )
    return _PinnedHttp(target.host, target.port, address, timeout_s)


def post(
    target: Target, headers: Mapping[str, str], body: bytes, timeout_s: float = TIMEOUT_S
) -> HttpOutcome:
    """POST ``body`` to the target; any 2xx is a success. Each checked address is tried in turn
    when the connection itself fails."""
    outcome = HttpOutcome(None, "no address to connect to")
    for address in target.addresses:
        outcome = _post_once(target, address, headers, body, timeout_s)
        if outcome.status_code is not None or not (outcome.error or "").startswith("connect"):
            return outcome
    return outcome


def _post_once(
    target: Target, address: str, headers: Mapping[str, str], body: bytes, timeout_s: float
) -> HttpOutcome:
    connection = _connection(target, address, timeout_s)
    all_headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **headers,
    }
    try:
        try:
            connection.connect()
        except TimeoutError:
            return HttpOutcome(None, f"connect timed out after {timeout_s:g} s")
        except ssl.SSLError as exc:
            return HttpOutcome(None, f"TLS handshake failed: {exc.reason or type(exc).__name__}")
        except OSError as exc:
            return HttpOutcome(None, f"connection failed: {exc.strerror or type(exc).__name__}")
        connection.request("POST", target.path, body=body, headers=all_headers)
        response = connection.getresponse()
        response.read(_MAX_BODY_READ)
    except TimeoutError:
        return HttpOutcome(None, f"no answer within {timeout_s:g} s")
    except (OSError, http.client.HTTPException) as exc:
        return HttpOutcome(None, f"the receiver broke the connection: {type(exc).__name__}")
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return HttpOutcome(response.status, None)
    return HttpOutcome(response.status, f"the receiver answered {response.status}")
