"""The end-to-end tests again, with SAM CLI's emulator as the gateway: ``python -m
local.sam_local`` (``make sam-local``) in a subprocess, the same moto-backed AWS side as the local
stack, every request served by ``sam local start-api`` in Lambda containers.

``stack``, ``api`` and ``globex`` are this directory's own (session-scoped fixtures are cached
per definition, so the parent's would keep serving the other gateway). Where Docker cannot be
had, these tests are skipped with one loud line; the rest of the suite runs.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local import sam_local
from tests.e2e.conftest import LocalStack, _base_environment, api_fixtures, started_stack

# The image and build are prepared before (``make sam-image``, cached); this bounds SAM CLI's
# start, the cached ``sam build`` and moto's.
START_TIMEOUT_S = 240.0
STOP_TIMEOUT_S = 90.0  # SAM CLI stops, then its containers are removed


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sam: end-to-end tests with sam local start-api as gateway")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.sam)
            item.add_marker(pytest.mark.e2e)


def _loud_skip(request: pytest.FixtureRequest, reason: str) -> None:
    line = f"!!! SAM CLI GATEWAY TESTS SKIPPED: {reason} !!!"
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line, red=True, bold=True)
    else:
        print(line, file=sys.stderr)
    pytest.skip(line)


def _docker_ready(arch: str) -> str | None:
    """Why the containers cannot run here, or ``None``; prepares nothing (``make sam-image``)."""
    if not sam_local.SAM.exists():
        return f"no SAM CLI at {sam_local.SAM} (make install)"
    image = f"public.ecr.aws/lambda/python:3.12-{arch}"
    try:
        found = subprocess.run(
            ["docker", "image", "inspect", image], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return "Docker is not installed (make sam-image installs and starts it)"
    if found.returncode != 0:
        if "Cannot connect" in found.stderr or "daemon" in found.stderr:
            return "the Docker daemon is not running (make sam-image starts it)"
        return f"no {image} image (make sam-image prepares it)"
    return None


@pytest.fixture(scope="session")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalStack]:
    """``python -m local.sam_local`` on a free port until the session ends (then Ctrl-C)."""
    arch = sam_local.architecture(platform.machine())
    reason = _docker_ready(arch)
    if reason is not None:
        _loud_skip(request, reason)
    with started_stack(
        "local.sam_local",
        tmp_path_factory.mktemp("sam-local"),
        _base_environment(),
        start_timeout_s=START_TIMEOUT_S,
        stop_timeout_s=STOP_TIMEOUT_S,
        poll_s=0.2,
        clean_stop=False,  # SAM CLI shares its output, and may print its own on Ctrl-C
    ) as running:
        yield running


api, globex = api_fixtures()
