"""The delivery's HTTP call connects to the address the guard checked, never to a fresh DNS
answer, and reports every way a receiver can fail."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from tests.webhook_receiver import receiving
from u22a8.data.webhook_http import post
from u22a8.entities.webhook import Target


def test_the_connection_goes_to_the_checked_address_with_the_urls_host() -> None:
    with receiving([204]) as receiver:
        port = int(receiver.url.split(":")[2].split("/")[0])
        # hooks.invalid resolves nowhere: only the pinned address can have been used.
        target = Target("http", "hooks.invalid", port, "/in?x=1", ("127.0.0.1",))
        outcome = post(target, {"webhook-id": "evt_1"}, b"{}")
        (request,) = receiver.wait_for(1)
    assert (outcome.status_code, outcome.error, outcome.ok) == (204, None, True)
    assert request.path == "/in?x=1"
    assert request.headers["Host"] == f"hooks.invalid:{port}"
    assert request.headers["webhook-id"] == "evt_1"
    assert request.body == b"{}"


def test_a_non_2xx_answer_is_a_failure_with_its_status() -> None:
    with receiving([302]) as receiver:
        port = int(receiver.url.split(":")[2].split("/")[0])
        outcome = post(Target("http", "127.0.0.1", port, "/", ("127.0.0.1",)), {}, b"{}")
    assert (outcome.status_code, outcome.error) == (302, "the receiver answered 302")


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_is_a_failure_without_a_status(closed_port: int) -> None:
    target = Target("http", "127.0.0.1", closed_port, "/", ("127.0.0.1",))
    outcome = post(target, {}, b"{}")
    assert outcome.status_code is None
    assert outcome.error is not None
    assert outcome.error.startswith("connection failed")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_a_receiver_that_never_answers_times_out(silent_port: int) -> None:
    target = Target("http", "127.0.0.1", silent_port, "/", ("127.0.0.1",))
    outcome = post(target, {}, b"{}", timeout_s=0.2)
    assert (outcome.status_code, outcome.error) == (None, "no answer within 0.2 s")


def test_tls_is_verified_against_the_urls_host(silent_port: int) -> None:
    target = Target("https", "hooks.invalid", silent_port, "/", ("127.0.0.1",))
    outcome = post(target, {}, b"{}", timeout_s=0.2)
    assert outcome.status_code is None
    assert outcome.error is not None
