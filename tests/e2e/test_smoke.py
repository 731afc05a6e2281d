"""The deploy smoke test (``make smoke``, ``scripts/smoke.py``) proven against the local stack
over real HTTP: it passes on a working API, and fails loudly when a step's answer is wrong."""

from __future__ import annotations

import subprocess
import sys

import pytest

from local import template
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

SCRIPT = template.ROOT / "scripts" / "smoke.py"


def _smoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--wait", "120"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_walk_through_passes_against_a_working_api(stack: LocalStack) -> None:
    done = _smoke("--url", stack.url, "--key", stack.api_key, "--namespace", stack.namespace)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1].startswith(f"smoke test passed ({stack.namespace}.smoke-")
    for step in (
        "create:",
        "patch:",
        "training: ready with version 1",
        "tag prod:",
        "without a key:",
    ):
        assert any(line.startswith(step) for line in lines), (step, done.stdout)


def test_it_fails_loudly_on_an_unexpected_status(stack: LocalStack) -> None:
    done = _smoke("--url", stack.url, "--key", "u22a8_not-a-key", "--namespace", stack.namespace)
    assert done.returncode == 1
    assert "SMOKE TEST FAILED" in done.stderr
    assert "create: expected 201, got 401" in done.stderr


def test_it_refuses_a_handle_outside_the_keys_namespace(stack: LocalStack) -> None:
    done = _smoke("--url", stack.url, "--key", stack.api_key, "--namespace", "someone-else")
    assert done.returncode == 1
    assert "create: expected 201" in done.stderr
