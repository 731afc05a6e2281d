"""Scoring's pieces that need no real AWS: the fitted-version cache, limits, and that no API
handler, the score handler included, imports numpy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local import template
from u22a8.api import sample_schemas, score_schemas
from u22a8.data.fitted_models import FittedModelCache
from u22a8.domain.scoring_service import VersionChoice
from u22a8.scoring.scorer import Scorer
from u22a8.training import FeatureCache, LabelledSample, TrainingParams, fit

ROOT = Path(__file__).resolve().parents[2]
SCORE_ROUTE = ("POST", "/v1/models/{handle}/score")


def test_the_cache_keeps_the_most_recently_used_versions() -> None:
    cache = FittedModelCache(capacity=2)
    a, b, c = (object.__new__(Scorer) for _ in range(3))  # stand-ins, never scored
    cache.put("mv_a", a)
    cache.put("mv_b", b)
    assert cache.get("mv_a") is a  # now the most recently used
    cache.put("mv_c", c)  # evicts b, the least recently used
    assert "mv_b" not in cache
    assert cache.get("mv_a") is a
    assert cache.get("mv_c") is c
    assert cache.get("mv_b") is None
    cache.clear()
    assert cache.get("mv_a") is None


def test_the_cache_needs_room_for_one_version() -> None:
    with pytest.raises(ValueError, match="capacity"):
        FittedModelCache(capacity=0)


def test_a_version_is_chosen_by_number_or_by_tag_not_both() -> None:
    assert VersionChoice() == VersionChoice(version=None, tag=None)
    with pytest.raises(ValueError, match="not both"):
        VersionChoice(version=1, tag="prod")


def test_a_scored_text_has_the_same_length_limit_as_a_sample() -> None:
    assert score_schemas.MAX_TEXT_CHARS == sample_schemas.MAX_TEXT_CHARS


def _environment() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT)]),
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "U22a8",
        "POWERTOOLS_SERVICE_NAME": "u22a8-tests",
    }


#: What an API handler must not import, for its cold start: numpy (about 75 ms of CPU; scoring reads
#: artifacts without it) and Pydantic's model machinery (about 50 ms; request bodies are validated
#: by ``pydantic_core`` directly, see ``u22a8.api.bodies``).
HEAVY_MODULES = ("numpy", "pydantic.main")


def test_no_api_handler_imports_numpy_or_pydantic_models() -> None:
    modules = {
        route: spec.module
        for spec in template.functions().values()
        for route in ((r.method, r.path) for r in spec.routes)
    }
    assert SCORE_ROUTE in modules
    code = (
        "import importlib, json, sys\n"
        "loaded = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    importlib.import_module(name)\n"
        "    loaded[name] = [m for m in json.loads(sys.argv[2]) if m in sys.modules]\n"
        "print(json.dumps(loaded))\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            json.dumps(sorted(set(modules.values()))),
            json.dumps(HEAVY_MODULES),
        ],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(loaded) == len(set(modules.values()))
    assert {name: heavy for name, heavy in loaded.items() if heavy} == {}


# Run in a fresh interpreter: moto plays AWS, the score handler is loaded by file path as the
# local gateway and bench/cold_start.py load it, and a real artifact (written by the parent, with
# numpy) is scored. Prints the response and whether numpy was imported at any point.
_SERVE_SCRIPT = """
import importlib.util, json, os, sys
from pathlib import Path

from moto import mock_aws

import boto3
from local import resources

root, artifact = Path(sys.argv[1]), Path(sys.argv[2]).read_bytes()
with mock_aws():
    names = resources.physical_names("u22a8-numpy-free")
    os.environ.update(resources.function_environment(names))
    resources.create_tables(boto3.client("dynamodb"), names)
    resources.create_buckets(boto3.client("s3"), names)

    spec = importlib.util.spec_from_file_location("score_app", root / "functions/score/app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)

    from u22a8.config import get_settings
    from u22a8.data import artifacts, clients, keys, models_repo
    from u22a8.entities.model import Model, ModelState

    handle, version_id, now = "demo.tone", "mv_" + "0" * 26, "2026-05-01T00:00:00.000Z"
    artifacts.put_artifact(artifacts.artifact_key(handle, version_id), artifact)
    models_repo.put_new(
        Model(
            handle=handle,
            criteria=("Clarity", "Flow"),
            state=ModelState.READY,
            created_at=now,
            updated_at=now,
            revision=1,
        )
    )
    clients.dynamodb().update_item(  # what publishing a version sets
        TableName=get_settings().models_table,
        Key={"pk": {"S": keys.model_pk(handle)}, "sk": {"S": keys.META_SK}},
        UpdateExpression="SET active_version = :n, active_version_id = :id",
        ExpressionAttributeValues={":n": {"N": "1"}, ":id": {"S": version_id}},
    )
    path = f"/v1/models/{handle}/score"
    event = {
        "resource": "/v1/models/{handle}/score",
        "path": path,
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"handle": handle},
        "requestContext": {
            "resourcePath": "/v1/models/{handle}/score",
            "httpMethod": "POST",
            "path": "/prod" + path,
            "stage": "prod",
            "requestId": "test",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"principalId": "key_test", "namespace": "demo"},
        },
        "body": json.dumps({"texts": json.loads(sys.argv[3])}),
        "isBase64Encoded": False,
    }

    class Context:
        function_name = "ScoreFunction"
        function_version = "$LATEST"
        memory_limit_in_mb = 1769
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ScoreFunction"
        aws_request_id = "test"

        def get_remaining_time_in_millis(self):
            return 10_000

    reply = app.handler(event, Context())
print("@@result@@ " + json.dumps({"reply": reply, "numpy": "numpy" in sys.modules}))
"""


def test_serving_a_score_request_does_not_import_numpy(tmp_path: Path) -> None:
    from local.synthetic import labelled_samples

    criteria = ["Clarity", "Flow"]
    samples = [LabelledSample(s["text"], s["scores"]) for s in labelled_samples(40, criteria)]
    fitted = fit(samples, criteria, TrainingParams(), cache=FeatureCache())
    artifact = tmp_path / "model.npz"
    artifact.write_bytes(fitted.to_bytes())
    texts = ["Simple and clear; therefore we ship.", "Leverage synergy. Stop. Wait."]
    result = subprocess.run(
        [sys.executable, "-c", _SERVE_SCRIPT, str(ROOT), str(artifact), json.dumps(texts)],
        cwd=ROOT,
        env={**_environment(), "POWERTOOLS_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("@@result@@ "))
    outcome = json.loads(line.removeprefix("@@result@@ "))
    assert outcome["reply"]["statusCode"] == 200, outcome["reply"]
    body = json.loads(outcome["reply"]["body"])
    assert [list(r) for r in body["results"]] == [criteria, criteria]
    for got, want in zip(body["results"], fitted.score(texts), strict=True):
        assert got == pytest.approx(want, rel=0.0, abs=1e-9)
    assert outcome["numpy"] is False
