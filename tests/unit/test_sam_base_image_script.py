"""``scripts/sam-base-image.sh`` where it cannot work: one clear line and its own exit code, so
``make sam-local`` says why and CI goes on (``make sam-image``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from local import sam_local

# What the script needs besides Docker; a PATH of only these is a machine without Docker.
_TOOLS = ("bash", "uname", "id", "env", "sort", "tail", "ls", "seq", "sleep", "timeout")


def _run(tmp_path: Path, *args: str, arch: str | None = None) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in _TOOLS:
        found = shutil.which(tool)
        assert found is not None, tool
        if not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(found)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    if arch is not None:
        env["SAM_ARCH"] = arch
    return subprocess.run(
        [str(bin_dir / "bash"), str(sam_local.IMAGE_SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_docker_it_says_so_in_one_line_and_exits_3(tmp_path: Path) -> None:
    result = _run(tmp_path)
    assert result.returncode == sam_local.NO_DOCKER
    (line,) = result.stderr.splitlines()
    assert line.startswith("!!! NO DOCKER: Docker is not installed")
    assert result.stdout == ""


def test_an_architecture_lambda_lacks_is_an_error_not_a_missing_docker(tmp_path: Path) -> None:
    result = _run(tmp_path, arch="riscv64")
    assert result.returncode == 1
    assert "unsupported architecture riscv64" in result.stderr


def test_the_script_is_executable() -> None:
    assert os.access(sam_local.IMAGE_SCRIPT, os.X_OK)
