"""AWS for the cold-start benchmark: moto's server in this process, with the template's resources.

The server counts the requests it receives (``RequestCounter``), which checks the children's own
counts whatever session sent them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local import patches, resources


class RequestCounter:
    """WSGI middleware counting the requests moto's server receives, and the time it spends on them.

    The count checks the child's own (it sees every client, whatever session made it); the time is
    the emulator's share of a first request, which on AWS would be DynamoDB's latency instead.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self._lock = threading.Lock()
        self.count = 0
        self.seconds = 0.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        try:
            return list(self.app(environ, start_response))
        finally:
            with self._lock:
                self.count += 1
                self.seconds += time.perf_counter() - started

    def take(self) -> tuple[int, float]:
        """Requests and milliseconds since the last call."""
        with self._lock:
            taken = (self.count, self.seconds * 1000)
            self.count, self.seconds = 0, 0.0
        return taken


@patches.guarded("moto-request-counter")
def count_requests(server: Any) -> RequestCounter | None:
    """Put a ``RequestCounter`` in front of a started ``ThreadedMotoServer``'s WSGI app (moto's
    private ``_server``); ``None`` when it has none, and the check is skipped."""
    wsgi_server = getattr(server, "_server", None)
    if wsgi_server is None or not hasattr(wsgi_server, "app"):
        return None
    counter = RequestCounter(wsgi_server.app)
    wsgi_server.app = counter
    return counter


@dataclass
class Emulator:
    endpoint: str
    names: dict[str, str]
    counter: RequestCounter | None
    stop: Callable[[], None]


def aws_environment(endpoint: str) -> dict[str, str]:
    """What every child (and this process) needs to reach the emulator and nothing real."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "AWS_DEFAULT_REGION": resources.REGION,
        "AWS_REGION": resources.REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def start_emulator() -> Emulator:
    from moto.server import ThreadedMotoServer

    from local.emulator_patches import apply_emulator_patches

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
    # The local stack's moto: else, for one, moto deep-copies the whole table for every
    # transaction, a cost that grows with the seeded table and is billed to the first request.
    apply_emulator_patches()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"

    counter = count_requests(server)
    names = resources.physical_names(prefix="u22a8-bench")
    os.environ.update(aws_environment(endpoint))
    os.environ.update(resources.function_environment(names))

    import boto3

    resources.create_tables(boto3.client("dynamodb"), names)
    resources.create_buckets(boto3.client("s3"), names)  # the score route loads an artifact
    resources.create_event_buses(boto3.client("events"), names)  # train and cancel put events
    # No execution engine: an execution stays RUNNING, all the train and cancel routes need.
    resources.create_state_machines(boto3.client("stepfunctions"), names)
    resources.create_webhook_resources(names)  # the webhook routes: their queue and key
    return Emulator(endpoint=endpoint, names=names, counter=counter, stop=server.stop)
