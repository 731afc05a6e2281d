"""The import-linter contracts (pyproject.toml, run by `make lint`) hold, and each one fails on a
deliberate break: a copy of the code with one bad import added must be refused, naming the broken
contract, so the lint cannot be a check that always passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# (file to edit, line appended to it, the name of the contract that must break)
BREAKS = [
    (
        "shared/u22a8/data/items.py",
        "from u22a8.domain import clock",
        "handlers -> api -> domain -> data -> entities: nothing imports a layer above it",
    ),
    (
        "functions/get_model/app.py",
        "from u22a8.data import models_repo",
        "handlers, the CLI and the api reach storage only through the domain",
    ),
    (
        "shared/u22a8/api/http.py",
        "from u22a8.data import clients",
        "handlers, the CLI and the api reach storage only through the domain",
    ),
    (
        "shared/u22a8/training/metrics.py",
        "from u22a8.entities import errors",
        "training, scoring and auth are leaves: pure computation, none of the service's layers",
    ),
    (
        "shared/u22a8/scoring/scorer.py",
        "import numpy",
        "scoring imports neither numpy nor the trainer (the score handler's cold start)",
    ),
    (
        "shared/u22a8/domain/clock.py",
        "import boto3",
        "only data imports boto3 and botocore",
    ),
    (
        "shared/u22a8/entities/model.py",
        "from u22a8.config import get_settings",
        "entities are plain types: no settings, logging, AWS, Powertools or numpy",
    ),
    (
        "shared/u22a8/config.py",
        "from u22a8.domain import clock",
        "entities, config and observability import none of the layers",
    ),
]


def _lint_copy(tmp_path: Path, edit: tuple[str, str] | None) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on a copy of the code (``u22a8`` and ``functions``), with one line added."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "shared" / "u22a8", tmp_path / "shared" / "u22a8", ignore=ignore)
    shutil.copytree(ROOT / "functions", tmp_path / "functions", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if edit is not None:
        path, line = edit
        with (tmp_path / path).open("a") as source:
            source.write(f"\n{line}  # the deliberate break\n")
    # The copy's shared/ comes first on the path (the editable install's finder comes after it),
    # and lint-imports adds its working directory, where the copy's functions/ is.
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "shared")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_code_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint_copy(tmp_path, None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("path", "line", "contract"), BREAKS, ids=[b[0] for b in BREAKS])
def test_a_deliberate_break_fails_the_lint(
    tmp_path: Path, path: str, line: str, contract: str
) -> None:
    result = _lint_copy(tmp_path, (path, line))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{contract} BROKEN" in " ".join(result.stdout.split())
