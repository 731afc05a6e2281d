"""The ``u22a8`` API commands as a user runs them: a subprocess with ``U22A8_API_URL`` and
``U22A8_API_KEY`` against the local stack, ending in ``u22a8 train ... --wait``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.synthetic import labelled_samples
from tests.e2e.conftest import LocalStack, new_handle

pytestmark = pytest.mark.e2e

CRITERIA = ["Clarity", "Flow"]


def _bar_lines(stderr: str, run_id: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(f"{run_id} [")]


def test_train_wait_fills_the_bar_and_succeeds(stack: LocalStack, tmp_path: Path) -> None:
    handle = new_handle(stack.namespace)
    created = stack.api_cli("models", "create", handle, "--criteria", *CRITERIA, "--json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["state"] == "draft"

    source = tmp_path / "samples.jsonl"
    lines = [json.dumps(s) for s in labelled_samples(48, CRITERIA, seed=21)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    added = stack.api_cli("samples", "add", handle, str(source), "--batch-size", "20")
    assert added.returncode == 0, added.stderr
    assert added.stdout == f"added 48 samples to {handle}\n"

    trained = stack.api_cli("train", handle, "--effort", "low", "--wait", "--poll-interval", "0.05")
    assert trained.returncode == 0, trained.stderr
    run_id = trained.stderr.split("started ", 1)[1].split()[0]
    assert trained.stdout == f"run {run_id} succeeded: version 1\n"
    bars = _bar_lines(trained.stderr, run_id)
    percents = [int(line.split("]")[1].split("%")[0]) for line in bars if "?%" not in line]
    assert percents == sorted(percents)
    assert bars[-1].endswith("100% succeeded")

    versions = stack.api_cli("versions", "list", handle, "--json")
    assert versions.returncode == 0, versions.stderr
    assert [json.loads(v)["run_id"] for v in versions.stdout.splitlines()] == [run_id]
    scored = stack.api_cli("score", handle, "Simple, clear and direct.", "--json")
    assert scored.returncode == 0, scored.stderr
    assert sorted(json.loads(scored.stdout)["results"][0]) == CRITERIA

    shown = stack.api_cli("models", "get", handle)
    assert shown.returncode == 0, shown.stderr
    assert "ready" in shown.stdout
    assert "etag" in shown.stdout


def test_train_wait_exits_1_and_prints_the_runs_error(stack: LocalStack, tmp_path: Path) -> None:
    handle = new_handle(stack.namespace)
    assert stack.api_cli("models", "create", handle, "--criteria", *CRITERIA).returncode == 0
    source = tmp_path / "few.jsonl"
    source.write_text(
        "".join(json.dumps(s) + "\n" for s in labelled_samples(3, CRITERIA, seed=3)),
        encoding="utf-8",
    )
    assert stack.api_cli("samples", "add", handle, str(source)).returncode == 0
    trained = stack.api_cli("train", handle, "--wait", "--poll-interval", "0.05")
    assert trained.returncode == 1
    assert "failed: not-enough-samples:" in trained.stderr
    assert trained.stdout == ""


def test_a_problem_exits_1_with_its_detail_and_request_id(stack: LocalStack) -> None:
    missing = stack.api_cli("models", "get", new_handle(stack.namespace))
    assert missing.returncode == 1
    assert "404" in missing.stderr
    assert "request_id" in missing.stderr
