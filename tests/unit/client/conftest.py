"""The client's unit tests talk real HTTP to a scripted server on 127.0.0.1; sleeps are recorded,
not slept, so Retry-After is checked by value and the tests stay fast."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.client.scripted_server import ScriptedServer, running
from u22a8.client import Client, RetryPolicy


class Sleeps(list[float]):
    """Every wait the client asked for, in order."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    yield from running()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(server: ScriptedServer, sleeps: Sleeps) -> Iterator[Client]:
    with Client(
        server.url, "u22a8_test_key", timeout=5, retry=RetryPolicy(max_attempts=4), sleep=sleeps
    ) as made:
        yield made
