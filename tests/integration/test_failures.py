"""Dependency failures: DynamoDB throttling is a retryable 503, anything unexpected a bare 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from local.gateway import Gateway
from tests.helpers import GatewayClient, Reply
from u22a8.config import get_settings
from u22a8.data import clients, models_repo

HANDLE = "acme.m"
PATH = f"/v1/models/{HANDLE}"
THROTTLED = "ProvisionedThroughputExceededException"


class Faults:
    """Makes DynamoDB answer chosen calls with an error, as it would after the SDK's retries.

    The error replaces the call before it reaches moto, so a refused call never writes anything.
    """

    def __init__(self) -> None:
        self.rules: list[tuple[str, str, str]] = []
        self.refused: list[str] = []

    def fail(self, operation: str, code: str, table: str | None = None) -> None:
        self.rules.append((operation, table or get_settings().models_table, code))

    def clear(self) -> None:
        self.rules.clear()

    def before_call(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        table = json.loads(params["body"] or b"{}").get("TableName")
        for operation, table_name, code in self.rules:
            if model.name == operation and table == table_name:
                self.refused.append(operation)
                status = 500 if code == "InternalServerError" else 400
                http = AWSResponse("https://dynamodb.local/", status, HTTPHeaders(), None)
                parsed = {
                    "Error": {"Code": code, "Message": "simulated failure"},
                    "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}},
                }
                return http, parsed
        return None


@pytest.fixture
def faults(aws: dict[str, str]) -> Iterator[Faults]:
    faults = Faults()
    client = clients.dynamodb()
    client.meta.events.register("before-call.dynamodb", faults.before_call)
    yield faults
    client.meta.events.unregister("before-call.dynamodb", faults.before_call)


@pytest.fixture
def model(api: GatewayClient) -> None:
    reply = api.post("/v1/models", {"handle": HANDLE, "criteria": ["c"], "description": "d"})
    assert reply.status == 201, reply.body


def _service_busy(reply: Reply) -> None:
    assert reply.status == 503, reply.body
    assert reply.header("Retry-After") == "1"
    assert reply.header("Content-Type") == "application/problem+json"
    body = reply.json()
    assert body["type"] == "https://u22a8.ai/problems/service-unavailable"
    assert body["status"] == 503
    assert "nothing was changed" in body["detail"]


# --- throttling: 503 + Retry-After, nothing written ---------------------------------------------


@pytest.mark.usefixtures("model")
def test_throttled_patch_is_503_and_writes_nothing(api: GatewayClient, faults: Faults) -> None:
    before = models_repo.get(HANDLE)
    faults.fail("UpdateItem", THROTTLED)
    _service_busy(api.patch(PATH, {"description": "new"}))
    assert faults.refused == ["UpdateItem"]
    assert models_repo.get(HANDLE) == before
    faults.clear()
    assert api.patch(PATH, {"description": "new"}).status == 200  # and a retry then succeeds


@pytest.mark.usefixtures("model")
def test_throttled_delete_is_503_and_writes_nothing(api: GatewayClient, faults: Faults) -> None:
    before = models_repo.get(HANDLE)
    faults.fail("UpdateItem", THROTTLED)
    _service_busy(api.delete(PATH))
    assert models_repo.get(HANDLE) == before


@pytest.mark.usefixtures("model")
def test_throttled_empty_patch_is_503(api: GatewayClient, faults: Faults) -> None:
    faults.fail("GetItem", THROTTLED)
    _service_busy(api.patch(PATH, {}))


def test_throttled_create_is_503_and_creates_nothing(api: GatewayClient, faults: Faults) -> None:
    faults.fail("PutItem", THROTTLED)
    _service_busy(api.post("/v1/models", {"handle": HANDLE, "criteria": ["c"]}))
    assert faults.refused == ["PutItem"]
    assert models_repo.get(HANDLE) is None


def test_a_throttled_create_can_be_retried_with_the_same_idempotency_key(
    api: GatewayClient, faults: Faults
) -> None:
    body = {"handle": HANDLE, "criteria": ["c"]}
    headers = {"Idempotency-Key": "retry-me"}
    faults.fail("PutItem", THROTTLED)
    _service_busy(api.post("/v1/models", body, headers=headers))
    assert models_repo.get(HANDLE) is None
    faults.clear()
    retry = api.post("/v1/models", body, headers=headers)
    assert retry.status == 201, retry.body
    assert retry.header("Idempotent-Replayed") is None  # the 503 was not stored as the answer


def test_throttled_idempotency_store_is_503_and_creates_nothing(
    api: GatewayClient, faults: Faults
) -> None:
    faults.fail("PutItem", THROTTLED, get_settings().idempotency_table)
    reply = api.post(
        "/v1/models", {"handle": HANDLE, "criteria": ["c"]}, headers={"Idempotency-Key": "k"}
    )
    _service_busy(reply)
    assert models_repo.get(HANDLE) is None


@pytest.mark.usefixtures("model")
def test_throttled_get_is_503(api: GatewayClient, faults: Faults) -> None:
    faults.fail("GetItem", THROTTLED)
    _service_busy(api.get(PATH))


@pytest.mark.usefixtures("model")
def test_throttled_list_is_503(api: GatewayClient, faults: Faults) -> None:
    faults.fail("Query", THROTTLED)
    _service_busy(api.get("/v1/models"))


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize("code", ["ThrottlingException", "RequestLimitExceeded"])
def test_every_throttling_code_is_503(api: GatewayClient, faults: Faults, code: str) -> None:
    faults.fail("GetItem", code)
    _service_busy(api.get(PATH))


def test_a_throttled_key_lookup_is_503_never_a_401_or_a_pass(
    gateway: Gateway, acme_key: str, faults: Faults
) -> None:
    faults.fail("GetItem", THROTTLED, get_settings().keys_table)
    reply = GatewayClient(gateway, acme_key).get("/v1/models")
    assert reply.status == 503, reply.body
    assert reply.header("Retry-After") == "1"
    assert reply.json()["type"] == "https://u22a8.ai/problems/service-unavailable"
    faults.clear()
    assert GatewayClient(gateway, acme_key).get("/v1/models").status == 200  # not cached


def test_an_unexpected_key_lookup_error_fails_closed(
    gateway: Gateway, acme_key: str, faults: Faults
) -> None:
    faults.fail("GetItem", "ValidationException", get_settings().keys_table)
    reply = GatewayClient(gateway, acme_key).get("/v1/models")
    assert reply.status >= 500, reply.body  # the authorizer failed: never let the request in
    assert reply.header("Content-Type") == "application/problem+json"
    assert faults.refused == ["GetItem"]


# --- unexpected failures: 500 problem, no internals ---------------------------------------------


def _internal_error(reply: Reply, *secrets: str) -> None:
    assert reply.status == 500, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    body = reply.json()
    assert body["type"] == "https://u22a8.ai/problems/internal-error"
    assert body["status"] == 500
    assert body["request_id"] == reply.header("x-amzn-RequestId")
    assert set(body) == {"type", "title", "status", "detail", "request_id"}
    text = reply.body.decode()
    for leak in ("Traceback", 'File "', ".py", *secrets):
        assert leak not in text


@pytest.mark.usefixtures("model")
def test_a_handler_crash_is_a_500_problem_without_a_stack_trace(
    api: GatewayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(handle: str) -> None:
        raise RuntimeError("connection string postgres://admin:hunter2@db")

    monkeypatch.setattr(models_repo, "get", crash)
    _internal_error(api.get(PATH), "hunter2", "RuntimeError", "postgres")


@pytest.mark.usefixtures("model")
def test_an_unexpected_dynamodb_error_is_a_500_and_writes_nothing(
    api: GatewayClient, faults: Faults
) -> None:
    before = models_repo.get(HANDLE)
    faults.fail("UpdateItem", "InternalServerError")
    _internal_error(api.patch(PATH, {"description": "x"}), "InternalServerError", "simulated")
    assert models_repo.get(HANDLE) == before


@pytest.mark.usefixtures("model")
@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/v1/models", "PutItem"),
        ("GET", PATH, "GetItem"),
        ("GET", "/v1/models", "Query"),
        ("DELETE", PATH, "UpdateItem"),
    ],
)
def test_unexpected_dynamodb_errors_on_every_route_are_500(
    api: GatewayClient, faults: Faults, method: str, path: str, operation: str
) -> None:
    faults.fail(operation, "ValidationException")
    body = {"handle": "acme.other", "criteria": ["c"]} if method == "POST" else None
    _internal_error(api.request(method, path, body), "ValidationException", "simulated")
