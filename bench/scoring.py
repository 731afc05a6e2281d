"""Scoring latency, warm and cold, against one DynamoDB read (benchmark, not a test).

Run: ``python bench/scoring.py [--repeats 50] [--text-chars 500]``.

Everything runs in this process, with AWS played by moto (``mock_aws``, the template's table and
bucket from ``local.resources``). A model is fitted by the trainer library on generated samples
(``local.synthetic``) and published as the workflow does: its artifact at
``artifacts.artifact_key``, its version item, the model's active version. Then:

* **one DynamoDB read**: ``models_repo.get`` of the model item, the unit the other rows are
  expressed in, measured in the same run so that the machine's speed cancels out;
* **warm score**: the score handler invoked with an API Gateway proxy event for a batch of 1 and
  of 100 texts, the version already loaded (one GetItem, scoring, JSON), per text;
* **cold load**: what a container's first request for a version adds, the artifact's S3
  GetObject plus deserialising it (``fitted_models.load`` after ``reset``), for a model of 2 and
  one of 20 criteria (the API's maximum; the arrays grow with the criteria). Versions are read and
  scored by the pure-Python ``u22a8.scoring.Scorer`` (the score handler does not import numpy);
  the numpy ``FittedModel.from_bytes`` of the same bytes is shown for comparison.

Medians (and 90th percentiles) of ``--repeats`` timings, after a warm-up. moto answers a read in
well under a millisecond, while DynamoDB takes a few, so on AWS the ratios are smaller. Prints a
Markdown table; always exits 0.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "shared"):
    if str(_path) not in sys.path:  # run as a script: make ``local`` and ``u22a8`` importable
        sys.path.insert(0, str(_path))

# Before Powertools is imported: no log line per request in the output.
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "U22a8")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "u22a8-bench")
for _name, _value in {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from local import resources  # noqa: E402
from local.synthetic import labelled_samples  # noqa: E402
from u22a8.api import routes  # noqa: E402

NAMESPACE = "bench"
HANDLE = f"{NAMESPACE}.scored"
CRITERIA_SMALL = ("Clarity", "Flow")
CRITERIA_LARGE = tuple(f"criterion-{i:02d}" for i in range(20))
TRAINING_SAMPLES = 200


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p90_ms: float


def timed(action: Callable[[], object], repeats: int, warmup: int = 3) -> Timing:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return Timing(
        statistics.median(samples), samples[min(len(samples) - 1, int(0.9 * len(samples)))]
    )


def texts_of(count: int, chars: int, seed: int) -> list[str]:
    """Generated texts of about ``chars`` characters, like what is scored in practice."""
    pool = [s["text"] for s in labelled_samples(count * 4, CRITERIA_SMALL, seed=seed)]
    texts = []
    for i in range(count):
        text = ""
        j = i
        while len(text) < chars:
            text += pool[j % len(pool)] + " "
            j += count
        texts.append(text[:chars])
    return texts


def publish(handle: str, criteria: Sequence[str]) -> tuple[str, str, int]:
    """Fit a version on generated samples and publish it; returns its id, key and size."""
    from u22a8.config import get_settings
    from u22a8.data import artifacts, clients, inline_artifacts, versions_repo
    from u22a8.data.keys import META_SK, model_pk
    from u22a8.entities.version import Version, new_version_id
    from u22a8.training import FeatureCache, LabelledSample, TrainingParams, fit

    samples = [
        LabelledSample(s["text"], s["scores"])
        for s in labelled_samples(TRAINING_SAMPLES, criteria, seed=7)
    ]
    fitted = fit(samples, criteria, TrainingParams(), cache=FeatureCache())
    blob = fitted.to_bytes()
    version_id = new_version_id()
    key = artifacts.artifact_key(handle, version_id)
    artifacts.put_artifact(key, blob)
    if inline_artifacts.fits(len(blob)):  # as the publish does
        clients.dynamodb().transact_write_items(
            TransactItems=inline_artifacts.put_actions(handle, version_id, blob)
        )
    versions_repo.put(
        handle,
        Version(
            version_id=version_id,
            version=1,
            created_at="2026-05-01T00:00:00.000Z",
            run_id=None,
            artifact_key=key,
        ),
    )
    clients.dynamodb().update_item(
        TableName=get_settings().models_table,
        Key={"pk": {"S": model_pk(handle)}, "sk": {"S": META_SK}},
        UpdateExpression="SET active_version = :n, active_version_id = :id",
        ExpressionAttributeValues={":n": {"N": "1"}, ":id": {"S": version_id}},
    )
    return version_id, key, len(blob)


def create_model(handle: str, criteria: Sequence[str]) -> None:
    from u22a8.api.mapping import new_model
    from u22a8.api.schemas import CREATE_MODEL_BODY
    from u22a8.domain import models_service
    from u22a8.domain.clock import utc_now

    request = CREATE_MODEL_BODY.validate({"handle": handle, "criteria": list(criteria)})
    models_service.create_model(NAMESPACE, new_model(request, utc_now()))


def score_event(handle: str, texts: list[str]) -> dict[str, Any]:
    """A REST (v1) proxy event as API Gateway sends it once the authorizer allowed the key."""
    route = routes.SCORE_TEXTS
    path = route.path.replace("{handle}", handle)
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": route.method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"handle": handle},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": route.method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"principalId": "key_bench", "namespace": NAMESPACE},
        },
        "body": json.dumps({"texts": texts}),
        "isBase64Encoded": False,
    }


class Context:
    """The attributes Powertools reads from a Lambda context."""

    function_name = "ScoreFunction"
    function_version = "$LATEST"
    memory_limit_in_mb = 1769
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ScoreFunction"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def run(repeats: int, text_chars: int) -> list[tuple[str, Timing, str]]:
    from functions.score import app
    from u22a8.data import artifacts, fitted_models, inline_artifacts, models_repo
    from u22a8.scoring.scorer import Scorer
    from u22a8.training import FittedModel

    rows: list[tuple[str, Timing, str]] = []
    names = resources.physical_names("u22a8-bench")
    os.environ.update(resources.function_environment(names))
    resources.create_tables(boto3.client("dynamodb"), names)
    resources.create_buckets(boto3.client("s3"), names)

    create_model(HANDLE, CRITERIA_SMALL)
    version_id, key, size = publish(HANDLE, CRITERIA_SMALL)
    large_handle = f"{NAMESPACE}.scored-large"
    create_model(large_handle, CRITERIA_LARGE)
    large_id, large_key, large_size = publish(large_handle, CRITERIA_LARGE)

    read = timed(lambda: models_repo.get(HANDLE), repeats)
    rows.append(("one DynamoDB read (GetItem of the model item)", read, "1 read"))

    context = Context()
    for batch in (1, 100):
        event = score_event(HANDLE, texts_of(batch, text_chars, seed=batch))

        def invoke(event: dict[str, Any] = event) -> None:
            reply = app.handler(event, context)
            assert reply["statusCode"] == 200, reply["body"]

        with redirect_stdout(io.StringIO()):  # each request's metrics (EMF), as on Lambda
            whole = timed(invoke, repeats)
        per_text = Timing(whole.median_ms / batch, whole.p90_ms / batch)
        label = f"warm score, batch of {batch}: per text ({text_chars}-char texts)"
        rows.append((label, per_text, f"request {whole.median_ms:.2f} ms"))

    for handle, criteria, vid, artifact, nbytes in (
        (HANDLE, CRITERIA_SMALL, version_id, key, size),
        (large_handle, CRITERIA_LARGE, large_id, large_key, large_size),
    ):

        def cold_load(handle: str = handle, vid: str = vid, artifact: str = artifact) -> None:
            fitted_models.reset()
            fitted_models.load(handle, vid, artifact)

        in_table = inline_artifacts.fits(nbytes)
        note = f"artifact {nbytes / 1024:.0f} KiB" + (", copied in the table" if in_table else "")
        rows.append(
            (f"cold load of a version, {len(criteria)} criteria", timed(cold_load, repeats), note)
        )
        if in_table:
            fetch = timed(partial(inline_artifacts.get, handle, vid), repeats)
            rows.append(("of which: DynamoDB GetItem of the copy", fetch, ""))
        else:
            fetch = timed(partial(artifacts.get_artifact, artifact), repeats)
            rows.append(("of which: S3 GetObject", fetch, ""))
        blob = artifacts.get_artifact(artifact)
        parse = timed(partial(Scorer.from_bytes, blob), repeats)
        numpy_parse = timed(partial(FittedModel.from_bytes, blob), repeats)
        rows.append(("of which: deserialising", parse, "pure-Python Scorer"))
        rows.append(("(for comparison: numpy FittedModel.from_bytes)", numpy_parse, "not used"))
    return rows


def markdown(rows: list[tuple[str, Timing, str]], repeats: int) -> str:
    read_ms = rows[0][1].median_ms
    lines = [
        f"Scoring in-process against moto (median and p90 of {repeats} runs after a warm-up; "
        f"ratio = median / the median DynamoDB read of this run, {read_ms:.3f} ms).",
        "",
        "| measurement | median (ms) | p90 (ms) | ratio to one DynamoDB read | note |",
        "|---|--:|--:|--:|---|",
    ]
    for label, timing, note in rows:
        lines.append(
            f"| {label} | {timing.median_ms:.3f} | {timing.p90_ms:.3f} | "
            f"{timing.median_ms / read_ms:.2f} | {note} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=50, help="timed runs per row (50)")
    parser.add_argument("--text-chars", type=int, default=500, help="length of each text (500)")
    args = parser.parse_args(argv)
    if args.repeats < 1 or not 1 <= args.text_chars <= 20_000:
        parser.error("--repeats must be >= 1 and --text-chars from 1 to 20000")
    with mock_aws():
        rows = run(args.repeats, args.text_chars)
    print(markdown(rows, args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
