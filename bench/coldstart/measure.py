"""Running the targets: each sample is a fresh interpreter running ``bench/coldstart/child.py``,
round-robin over the targets so that drift hits all alike."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import uuid
from dataclasses import dataclass, field

from bench.coldstart.child import RESULT_MARKER
from bench.coldstart.emulator import Emulator, aws_environment
from bench.coldstart.targets import Target
from local import resources
from local.template import ROOT

CHILD = ROOT / "bench" / "coldstart" / "child.py"
# Fresh interpreters that ignore PYTHON* variables and the user site (-I), with frozen stdlib
# modules (the default of release builds, made explicit); bytecode caches are warmed beforehand.
PYTHON_FLAGS = ("-I", "-X", "frozen_modules=on")
CHILD_TIMEOUT_S = 120


@dataclass
class Sample:
    import_ms: float
    first_request_ms: float
    total_ms: float
    cpu_ms: float
    status: int | str | None
    calls: dict[str, int]
    import_calls: dict[str, int]
    http_attempts: int
    server_requests: int | None
    server_ms: float | None


@dataclass
class Measured:
    target: Target
    samples: list[Sample] = field(default_factory=list)
    error: str | None = None

    def median(self, attribute: str) -> float:
        return statistics.median(float(getattr(s, attribute)) for s in self.samples)


def run_child(target: Target, tag: str, emulator: Emulator) -> Sample:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        **aws_environment(emulator.endpoint),
        **target.environment,
    }
    if target.spec is None or target.make_event is None:
        args = ["floor"]
    else:
        spec = target.spec
        path = ROOT / spec.code_uri / f"{spec.handler.rsplit('.', 1)[0]}.py"
        context = {
            "function_name": spec.logical_id,
            "function_version": "$LATEST",
            "memory_limit_in_mb": 1024,
            "aws_request_id": str(uuid.uuid4()),
            "timeout_ms": 10_000,
            "invoked_function_arn": (
                f"arn:aws:lambda:{resources.REGION}:{resources.ACCOUNT_ID}"
                f":function:{spec.logical_id}"
            ),
            "log_group_name": f"/aws/lambda/{spec.logical_id}",
            "log_stream_name": "bench",
        }
        args = [
            "handler",
            str(path),
            f"_cold_start_{spec.logical_id}",
            spec.function_name,
            json.dumps(target.make_event(tag)),
            json.dumps(context),
        ]
    if emulator.counter is not None:
        emulator.counter.take()  # forget the seeding requests
    completed = subprocess.run(
        [sys.executable, *PYTHON_FLAGS, str(CHILD), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    server_requests, server_ms = emulator.counter.take() if emulator.counter else (None, None)
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(
            f"{target.label}: child exited {completed.returncode}\n"
            f"{completed.stderr[-3000:]}\n{completed.stdout[-2000:]}"
        )
    raw = json.loads(lines[-1][len(RESULT_MARKER) :])
    return Sample(server_requests=server_requests, server_ms=server_ms, **raw)


def measure(
    targets: list[Target], floor: Target, runs: int, emulator: Emulator, progress: bool
) -> tuple[Measured, list[Measured]]:
    everything = [floor, *targets]
    results = {id(t): Measured(t) for t in everything}
    # One unmeasured run of each fills the bytecode caches (.pyc), as a built layer ships them.
    for run, tag in enumerate(["warm", *(f"r{n}" for n in range(runs))]):
        if progress and run:
            print(f"  round {run}/{runs}", file=sys.stderr, flush=True)
        for target in everything:  # round-robin: drift hits every target alike
            measured = results[id(target)]
            if measured.error is not None:
                continue
            try:
                sample = run_child(target, tag, emulator)
            except Exception as error:
                if target is floor:
                    raise
                # One broken route (say, a recipe out of date) must not hide the others' results.
                measured.error = f"{type(error).__name__}: {error}".strip()
                continue
            if run:
                measured.samples.append(sample)
    return results[id(floor)], [results[id(t)] for t in targets]
