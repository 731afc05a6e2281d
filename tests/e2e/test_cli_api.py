"""The ``u22a8`` API commands as a user runs them: a subprocess with ``U22A8_API_URL`` and
``U22A8_API_KEY`` against the local stack, ending in ``u22a8 train ... --wait``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.synthetic import labelled_samples
from local.template import ROOT
from tests.e2e.conftest import LocalStack, new_handle

pytestmark = pytest.mark.e2e

CRITERIA = ["Clarity", "Flow"]


def _u22a8(stack: LocalStack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "U22A8_"))}
    env.update(U22A8_API_URL=stack.url, U22A8_API_KEY=stack.api_key)
    return subprocess.run(
        [sys.executable, "-m", "u22a8.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _bar_lines(stderr: str, run_id: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(f"{run_id} [")]


def test_train_wait_fills_the_bar_and_succeeds(stack: LocalStack, tmp_path: Path) -> None:
    handle = new_handle(stack.namespace)
    created = _u22a8(stack, "models", "create", handle, "--criteria", *CRITERIA, "--json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["state"] == "draft"

    source = tmp_path / "samples.jsonl"
    lines = [json.dumps(s) for s in labelled_samples(48, CRITERIA, seed=21)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    added = _u22a8(stack, "samples", "add", handle, str(source), "--batch-size", "20")
    assert added.returncode == 0, added.stderr
    assert added.stdout == f"added 48 samples to {handle}\n"

    trained = _u22a8(stack, "train", handle, "--effort", "low", "--wait", "--poll-interval", "0.05")
    assert trained.returncode == 0, trained.stderr
    run_id = trained.stderr.split("started ", 1)[1].split()[0]
    assert trained.stdout == f"run {run_id} succeeded: version 1\n"
    bars = _bar_lines(trained.stderr, run_id)
    percents = [int(line.split("]")[1].split("%")[0]) for line in bars if "?%" not in line]
    assert percents == sorted(percents)
    assert bars[-1].endswith("100% succeeded")

    versions = _u22a8(stack, "versions", "list", handle, "--json")
    assert versions.returncode == 0, versions.stderr
    assert [json.loads(v)["run_id"] for v in versions.stdout.splitlines()] == [run_id]
    scored = _u22a8(stack, "score", handle, "Simple, clear and direct.", "--json")
    assert scored.returncode == 0, scored.stderr
    assert sorted(json.loads(scored.stdout)["results"][0]) == CRITERIA

    shown = _u22a8(stack, "models", "get", handle)
    assert shown.returncode == 0, shown.stderr
    assert "ready" in shown.stdout
    assert "etag" in shown.stdout


def test_train_wait_exits_1_and_prints_the_runs_error(stack: LocalStack, tmp_path: Path) -> None:
    handle = new_handle(stack.namespace)
    assert _u22a8(stack, "models", "create", handle, "--criteria", *CRITERIA).returncode == 0
    source = tmp_path / "few.jsonl"
    source.write_text(
        "".join(json.dumps(s) + "\n" for s in labelled_samples(3, CRITERIA, seed=3)),
        encoding="utf-8",
    )
    assert _u22a8(stack, "samples", "add", handle, str(source)).returncode == 0
    trained = _u22a8(stack, "train", handle, "--wait", "--poll-interval", "0.05")
    assert trained.returncode == 1
    assert "failed: not-enough-samples:" in trained.stderr
    assert trained.stdout == ""


def test_a_problem_exits_1_with_its_detail_and_request_id(stack: LocalStack) -> None:
    missing = _u22a8(stack, "models", "get", new_handle(stack.namespace))
    assert missing.returncode == 1
    assert "404" in missing.stderr
    assert "request_id" in missing.stderr
