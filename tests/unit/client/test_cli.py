"""The ``u22a8`` API commands, in-process, against the scripted HTTP server: what they send,
what they print (text and ``--json``), and their exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.client.scripted_server import Received, Reply, ScriptedServer, problem
from u22a8 import cli
from u22a8.client.cli.progress import ProgressBar, render
from u22a8.client.types import Progress

MODEL: dict[str, Any] = {
    "handle": "acme.tone",
    "criteria": ["Clarity", "Flow"],
    "state": "draft",
    "active_version": None,
    "updated_at": "2026-05-19T12:00:00Z",
}


@pytest.fixture(autouse=True)
def api_env(server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("U22A8_API_URL", server.url)
    monkeypatch.setenv("U22A8_API_KEY", "u22a8_cli_key")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_models_create_sends_the_flags_and_prints_the_model_and_etag(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(Reply(201, MODEL, {"ETag": '"1"'}))
    code, out, _ = _run(
        capsys,
        "models", "create", "acme.tone", "--criteria", "Clarity", "Flow",
        "--description", "tone", "--keep-unnamed", "5", "--keep-first-of-month", "false",
    )  # fmt: skip
    assert code == 0
    (request,) = server.received
    assert request.headers["authorization"] == "Bearer u22a8_cli_key"
    assert request.headers["idempotency-key"]
    assert request.json() == {
        "handle": "acme.tone",
        "criteria": ["Clarity", "Flow"],
        "description": "tone",
        "auto_prune": {"keep_unnamed": 5, "keep_first_of_month": False},
    }
    assert "handle          acme.tone" in out
    assert 'etag            "1"' in out


def test_json_output_is_the_api_body(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(Reply(200, MODEL, {"ETag": '"1"'}))
    code, out, _ = _run(capsys, "models", "get", "acme.tone", "--json")
    assert code == 0
    assert json.loads(out) == MODEL


def _pages(request: Received) -> Reply:
    start = int(request.query.get("cursor", "0"))
    size = int(request.query["limit"])
    end = min(start + size, 5)
    data = [{**MODEL, "handle": f"acme.m{i}"} for i in range(start, end)]
    return Reply(200, {"data": data, "next_cursor": str(end) if end < 5 else None})


def test_models_list_prints_a_table_up_to_the_limit(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.router = _pages
    code, out, _ = _run(capsys, "models", "list", "--limit", "3")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["handle", "state", "active_version", "criteria", "updated_at"]
    assert [line.split()[0] for line in lines[1:]] == ["acme.m0", "acme.m1", "acme.m2"]
    assert len(server.received) == 1

    code, out, _ = _run(capsys, "models", "list", "--all", "--json", "--state", "archived")
    assert [json.loads(line)["handle"] for line in out.splitlines()] == [
        f"acme.m{i}" for i in range(5)
    ]
    assert server.received[-1].query == {"state": "archived", "limit": "100"}


def test_models_patch_builds_a_merge_patch(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(Reply(200, MODEL, {"ETag": '"3"'}), Reply(200, MODEL, {"ETag": '"4"'}))
    code, _, _ = _run(
        capsys,
        "models", "patch", "acme.tone", "--clear-description", "--zero-data-retention", "off",
        "--keep-unnamed", "7", "--if-match", '"2"',
    )  # fmt: skip
    assert code == 0
    code, _, _ = _run(
        capsys, "models", "patch", "acme.tone", "--description", "d", "--default-auto-prune"
    )
    assert code == 0
    first, second = server.received
    assert first.json() == {
        "description": None,
        "zero_data_retention": False,
        "auto_prune": {"keep_unnamed": 7},
    }
    assert first.headers["if-match"] == '"2"'
    assert second.json() == {"description": "d", "auto_prune": None}
    assert "if-match" not in second.headers


def test_a_bad_boolean_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["models", "patch", "acme.tone", "--zero-data-retention", "maybe"])
    assert exited.value.code == 2
    assert "expected true or false" in capsys.readouterr().err


def test_models_archive(server: ScriptedServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.script(Reply(200, {**MODEL, "state": "archived"}, {"ETag": '"9"'}))
    code, out, _ = _run(capsys, "models", "archive", "acme.tone", "--if-match", "*")
    assert code == 0
    assert server.received[0].method == "DELETE"
    assert server.received[0].headers["if-match"] == "*"
    assert "archived" in out


def test_a_problem_is_printed_with_its_fields_and_exits_1(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(
        problem(
            422,
            "validation-error",
            detail="Fix the fields named in errors.",
            errors=[{"loc": ["body", "criteria"], "msg": "at least one", "type": "too_short"}],
        )
    )
    code, out, err = _run(capsys, "models", "create", "acme.tone", "--criteria", "X")
    assert code == 1
    assert out == ""
    assert "422" in err
    assert "Fix the fields named in errors." in err
    assert "body.criteria: at least one" in err
    assert "req-validation-error" in err


def test_without_url_or_key_it_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("U22A8_API_KEY")
    code, _, err = _run(capsys, "models", "get", "acme.tone")
    assert code == 2
    assert "U22A8_API_KEY" in err


def _store(request: Received) -> Reply:
    count = len(request.json()["samples"])
    return Reply(201, {"sample_ids": [f"smp_{i}" for i in range(count)]})


def test_samples_add_uploads_a_jsonl_file_in_batches(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "samples.jsonl"
    lines = [json.dumps({"text": f"t{i}", "scores": {"Clarity": 0.5}}) for i in range(7)]
    source.write_text("\n".join(lines), encoding="utf-8")
    server.router = _store
    code, out, err = _run(
        capsys, "samples", "add", "acme.tone", str(source), "--batch-size", "3",
        "--idempotency-prefix", "load-1",
    )  # fmt: skip
    assert code == 0
    assert [len(r.json()["samples"]) for r in server.received] == [3, 3, 1]
    assert [r.headers["idempotency-key"] for r in server.received] == [
        "load-1-1",
        "load-1-2",
        "load-1-3",
    ]
    assert out == "added 7 samples to acme.tone\n"
    assert err.splitlines() == ["stored 3 samples", "stored 6 samples", "stored 7 samples"]


def test_samples_add_names_a_bad_line_and_a_missing_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "t", "scores": {}}\nnope\n', encoding="utf-8")
    code, _, err = _run(capsys, "samples", "add", "acme.tone", str(source))
    assert code == 1
    assert "bad.jsonl:2: not JSON" in err
    code, _, err = _run(capsys, "samples", "add", "acme.tone", str(tmp_path / "none.jsonl"))
    assert code == 1
    assert "none.jsonl" in err


def test_samples_list_and_delete(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = {"sample_id": "smp_1", "text": "t", "scores": {"Clarity": 1}, "created_at": "x"}
    server.script(Reply(200, {"data": [sample], "next_cursor": None}), Reply(204))
    code, out, _ = _run(capsys, "samples", "list", "acme.tone", "--json")
    assert code == 0
    assert json.loads(out) == sample
    code, out, _ = _run(capsys, "samples", "delete", "acme.tone", "smp_1")
    assert (code, out) == (0, "deleted smp_1\n")
    assert server.received[-1].path == "/v1/models/acme.tone/samples/smp_1"


def _model_at(status: str, progress: float, **extra: Any) -> Reply:
    operation = {"kind": "train", "status": status, "run_id": "run_1", "progress": progress}
    return Reply(200, {**MODEL, "state": "busy", "last_operation": {**operation, **extra}})


def test_train_wait_shows_progress_and_succeeds(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(
        Reply(202, {"state": "busy", "run_id": "run_1"}),
        _model_at("running", 0.0),
        _model_at("running", 0.5),
        _model_at("succeeded", 1.0),
        Reply(200, {"run_id": "run_1", "status": "succeeded", "version": 1}),
    )
    code, out, err = _run(
        capsys, "train", "acme.tone", "--effort", "low", "--wait", "--poll-interval", "0.001"
    )
    assert code == 0
    assert server.received[0].json() == {"effort": "low"}
    assert out == "run run_1 succeeded: version 1\n"
    bars = [line for line in err.splitlines() if line.startswith("run_1 [")]
    assert [b.split("]")[1].split() for b in bars] == [
        ["0%", "running"],
        ["50%", "running"],
        ["100%", "succeeded"],
    ]


def test_train_wait_exits_1_with_the_runs_error(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    error = {"code": "not-enough-samples", "message": "Add 10 more samples."}
    server.script(
        Reply(202, {"state": "busy", "run_id": "run_1"}),
        _model_at("failed", 0.1, error=error),
        Reply(200, {"run_id": "run_1", "status": "failed", "error": error}),
    )
    code, out, err = _run(capsys, "train", "acme.tone", "--wait")
    assert code == 1
    assert out == ""
    assert "run run_1 failed: not-enough-samples: Add 10 more samples." in err


def test_runs_wait_of_a_cancelled_run_exits_1_and_json_prints_the_run(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(
        _model_at("cancelled", 0.3),
        Reply(200, {"run_id": "run_1", "status": "cancelled"}),
    )
    code, out, err = _run(capsys, "runs", "wait", "acme.tone", "run_1", "--json")
    assert code == 1
    assert json.loads(out)["status"] == "cancelled"
    assert "run run_1 was cancelled" in err


def test_train_wait_gives_up_at_its_timeout_with_exit_3(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(Reply(202, {"state": "busy", "run_id": "run_1"}))
    server.router = lambda request: _model_at("running", 0.2)
    code, _, err = _run(
        capsys, "train", "acme.tone", "--wait", "--timeout", "0", "--poll-interval", "0.001"
    )
    assert code == 3
    assert "still running" in err
    assert "u22a8 runs wait acme.tone run_1" in err


def test_train_without_wait_and_on_a_ready_model(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(
        Reply(202, {"state": "busy", "run_id": "run_1"}),
        Reply(200, {"state": "ready", "run_id": None}),
        Reply(202, {"state": "busy", "run_id": "run_2"}),
    )
    code, out, _ = _run(capsys, "train", "acme.tone", "--reoptimize-params")
    assert code == 0
    assert "started run_1" in out
    assert server.received[0].json() == {"reoptimize_params": True}
    code, out, _ = _run(capsys, "train", "acme.tone")
    assert code == 0
    assert "nothing was queued" in out
    code, out, _ = _run(capsys, "train", "acme.tone", "--json")
    assert json.loads(out) == {"state": "busy", "run_id": "run_2"}


def test_runs_versions_tags(server: ScriptedServer, capsys: pytest.CaptureFixture[str]) -> None:
    run = {"run_id": "run_1", "kind": "train", "status": "running", "progress": 0.5}
    version = {"version": 1, "version_id": "mv_1", "tags": ["prod"], "run_id": "run_1"}
    server.script(
        Reply(200, {"data": [run], "next_cursor": None}),
        Reply(200, run),
        Reply(200, {**run, "status": "cancelled"}),
        Reply(200, {"data": [version], "next_cursor": None}),
        Reply(200, version),
        Reply(200, version),
        Reply(200, MODEL, {"ETag": '"5"'}),
    )
    commands = [
        ["runs", "list", "acme.tone"],
        ["runs", "get", "acme.tone", "run_1"],
        ["runs", "cancel", "acme.tone", "run_1"],
        ["versions", "list", "acme.tone"],
        ["versions", "get", "acme.tone", "1"],
        ["tags", "set", "acme.tone", "prod", "1"],
        ["tags", "delete", "acme.tone", "prod"],
    ]
    outputs = []
    for argv in commands:
        code, out, _ = _run(capsys, *argv)
        assert code == 0, argv
        outputs.append(out)
    assert [(r.method, r.path) for r in server.received] == [
        ("GET", "/v1/models/acme.tone/runs"),
        ("GET", "/v1/models/acme.tone/runs/run_1"),
        ("POST", "/v1/models/acme.tone/runs/run_1/cancel"),
        ("GET", "/v1/models/acme.tone/versions"),
        ("GET", "/v1/models/acme.tone/versions/1"),
        ("PUT", "/v1/models/acme.tone/tags/prod"),
        ("DELETE", "/v1/models/acme.tone/tags/prod"),
    ]
    assert outputs[0].splitlines()[1].split()[:3] == ["run_1", "train", "running"]
    assert "cancelled" in outputs[2]
    assert '["prod"]' in outputs[3]
    assert server.received[5].json() == {"version": 1}


def test_score_texts_from_arguments_and_a_file(
    server: ScriptedServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    results = {"version": 2, "version_id": "mv_2", "results": [{"Clarity": 0.25}, {"Clarity": 1}]}
    server.script(Reply(200, results), Reply(200, results))
    texts = tmp_path / "texts.txt"
    texts.write_text("second text\n\n", encoding="utf-8")
    code, out, _ = _run(capsys, "score", "acme.tone", "first text", "--file", str(texts))
    assert code == 0
    assert server.received[0].json() == {"texts": ["first text", "second text"]}
    assert out.splitlines() == [
        "version 2 (mv_2)",
        "Clarity 0.250  first text",
        "Clarity 1.000  second text",
    ]
    code, out, _ = _run(capsys, "score", "acme.tone", "a", "b", "--tag", "prod", "--json")
    assert json.loads(out) == results
    assert server.received[1].query == {"tag": "prod"}
    code, _, err = _run(capsys, "score", "acme.tone")
    assert code == 1
    assert "give texts" in err


WEBHOOK = {"id": "wh_1", "url": "https://example.com/h", "events": ["*"], "enabled": True}


def test_webhook_commands(server: ScriptedServer, capsys: pytest.CaptureFixture[str]) -> None:
    delivery = {"event_id": "evt_1", "type": "webhook.ping", "attempt": 1, "status_code": 200}
    server.script(
        Reply(201, {**WEBHOOK, "secret": "whsec_1"}),
        Reply(200, {"data": [WEBHOOK], "next_cursor": None}),
        Reply(200, WEBHOOK),
        Reply(200, {**WEBHOOK, "enabled": False}),
        Reply(200, {**WEBHOOK, "secret": "whsec_2"}),
        Reply(202),
        Reply(200, {"data": [delivery], "next_cursor": None}),
        Reply(204),
    )
    commands = [
        ["webhooks", "create", "--url", "https://example.com/h", "--events", "run.failed", "*"],
        ["webhooks", "list"],
        ["webhooks", "get", "wh_1"],
        ["webhooks", "patch", "wh_1", "--disable", "--events", "run.failed",
         "--clear-description", "--url", "https://example.com/2"],
        ["webhooks", "rotate-secret", "wh_1"],
        ["webhooks", "ping", "wh_1"],
        ["webhooks", "deliveries", "wh_1", "--json"],
        ["webhooks", "delete", "wh_1"],
    ]  # fmt: skip
    outputs = []
    for argv in commands:
        code, out, _ = _run(capsys, *argv)
        assert code == 0, argv
        outputs.append(out)
    create, _, _, patch, _, ping, _, _ = server.received
    assert create.json() == {"url": "https://example.com/h", "events": ["run.failed", "*"]}
    assert patch.json() == {
        "url": "https://example.com/2",
        "events": ["run.failed"],
        "description": None,
        "enabled": False,
    }
    assert ping.path == "/v1/webhooks/wh_1/ping"
    assert "whsec_1" in outputs[0]
    assert "shown only this once" in outputs[0]
    assert "whsec_2" in outputs[4]
    assert json.loads(outputs[6]) == delivery
    assert outputs[7] == "deleted wh_1\n"


def test_an_unknown_event_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["webhooks", "create", "--url", "https://x", "--events", "run.started"])
    assert "invalid choice" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_redraws_in_place_on_a_terminal() -> None:
    screen = _Terminal()
    bar = ProgressBar(screen)
    bar(Progress("run_1", "running", None))
    bar(Progress("run_1", "running", 0.5))
    bar(Progress("run_1", "running", 0.5))
    bar.close()
    frames = screen.getvalue().split("\r")[1:]
    assert len(frames) == 2
    assert frames[0] == f"run_1 [{'-' * 30}]   ?% running\x1b[K"
    assert frames[1] == f"run_1 [{'#' * 15}{'-' * 15}]  50% running\x1b[K\n"


def test_render_clamps() -> None:
    assert render(Progress("r", "succeeded", 1.5), width=4) == "r [####] 100% succeeded"
    assert render(Progress("r", "running", 0.0), width=4) == "r [----]   0% running"


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_stops_quietly(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(Reply(200, MODEL, {"ETag": '"1"'}))
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    assert cli.main(["models", "get", "acme.tone"]) == 1
    assert capsys.readouterr().err == ""
