"""The benchmark's verdicts and tables: medians, ratios to the floor, the targets each row missed,
and signs that other processes disturbed the run."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from bench.coldstart.measure import PYTHON_FLAGS, Measured

RATIO_TARGET = 1.6
TIMES = "\N{MULTIPLICATION SIGN}"
# Beyond these the run is flagged as disturbed by other processes (see ``contention``).
MAX_FLOOR_SPREAD = 0.20
MIN_CPU_SHARE = 0.85


def format_calls(calls: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {TIMES}{count}" for name, count in sorted(calls.items())) or "none"


def _distinct(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def timings(measured: Measured) -> dict[str, Any]:
    """Medians (each on its own, so the parts need not add up to the total) and the spread."""
    samples = measured.samples
    totals = [s.total_ms for s in samples]
    server = [s.server_ms for s in samples if s.server_ms is not None]
    return {
        "import_ms": round(measured.median("import_ms"), 1),
        "first_request_ms": round(measured.median("first_request_ms"), 1),
        "total_ms": round(measured.median("total_ms"), 1),
        "total_ms_min": round(min(totals), 1),
        "total_ms_max": round(max(totals), 1),
        "cpu_ms": round(measured.median("cpu_ms"), 1),
        "emulator_ms": round(statistics.median(server), 1) if len(server) == len(samples) else None,
    }


def evaluate(measured: Measured, floor: Measured, judge: str) -> dict[str, Any]:
    """One table row; ``judge`` ("wall" or "cpu") says which ratio the 1.6 target is checked on."""
    target = measured.target
    if measured.error is not None:
        lines = [line for line in measured.error.splitlines() if line.strip()] or ["error"]
        first_line = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
        return {
            "function": target.label,
            "route": target.route,
            "pass": False,
            "missed": [f"not measured: {first_line}"],
            "error": measured.error,
            "notes": [],
        }
    ratio = measured.median("total_ms") / floor.median("total_ms")
    cpu_ratio = measured.median("cpu_ms") / floor.median("cpu_ms")
    call_variants = _distinct(s.calls for s in measured.samples)
    statuses = _distinct(s.status for s in measured.samples)
    problems: list[str] = []
    judged = cpu_ratio if judge == "cpu" else ratio
    if judged > RATIO_TARGET and target.judged:
        kind = "CPU-time ratio" if judge == "cpu" else "cold ratio"
        problems.append(f"{kind} {judged:.2f} > {RATIO_TARGET}")
    if target.expected_calls is not None and call_variants != [target.expected_calls]:
        seen = " / ".join(format_calls(c) for c in call_variants)
        problems.append(f"AWS calls {seen}, target {format_calls(target.expected_calls)}")
    if statuses != [target.expected_status]:
        problems.append(f"status {statuses}, expected {target.expected_status}")
    notes: list[str] = []
    if not target.judged:
        notes.append(f"a data-dependent path: reported, not held to the {RATIO_TARGET} target")
    if len(call_variants) > 1:
        notes.append("AWS calls differed between runs")
    for sample in measured.samples:
        if sample.import_calls:
            notes.append(f"AWS calls at import: {format_calls(sample.import_calls)}")
            break
    for sample in measured.samples:
        if sample.http_attempts != sum(sample.calls.values()):
            notes.append(f"{sample.http_attempts} HTTP attempts for {sum(sample.calls.values())}")
            break
    for sample in measured.samples:
        if sample.server_requests is not None and sample.server_requests != sample.http_attempts:
            notes.append(
                f"server saw {sample.server_requests} requests, client sent {sample.http_attempts}"
            )
            break
    return {
        "function": target.label,
        "route": target.route,
        **timings(measured),
        "ratio": round(ratio, 2),
        "cpu_ratio": round(cpu_ratio, 2),
        "calls": call_variants[0] if len(call_variants) == 1 else call_variants,
        "expected_calls": target.expected_calls,
        "status": statuses[0] if len(statuses) == 1 else statuses,
        "pass": not problems,
        "judged": target.judged,
        "missed": problems,
        "notes": notes,
        "samples": [vars(s) for s in measured.samples],
    }


def contention(floor: Measured) -> list[str]:
    """Signs that other processes competed for the CPUs, which makes wall-clock ratios unreliable.

    Importing is CPU-bound, so on an idle machine the floor's CPU time is close to its wall time and
    its runs agree; waiting for a CPU shows up as wall time without CPU time, and as spread.
    """
    warnings: list[str] = []
    totals = [s.total_ms for s in floor.samples]
    spread = (max(totals) - min(totals)) / statistics.median(totals)
    cpu_share = statistics.median(s.cpu_ms / s.total_ms for s in floor.samples)
    if spread > MAX_FLOOR_SPREAD:
        warnings.append(
            f"the floor's runs spread {min(totals):.0f}-{max(totals):.0f} ms "
            f"({spread:.0%} of the median)"
        )
    if cpu_share < MIN_CPU_SHARE:
        warnings.append(f"the floor got the CPU for only {cpu_share:.0%} of its wall time")
    return warnings


def markdown(rows: list[dict[str, Any]], floor: dict[str, Any], runs: int, judge: str) -> str:
    judged = "CPU-time ratio" if judge == "cpu" else "ratio"
    lines = [
        "Cold start = import of the handler + its first request, in fresh "
        f"`python {' '.join(PYTHON_FLAGS)}` processes (median of {runs}); bytecode caches (.pyc) "
        "warmed by one unmeasured run of each, as a built layer ships them. AWS is moto's server "
        "on 127.0.0.1 (its time is in the first request).",
        f"Floor `python -c \"import boto3; boto3.client('dynamodb')\"`, same run and timing: "
        f"**{floor['total_ms']:.1f} ms** wall, {floor['cpu_ms']:.1f} ms CPU "
        f"(import boto3 {floor['import_ms']:.1f} ms, client {floor['first_request_ms']:.1f} ms).",
        "",
        "| function | route | import (ms) | first request (ms) | of which moto (ms) "
        "| cold total (ms) | ratio to floor | CPU-time ratio "
        f"| AWS calls in first request | status | targets ({judged} ≤ {RATIO_TARGET}) |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|---|---|",
    ]
    for row in rows:
        if "error" in row:
            lines.append(
                f"| {row['function']} | `{row['route']}` | - | - | - | - | - | - | - | - "
                f"| FAIL: {'; '.join(row['missed'])} |"
            )
            continue
        calls = row["calls"]
        shown = (
            format_calls(calls) if isinstance(calls, dict) else " / ".join(map(format_calls, calls))
        )
        verdict = "PASS" if row["pass"] else "FAIL: " + "; ".join(row["missed"])
        if row["pass"] and not row.get("judged", True):
            verdict = "reported, not judged"
        emulator = "n/a" if row["emulator_ms"] is None else f"{row['emulator_ms']:.1f}"
        lines.append(
            f"| {row['function']} | `{row['route']}` | {row['import_ms']:.1f} "
            f"| {row['first_request_ms']:.1f} | {emulator} | {row['total_ms']:.1f} "
            f"| {row['ratio']:.2f} | {row['cpu_ratio']:.2f} "
            f"| {shown} | {row['status']} | {verdict} |"
        )
    return "\n".join(lines)
