"""A version trained through the real workflow scores held-out texts as well as its stored
cross-validation metrics promise: the AUC and Spearman computed from ``POST …/score`` answers on a
fresh generated set agree with the version's ``metrics``."""

from __future__ import annotations

from typing import Any

import pytest

from local.synthetic import labelled_samples
from tests.helpers import GatewayClient
from tests.integration.workflow_support import Engine
from u22a8.api.score_schemas import MAX_TEXTS_PER_CALL
from u22a8.training.errors import HIGH_THRESHOLD
from u22a8.training.metrics import roc_auc, spearman

pytestmark = pytest.mark.workflow

CRITERIA = ["Clarity", "Flow"]
HANDLE = "acme.held-out"
MODEL = f"/v1/models/{HANDLE}"
AUC_TOLERANCE = 0.1
SPEARMAN_TOLERANCE = 0.15


def _score(api: GatewayClient, texts: list[str]) -> tuple[int, list[dict[str, float]]]:
    """The API's scores for ``texts`` (in calls of at most the limit) and the version used."""
    results: list[dict[str, float]] = []
    versions: set[int] = set()
    for start in range(0, len(texts), MAX_TEXTS_PER_CALL):
        reply = api.post(f"{MODEL}/score", {"texts": texts[start : start + MAX_TEXTS_PER_CALL]})
        assert reply.status == 200, reply.body
        body: dict[str, Any] = reply.json()
        versions.add(int(body["version"]))
        results.extend(body["results"])
    (version,) = versions
    return version, results


def test_held_out_scores_match_the_versions_stored_metrics(
    api: GatewayClient, engine: Engine
) -> None:
    assert api.post("/v1/models", {"handle": HANDLE, "criteria": CRITERIA}).status == 201
    training = labelled_samples(80, CRITERIA, seed=21)
    reply = api.post(f"{MODEL}/samples", {"samples": training})
    assert reply.status == 201, reply.body
    reply = api.post(f"{MODEL}/train", {"effort": "low"})
    assert reply.status == 202, reply.body
    assert engine.wait(reply.json()["run_id"]).status == "SUCCEEDED"
    (stored,) = api.get(f"{MODEL}/versions").json()["data"]

    held_out = labelled_samples(200, CRITERIA, seed=4242)
    version, results = _score(api, [sample["text"] for sample in held_out])
    assert version == stored["version"] == 1
    assert len(results) == len(held_out)

    for criterion in CRITERIA:
        labels = [float(sample["scores"][criterion]) for sample in held_out]
        scores = [row[criterion] for row in results]
        auc = roc_auc([label >= HIGH_THRESHOLD for label in labels], scores)
        rho = spearman(scores, labels)
        cv = stored["metrics"][criterion]
        summary = f"{criterion}: held-out auc={auc:.3f} rho={rho:.3f}, stored {cv}"
        print(summary)
        assert cv["n"] == len(training), summary
        assert auc > 0.7, summary
        assert cv["auc"] > 0.7, summary
        assert abs(auc - cv["auc"]) <= AUC_TOLERANCE, summary
        assert rho > 0.3, summary
        assert cv["spearman"] > 0.3, summary
        assert abs(rho - cv["spearman"]) <= SPEARMAN_TOLERANCE, summary
