"""Versions published before learned prototypes (artifact format 1) still load and score.

``tests/fixtures/model-v1.npz`` was written by ``FittedModel.to_bytes`` at commit 88370a2 (the
last one writing format 1): class-mean prototypes, uncentred, shrinkage 0.5, over a 2**12
hashed space, fitted on 40 synthetic samples (``local.synthetic``, criteria Clarity and Flow).
``model-v1-scores.json`` holds the scores that code gave for three texts. Both are data, never
regenerated: they pin what an old version answers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from u22a8.scoring.scorer import Scorer
from u22a8.training import FittedModel

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _expected() -> tuple[list[str], list[dict[str, float]]]:
    data = json.loads((FIXTURES / "model-v1-scores.json").read_text())
    return data["texts"], data["scores"]


def test_a_format_1_artifact_scores_as_it_did_when_published() -> None:
    blob = (FIXTURES / "model-v1.npz").read_bytes()
    texts, expected = _expected()
    for scorer in (Scorer.from_bytes(blob), FittedModel.from_bytes(blob)):
        assert not scorer.params.learned
        assert scorer.params.prototypes == "mean"
        got = scorer.score(texts)
        for want, have in zip(expected, got, strict=True):
            assert list(have) == list(want)
            for name, value in want.items():
                assert math.isclose(have[name], value, rel_tol=0.0, abs_tol=1e-9)


def test_a_format_1_artifact_keeps_its_params_when_rewritten() -> None:
    model = FittedModel.from_bytes((FIXTURES / "model-v1.npz").read_bytes())
    again = FittedModel.from_bytes(model.to_bytes())
    texts, expected = _expected()
    assert again.params == model.params
    assert [round(v, 9) for row in again.score(texts) for v in row.values()] == [
        round(v, 9) for row in expected for v in row.values()
    ]
