"""Test clients with one interface: in-process (through the local gateway) and over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast
from urllib.parse import parse_qs, urlsplit

from aws_lambda_powertools.utilities.typing import LambdaContext

from local.gateway import FakeLambdaContext, Gateway


def lambda_context(function_name: str) -> LambdaContext:
    """The local gateway's stand-in context, typed as the Lambda context handlers expect."""
    return cast(LambdaContext, FakeLambdaContext(function_name=function_name))


def event_hook(handler: Callable[..., object]) -> Callable[..., None]:
    """A botocore event handler that may answer the call itself.

    botocore's stubs type handlers as returning ``None``, but a ``before-call`` handler may return
    ``(AWSResponse, parsed)`` to stand in for the service. Register and unregister the same object.
    """
    return cast(Callable[..., None], handler)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class ApiClient(Protocol):
    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply: ...


class GatewayClient:
    """Calls the real handlers through the local gateway, without a socket."""

    def __init__(self, gateway: Gateway, key: str | None) -> None:
        self.gateway = gateway
        self.key = key

    def with_key(self, key: str | None) -> GatewayClient:
        return GatewayClient(self.gateway, key)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        all_headers = {"Content-Type": "application/json"}
        if self.key is not None:
            all_headers["Authorization"] = f"Bearer {self.key}"
        all_headers.update(headers or {})
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        parts = urlsplit(path)
        reply = self.gateway.handle(
            method, parts.path, all_headers, data, parse_qs(parts.query, keep_blank_values=True)
        )
        return Reply(reply.status, reply.headers, reply.body)

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)
