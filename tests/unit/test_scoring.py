"""Scoring's pieces that need no AWS: the fitted-version cache, limits, and who imports numpy."""

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
from u22a8.training import FittedModel

ROOT = Path(__file__).resolve().parents[2]
SCORE_ROUTE = ("POST", "/v1/models/{handle}/score")


def test_the_cache_keeps_the_most_recently_used_versions() -> None:
    cache = FittedModelCache(capacity=2)
    a, b, c = (object.__new__(FittedModel) for _ in range(3))  # stand-ins, never scored
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


def test_only_the_score_handler_imports_numpy() -> None:
    """numpy costs every other API handler's cold start, and only scoring needs it."""
    modules = {
        route: spec.module
        for spec in template.functions().values()
        for route in ((r.method, r.path) for r in spec.routes)
    }
    assert SCORE_ROUTE in modules
    others = sorted({module for route, module in modules.items() if route != SCORE_ROUTE})
    code = (
        "import importlib, json, sys\n"
        "loaded = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    importlib.import_module(name)\n"
        "    loaded[name] = 'numpy' in sys.modules\n"
        "print(json.dumps(loaded))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT)]),
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "U22a8",
        "POWERTOOLS_SERVICE_NAME": "u22a8-tests",
    }
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps([*others, modules[SCORE_ROUTE]])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert [name for name in others if loaded[name]] == []
    assert loaded[modules[SCORE_ROUTE]]
