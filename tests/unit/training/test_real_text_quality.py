"""Quality pinned on real text: a regression of the trainer fails CI (a floor, not a timing).

``tests/fixtures/npm-600.json`` holds 600 npm package summaries written by their authors, with
labels from registry metadata (its ``source`` field says how they were picked; see also
``bench/npm_dataset.py``). These criteria are hard, so the floors are modest; they sit about
0.03 below what the current trainer reaches (cross-validation is deterministic, so the margin
covers legitimate changes, not noise), and far above chance (0.5), where a broken fit, a flipped
sign or features that no longer match would land. ``make bench-quality`` measures the same
trainer against a scikit-learn peer on 10,000 of these texts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from u22a8.training import FeatureCache, as_samples, run_search

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "npm-600.json"
#: Cross-validated AUC the chosen low-effort model must reach, per criterion (it reaches 0.561,
#: 0.600 and 0.694 with the trainer of this commit: interpolated NBSVM; the plain NBSVM fit
#: reached 0.555, 0.602 and 0.667).
FLOORS = {"popular": 0.53, "stable": 0.57, "scoped": 0.66}


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return loaded


def test_the_fixture_is_what_its_source_says(data: dict[str, Any]) -> None:
    assert len(data["samples"]) == 600
    assert data["criteria"] == ["popular", "stable", "scoped"]
    assert "npm" in data["source"]
    popular = sum(s["scores"]["popular"] for s in data["samples"])
    assert 140 <= popular <= 160  # the 75th percentile of downloads


def test_low_effort_reaches_the_floors_on_real_text(data: dict[str, Any]) -> None:
    samples = as_samples(data["samples"])
    outcome = run_search(samples, data["criteria"], "low", cache=FeatureCache())
    for criterion, floor in FLOORS.items():
        assert outcome.best_metrics[criterion]["auc"] >= floor, criterion
