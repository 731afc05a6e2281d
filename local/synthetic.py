"""Labelled samples with learnable cues, for the end-to-end tests and the training benchmark.

Each criterion has its own positive and negative cue words; a sample's score for a criterion is
the share of its cues that were positive (plus a little noise), so a model that learns word cues
can learn every criterion, and criteria are independent of each other. The first two criteria get
natural cue words (clarity-like and flow-like), any further ones invented words.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

_CUES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("simple", "clear", "plain", "direct", "readable", "concrete", "precise", "obvious"),
        ("synergy", "leverage", "paradigm", "holistic", "utilize", "ideate", "bandwidth"),
    ),
    (
        ("therefore", "then", "next", "because", "consequently", "finally", "thus"),
        ("stop", "wait", "no", "fine", "ok", "right", "sure", "done"),
    ),
)
_FILLER = (
    *("the", "report", "team", "market", "data", "project", "customer", "result", "plan"),
    *("week", "office", "update", "meeting", "value", "system", "process", "product"),
    *("service", "quarter", "budget", "review", "goal", "task", "issue", "idea", "user"),
)
CUES_PER_CRITERION = 6


def _cues(index: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if index < len(_CUES):
        return _CUES[index]
    return (
        tuple(f"pos{index}w{j}" for j in range(6)),
        tuple(f"neg{index}w{j}" for j in range(6)),
    )


def labelled_samples(count: int, criteria: Sequence[str], seed: int = 1) -> list[dict[str, Any]]:
    """``count`` samples in the API's shape: ``{"text", "scores": {criterion: 0..1}}``."""
    rng = random.Random(seed)  # noqa: S311 - test data, reproducible by seed
    samples: list[dict[str, Any]] = []
    for _ in range(count):
        words = [rng.choice(_FILLER) for _ in range(rng.randint(20, 32))]
        scores: dict[str, float] = {}
        for index, criterion in enumerate(criteria):
            positive, negative = _cues(index)
            quality = rng.random()
            hits = 0
            for _ in range(CUES_PER_CRITERION):
                if rng.random() < quality:
                    hits += 1
                    words.insert(rng.randint(0, len(words)), rng.choice(positive))
                else:
                    words.insert(rng.randint(0, len(words)), rng.choice(negative))
            noisy = hits / CUES_PER_CRITERION + rng.gauss(0, 0.05)
            scores[criterion] = round(min(1.0, max(0.0, noisy)), 4)
        samples.append({"text": " ".join(words).capitalize() + ".", "scores": scores})
    return samples
