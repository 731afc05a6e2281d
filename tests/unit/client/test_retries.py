"""The retry rules (u22a8.client.retry) against a real HTTP peer: what is retried, how long the
client waits first, the bound, and one Idempotency-Key across a request's retries."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from tests.unit.client.conftest import Sleeps
from tests.unit.client.scripted_server import Reply, ScriptedServer, problem
from u22a8.client import (
    Client,
    ModelBusy,
    RateLimited,
    RequestInProgress,
    RetryPolicy,
    ServerError,
    ServiceUnavailable,
    TransportError,
)
from u22a8.client.retry import parse_retry_after

MODEL: dict[str, Any] = {"handle": "acme.tone", "criteria": ["Clarity"], "state": "draft"}


def test_429_waits_retry_after_and_keeps_the_idempotency_key(
    client: Client, server: ScriptedServer, sleeps: Sleeps
) -> None:
    server.script(
        Reply(429, {"message": "Too Many Requests"}, {"Retry-After": "3"}),
        problem(503, "service-unavailable"),
        Reply(201, MODEL, {"ETag": '"1"'}),
    )
    created = client.models.create("acme.tone", ["Clarity"])
    assert created.value == MODEL
    assert created.etag == '"1"'
    assert len(server.received) == 3
    keys = {r.headers.get("idempotency-key") for r in server.received}
    assert len(keys) == 1
    (key,) = keys
    assert key
    assert key.startswith("u22a8py-")
    assert {r.body for r in server.received} == {server.received[0].body}
    assert sleeps[0] == 3.0
    # The 503 had no Retry-After: exponential backoff (second retry: 0.5 to 1 s).
    assert 0.5 <= sleeps[1] <= 1.0


def test_each_call_gets_its_own_key_and_a_given_key_is_sent_as_is(
    client: Client, server: ScriptedServer
) -> None:
    server.script(*(Reply(201, MODEL) for _ in range(3)))
    client.models.create("acme.a", ["Clarity"])
    client.models.create("acme.b", ["Clarity"])
    client.models.create("acme.c", ["Clarity"], idempotency_key="create-c-1")
    keys = [r.headers["idempotency-key"] for r in server.received]
    assert keys[0] != keys[1]
    assert keys[2] == "create-c-1"


def test_retries_are_bounded_and_the_last_problem_is_raised(
    client: Client, server: ScriptedServer, sleeps: Sleeps
) -> None:
    server.script(*(Reply(429, None, {"Retry-After": "1"}) for _ in range(4)))
    with pytest.raises(RateLimited) as raised:
        client.models.get("acme.tone")
    assert len(server.received) == 4  # max_attempts=4
    assert sleeps == [1.0, 1.0, 1.0]
    assert raised.value.status == 429
    assert raised.value.retry_after_s == 1.0


def test_a_retry_after_beyond_the_policy_is_not_waited_out(
    server: ScriptedServer, sleeps: Sleeps
) -> None:
    patient = Client(server.url, "k", retry=RetryPolicy(max_wait_s=10), sleep=sleeps)
    server.script(Reply(503, None, {"Retry-After": "120"}))
    with pytest.raises(ServiceUnavailable) as raised:
        patient.models.get("acme.tone")
    assert raised.value.retry_after_s == 120.0
    assert sleeps == []
    assert len(server.received) == 1


def test_an_http_date_retry_after_is_honoured(
    client: Client, server: ScriptedServer, sleeps: Sleeps
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    server.script(
        Reply(503, None, {"Retry-After": format_datetime(when, usegmt=True)}),
        Reply(200, MODEL),
    )
    client.models.get("acme.tone")
    assert len(sleeps) == 1
    assert 25 <= sleeps[0] <= 30


def test_request_in_progress_is_retried(
    client: Client, server: ScriptedServer, sleeps: Sleeps
) -> None:
    server.script(
        problem(409, "request-in-progress"),
        Reply(202, {"state": "busy", "run_id": "run_1"}),
    )
    assert client.train("acme.tone")["run_id"] == "run_1"
    assert len(server.received) == 2
    first, second = server.received
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert len(sleeps) == 1


def test_a_409_with_retry_after_is_retried_after_it(
    client: Client, server: ScriptedServer, sleeps: Sleeps
) -> None:
    busy_dependency = problem(409, "dependency-busy")
    busy_dependency.headers["Retry-After"] = "2"
    server.script(busy_dependency, Reply(200, MODEL))
    client.models.archive("acme.tone")
    assert sleeps == [2.0]


def test_a_409_that_needs_the_caller_is_raised_at_once(
    client: Client, server: ScriptedServer, sleeps: Sleeps
) -> None:
    server.script(problem(409, "model-busy", detail="run_9 is running", run_id="run_9"))
    with pytest.raises(ModelBusy) as raised:
        client.train("acme.tone", effort="high")
    assert raised.value.run_id == "run_9"
    assert sleeps == []
    assert len(server.received) == 1


def test_request_in_progress_for_too_long_raises_its_typed_error(
    client: Client, server: ScriptedServer
) -> None:
    server.script(*(problem(409, "request-in-progress") for _ in range(4)))
    with pytest.raises(RequestInProgress):
        client.samples.add("acme.tone", [{"text": "t", "scores": {"Clarity": 1}}])
    assert len(server.received) == 4


def test_a_500_is_retried_for_a_get_but_not_for_a_post_without_a_key(
    client: Client, server: ScriptedServer, sleeps: Sleeps
) -> None:
    server.script(problem(500, "internal-error"), Reply(200, MODEL))
    assert client.models.get("acme.tone").value == MODEL
    assert len(server.received) == 2

    server.script(problem(502, "bad-gateway"))
    with pytest.raises(ServerError) as raised:
        client.webhooks.create("https://example.com/hook", ["*"])
    assert raised.value.status == 502
    assert len(server.received) == 3
    assert len(sleeps) == 1


def test_a_502_is_retried_for_a_post_with_an_idempotency_key(
    client: Client, server: ScriptedServer
) -> None:
    server.script(
        Reply(502, {"message": "Internal server error"}), Reply(201, {"sample_ids": ["s1"]})
    )
    assert client.samples.add("acme.tone", [{"text": "t", "scores": {"Clarity": 1}}]) == ["s1"]
    assert len(server.received) == 2
    assert len({r.headers["idempotency-key"] for r in server.received}) == 1


def test_scoring_and_cancel_are_retried_as_the_contract_makes_them_idempotent(
    client: Client, server: ScriptedServer
) -> None:
    server.script(
        Reply(504, None),
        Reply(200, {"version": 1, "version_id": "mv_1", "results": [{"Clarity": 0.5}]}),
        Reply(500, None),
        Reply(200, {"run_id": "run_1", "status": "cancelled"}),
    )
    assert client.score("acme.tone", ["text"])["version"] == 1
    assert client.runs.cancel("acme.tone", "run_1")["status"] == "cancelled"
    assert len(server.received) == 4


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_refused_connection_is_retried_for_a_get_then_raised(sleeps: Sleeps) -> None:
    offline = Client(
        f"http://127.0.0.1:{_closed_port()}", "k", retry=RetryPolicy(max_attempts=3), sleep=sleeps
    )
    with pytest.raises(TransportError):
        offline.models.get("acme.tone")
    assert len(sleeps) == 2


def test_a_refused_connection_is_not_retried_for_a_plain_post(sleeps: Sleeps) -> None:
    offline = Client(f"http://127.0.0.1:{_closed_port()}", "k", sleep=sleeps)
    with pytest.raises(TransportError):
        offline.webhooks.ping("wh_1")
    assert sleeps == []


def test_a_connection_the_server_closed_is_replaced(
    client: Client, server: ScriptedServer, sleeps: Sleeps
) -> None:
    server.script(
        Reply(200, MODEL, {"Connection": "close"}),  # said so
        Reply(200, MODEL, hang_up=True),  # did not say so: an idle keep-alive timeout
        Reply(200, MODEL),
    )
    assert client.models.get("acme.tone").value == MODEL
    assert client.models.get("acme.tone").value == MODEL
    assert server.hung_up.wait(5)
    assert client.models.get("acme.tone").value == MODEL
    assert len(server.received) == 3
    assert sleeps == []  # no request failed on the dead socket and had to be retried


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("17", 17.0),
        (" 5 ", 5.0),
        (None, None),
        ("soon", None),
        ("1.5", None),
        ("\uff11", None),  # a fullwidth digit is not a digit here
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_of_a_past_date_is_zero() -> None:
    now = datetime(2026, 5, 19, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Tue, 19 May 2026 11:59:00 GMT", now) == 0.0
    assert parse_retry_after("Tue, 19 May 2026 12:00:10 GMT", now) == 10.0


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(backoff_s=1.0, backoff_cap_s=4.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        for _ in range(20):
            assert ceiling / 2 <= policy.backoff(attempt) <= ceiling


def test_a_429_is_retried_even_for_a_post_without_a_key(
    client: Client, server: ScriptedServer, sleeps: Sleeps
) -> None:
    server.script(Reply(429, {"message": "Too Many Requests"}), Reply(202))
    assert client.webhooks.ping("wh_1") is None
    assert [r.path for r in server.received] == ["/v1/webhooks/wh_1/ping"] * 2
    assert len(sleeps) == 1
    assert 0.25 <= sleeps[0] <= 0.5  # first backoff step: half to all of 0.5 s
