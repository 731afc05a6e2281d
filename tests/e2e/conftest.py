"""The local stack as a user runs it: ``python -m local.stack`` in a subprocess, over real HTTP.

One stack serves the whole session (starting it costs a second or two); tests keep out of each
other's way by creating models under fresh handles. The stack picks a free port itself
(``--port 0``) and announces its URL and demo key through ``--ready-file``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from local import iam_audit
from local.template import ROOT

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
HTTP_TIMEOUT_S = 30.0
STACK_PREFIX = "u22a8-local"  # the stack's default --prefix: its resources' physical names


def _base_environment() -> dict[str, str]:
    """The caller's environment without anything that could reach a real AWS account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass(frozen=True)
class LocalStack:
    url: str
    api_key: str
    namespace: str
    moto_endpoint: str
    keys_table: str
    stdout_path: Path
    stderr_path: Path

    def aws_environment(self) -> dict[str, str]:
        """What an operator exports to point the CLI (or any boto3 code) at this stack."""
        return {
            **_base_environment(),
            "AWS_ENDPOINT_URL": self.moto_endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "KEYS_TABLE": self.keys_table,
        }

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the operator CLI, ``python -m u22a8.cli``, against this stack's moto."""
        return subprocess.run(
            [sys.executable, "-m", "u22a8.cli", *args],
            cwd=ROOT,
            env=self.aws_environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def api_cli(
        self, *args: str, key: str | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        """Run the CLI's API commands against this stack's URL with ``key`` (default: the demo
        key), as a user would: no AWS or U22A8 variables from the test's own environment."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "U22A8_"))}
        env.update(U22A8_API_URL=self.url, U22A8_API_KEY=key or self.api_key)
        return subprocess.run(
            [sys.executable, "-m", "u22a8.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def issue_key(self, namespace: str) -> tuple[str, str]:
        """``(key_id, api_key)`` of a new key, issued through the CLI."""
        result = self.cli("keys", "create", "--namespace", namespace, "--description", "e2e")
        assert result.returncode == 0, result.stderr
        key_id = re.search(r"^key_id:\s+(\S+)$", result.stdout, re.MULTILINE)
        api_key = re.search(r"^api key:\s+(\S+)$", result.stdout, re.MULTILINE)
        assert key_id is not None, result.stdout
        assert api_key is not None, result.stdout
        return key_id.group(1), api_key.group(1)

    def logs(self) -> str:
        return _logs(self.stdout_path, self.stderr_path)


def _logs(stdout_path: Path, stderr_path: Path) -> str:
    return f"--- stdout ---\n{_tail(stdout_path)}\n--- stderr ---\n{_tail(stderr_path)}"


def _tail(path: Path, limit: int = 20_000) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return text[-limit:]


def _stop(process: subprocess.Popen[bytes], timeout_s: float) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


@contextmanager
def started_stack(
    module: str,
    workdir: Path,
    env: Mapping[str, str],
    *,
    start_timeout_s: float,
    stop_timeout_s: float,
    poll_s: float,
    clean_stop: bool = True,
) -> Iterator[LocalStack]:
    """``python -m <module> --port 0 --ready-file …`` (``local.stack`` or ``local.sam_local``):
    start it, wait (bounded) for its ready file, stop it with Ctrl-C at the end and check that it
    stopped cleanly (exit code 0, ``Stopped.``, and with ``clean_stop`` no traceback on stderr)."""
    ready = workdir / "ready.json"
    stdout_path, stderr_path = workdir / "stdout.log", workdir / "stderr.log"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        # Output goes to files, not pipes: nobody reads a pipe while tests run, and a full pipe
        # would block the server.
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--port", "0", "--ready-file", str(ready)],
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=err,
        )
    deadline = time.monotonic() + start_timeout_s
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
                process.wait()
            pytest.fail(
                f"{module} did not become ready (exit code {process.returncode})\n"
                + _logs(stdout_path, stderr_path)
            )
        time.sleep(poll_s)  # polling the ready file, bounded by the deadline above
    info: dict[str, Any] = json.loads(ready.read_text(encoding="utf-8"))
    running = LocalStack(
        url=info["url"],
        api_key=info["api_key"],
        namespace=info["namespace"],
        moto_endpoint=info["moto_endpoint"],
        keys_table=info["keys_table"],
        stdout_path=stdout_path,
        stderr_path=stderr_path,
    )
    try:
        yield running
    finally:
        if process.poll() is None:
            stderr_before_stop = stderr_path.stat().st_size
            try:
                code = _stop(process, stop_timeout_s)
            except subprocess.TimeoutExpired:
                pytest.fail(f"{module} ignored Ctrl-C for {stop_timeout_s} s\n{running.logs()}")
            with stderr_path.open("rb") as handle:
                handle.seek(stderr_before_stop)
                after_stop = handle.read().decode(errors="replace")
            assert code == 0, f"{module} exited with {code} on Ctrl-C\n{running.logs()}"
            assert not clean_stop or "Traceback" not in after_stop, after_stop
            assert "Stopped." in _tail(stdout_path)
        else:
            pytest.fail(f"{module} died during the tests\n{running.logs()}")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """``python -m local.stack`` until the session ends; then the IAM audit of its calls."""
    workdir = tmp_path_factory.mktemp("local-stack")
    calls_path = workdir / "iam-calls.jsonl"  # the IAM audit: every AWS call of every function
    with started_stack(
        "local.stack",
        workdir,
        {**_base_environment(), iam_audit.SINK_VARIABLE: str(calls_path)},
        start_timeout_s=START_TIMEOUT_S,
        stop_timeout_s=STOP_TIMEOUT_S,
        poll_s=0.05,
    ) as running:
        yield running
        # One authorised request of our own, so the audit has calls to check even when this
        # worker's share of the suite made none (one file run alone, or xdist's split): no
        # calls recorded then means the audit itself is not running.
        requests.get(
            f"{running.url}/v1/models",
            headers={"Authorization": f"Bearer {running.api_key}"},
            timeout=30,
        ).raise_for_status()
    _audit(iam_audit.read_calls(calls_path))


def _audit(calls: list[iam_audit.Call]) -> None:
    """Every call the stack's functions and state machine made must be one their roles in
    template.yaml allow (``local.iam_audit``): the suite fails naming each one that is not."""
    assert calls, "the local stack recorded no AWS calls: the IAM audit is not running"
    refused = iam_audit.violations(calls, STACK_PREFIX)
    assert not refused, "calls the deployed IAM policies would refuse:\n" + "\n".join(refused)


def new_handle(namespace: str) -> str:
    """A handle no other test uses (the stack is shared by the whole session)."""
    return f"{namespace}.m-{uuid.uuid4().hex[:12]}"


class Api:
    """A tiny client for the API over HTTP; every call is a fresh ``requests`` call, so it is
    safe to use from many threads at once."""

    def __init__(self, base_url: str, key: str | None) -> None:
        self.base_url = base_url
        self.key = key

    def with_key(self, key: str | None) -> Api:
        return Api(self.base_url, key)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        all_headers = {"Content-Type": "application/json"}
        if self.key is not None:
            all_headers["Authorization"] = f"Bearer {self.key}"
        all_headers.update(headers or {})
        if data is None and body is not None:
            data = json.dumps(body).encode()
        return requests.request(
            method,
            self.base_url + path,
            data=data,
            headers=all_headers,
            params=params,
            timeout=HTTP_TIMEOUT_S,
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def create_model(self, namespace: str, **fields: Any) -> dict[str, Any]:
        """A new draft under a fresh handle (plus ``fields``); returns its JSON."""
        body = {"handle": new_handle(namespace), "criteria": ["Clarity", "Flow"], **fields}
        response = self.post("/v1/models", body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def api_fixtures() -> tuple[Any, Any]:
    """The ``api`` and ``globex`` fixtures over the ``stack`` of the calling conftest's directory:
    new definitions, because a session fixture is cached per definition (a directory that serves
    another gateway must not get this one's)."""

    @pytest.fixture(scope="session")
    def api(stack: LocalStack) -> Api:
        """The API with the stack's demo key (namespace ``stack.namespace``)."""
        return Api(stack.url, stack.api_key)

    @pytest.fixture(scope="session")
    def globex(stack: LocalStack) -> Api:
        """The API with a key of another namespace, issued through the operator CLI."""
        _, key = stack.issue_key("globex")
        return Api(stack.url, key)

    return api, globex


api, globex = api_fixtures()


PROBLEM_FIELDS = ("type", "title", "status", "detail", "request_id")


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    """Every error is RFC 9457 problem+json with the same fields; returns the problem."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    problem: dict[str, Any] = response.json()
    missing = [name for name in PROBLEM_FIELDS if name not in problem]
    assert not missing, f"problem without {missing}: {problem}"
    assert problem["status"] == status
    assert problem["type"].startswith("https://u22a8.ai/problems/")
    assert isinstance(problem["request_id"], str)
    assert problem["request_id"]
    assert isinstance(problem["detail"], str)
    assert problem["detail"]
    return problem
