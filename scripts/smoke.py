"""Smoke test of a deployed models API: the README's curl walk-through, checked step by step.

``make smoke URL=<the stack's ApiUrl> KEY=u22a8_... NAMESPACE=<the key's namespace>``

Creates a model named ``<namespace>.smoke-<time>-<random>`` (so runs never collide), takes it
through patch, samples, a training run, a tag and scoring, archives it, and checks that a request
without a key is refused. Any unexpected status or body stops the run with the step, the status
and the body, and a non-zero exit. Standard library only, so it runs anywhere Python 3.12 does.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent.parent / "examples" / "support-tone-samples.json"
CRITERIA = ["Clarity", "Flow"]
TEXTS = ["Simple, clear and direct; therefore easy to follow.", "Synergy. Leverage. Ok."]


class SmokeFailure(Exception):
    """A step got an answer it should not have."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class Api:
    def __init__(self, url: str, key: str | None, timeout_s: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.key = key
        self.timeout_s = timeout_s

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            all_headers["Content-Type"] = content_type
        if self.key is not None:
            all_headers["Authorization"] = f"Bearer {self.key}"
        if not self.url.startswith(("https://", "http://")):
            raise SmokeFailure(f"not an http(s) URL: {self.url}")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self.url + path, data=data, headers=all_headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310
                return Reply(answer.status, dict(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers.items()), error.read())


def expect(step: str, reply: Reply, status: int) -> Any:
    if reply.status != status:
        raise SmokeFailure(f"{step}: expected {status}, got {reply.status}: {reply.body[:2000]!r}")
    return reply.json()


def check(step: str, condition: bool, detail: Any) -> None:
    if not condition:
        raise SmokeFailure(f"{step}: {detail}")


def walk_through(api: Api, namespace: str, report: Callable[[str], None], wait_s: float) -> str:
    """The README's walk-through; returns the handle it created."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    handle = f"{namespace}.smoke-{stamp}-{secrets.token_hex(3)}"
    models = "/v1/models"
    model = f"{models}/{handle}"

    create = {"handle": handle, "criteria": CRITERIA}
    idempotency = {"Idempotency-Key": f"smoke-{handle}"}
    created = expect("create", api.call("POST", models, create, idempotency), 201)
    check("create", created["handle"] == handle and created["state"] == "draft", created)
    replay = api.call("POST", models, create, idempotency)
    check("create (replayed)", expect("create (replayed)", replay, 201) == created, replay.body)
    report("create: 201, and the same answer again for its Idempotency-Key")

    got = api.call("GET", model)
    expect("get", got, 200)
    check("get", got.header("ETag") == '"1"', f"ETag {got.header('ETag')}")
    report('get: 200 with ETag "1"')

    patch = {"description": "Tone of support replies", "auto_prune": {"keep_unnamed": 20}}
    merge = "application/merge-patch+json"
    patched = api.call("PATCH", model, patch, {"If-Match": '"1"'}, merge)
    expect("patch", patched, 200)
    check("patch", patched.header("ETag") == '"2"', f"ETag {patched.header('ETag')}")
    expect("stale patch", api.call("PATCH", model, patch, {"If-Match": '"1"'}, merge), 412)
    invalid = api.call("PATCH", model, {"state": "ready", "colour": "blue"})
    problem = expect("read-only and unknown fields", invalid, 422)
    check("read-only and unknown fields", len(problem.get("errors", [])) == 2, problem)
    report('patch: 200 with ETag "2", 412 on the stale ETag, 422 naming both bad fields')

    samples = json.loads(SAMPLES.read_text(encoding="utf-8"))
    added = expect("samples", api.call("POST", f"{model}/samples", samples), 201)
    check("samples", len(added["sample_ids"]) == len(samples["samples"]), added)
    training = api.call("POST", f"{model}/train", {"effort": "medium"})
    run = expect("train", training, 202)
    check("train", bool(run.get("run_id")) and training.header("Location") is not None, run)
    report(f"samples: 201 ({len(added['sample_ids'])}); train: 202, run {run['run_id']}")

    deadline = time.monotonic() + wait_s
    state = expect("poll", api.call("GET", model), 200)
    while state["state"] == "busy" and time.monotonic() < deadline:
        time.sleep(2)  # the run is asynchronous: poll as a client would
        state = expect("poll", api.call("GET", model), 200)
    check("training", state["state"] == "ready" and state["active_version"] == 1, state)
    runs = expect("runs", api.call("GET", f"{model}/runs"), 200)["data"]
    check("runs", [r["status"] for r in runs] == ["succeeded"], runs)
    versions = expect("versions", api.call("GET", f"{model}/versions"), 200)["data"]
    check("versions", [v["version"] for v in versions] == [1], versions)
    report("training: ready with version 1, the run succeeded")

    expect("tag", api.call("PUT", f"{model}/tags/prod", {"version": 1}), 200)
    scored = expect("score", api.call("POST", f"{model}/score", {"texts": TEXTS}), 200)
    check("score", len(scored["results"]) == len(TEXTS), scored)
    report("tag prod: 200; score: 200 for both texts")

    listed = expect("list", api.call("GET", f"{models}?limit=10"), 200)
    check("list", handle in [m["handle"] for m in listed["data"]], listed)
    expect("archive", api.call("DELETE", model), 200)
    expect("archive again", api.call("DELETE", model), 200)
    archived = expect("archived", api.call("GET", f"{models}?state=archived"), 200)
    check("archived", handle in [m["handle"] for m in archived["data"]], archived)
    report("list: 200 with the model; archive: 200 twice; listed as archived")

    anonymous = Api(api.url, None, api.timeout_s).call("GET", models)
    expect("without a key", anonymous, 401)
    check("without a key", anonymous.header("WWW-Authenticate") == "Bearer", anonymous.headers)
    check(
        "without a key",
        str(anonymous.header("Content-Type")).startswith("application/problem+json"),
        anonymous.headers,
    )
    report("without a key: 401 problem with WWW-Authenticate: Bearer")
    return handle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the stack's ApiUrl output")
    parser.add_argument("--key", required=True, help="an API key of --namespace")
    parser.add_argument("--namespace", required=True, help="the key's namespace")
    parser.add_argument("--wait", type=float, default=300.0, help="seconds to wait for training")
    args = parser.parse_args(argv)
    try:
        handle = walk_through(Api(args.url, args.key), args.namespace, print, args.wait)
    except (SmokeFailure, OSError, ValueError, KeyError, TypeError) as failure:
        print(f"SMOKE TEST FAILED: {type(failure).__name__}: {failure}", file=sys.stderr)
        return 1
    print(f"smoke test passed ({handle})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
