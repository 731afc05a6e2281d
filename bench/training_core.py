"""Timing of the training core on 10,000 synthetic samples (a script, not a test).

Run: PYTHONPATH=shared python bench/training_core.py [n_samples]

Prints featurisation time, per-candidate cross-validation time, the "medium" plan size and the
full-fit time, plus held-out quality so a fast-but-broken change is visible too.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from u22a8.training import (
    FeatureCache,
    LabelledSample,
    count_features,
    dataset_identity,
    evaluate_candidate,
    fit,
    plan_candidates,
    roc_auc,
    select_best,
    spearman,
)

CLEAR = [
    "simple",
    "clear",
    "plain",
    "direct",
    "easy",
    "short",
    "obvious",
    "readable",
    "concrete",
    "precise",
]
JARGON = [
    "synergy",
    "leverage",
    "paradigm",
    "holistic",
    "utilize",
    "operationalize",
    "ideate",
    "bandwidth",
]
CONNECT = [
    "therefore",
    "then",
    "next",
    "because",
    "consequently",
    "finally",
    "so",
    "thus",
    "afterwards",
]
CHOPPY = ["stop.", "wait.", "no.", "fine.", "ok.", "right.", "sure.", "done."]
FILLER = [
    "the",
    "a",
    "report",
    "team",
    "market",
    "data",
    "project",
    "customer",
    "result",
    "plan",
    "week",
    "office",
    "update",
    "meeting",
    "value",
    "system",
    "process",
    "product",
    "service",
    "quarter",
    "budget",
    "review",
    "goal",
    "task",
    "issue",
    "idea",
    "user",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "ti",
    "vo",
    "be",
    "da",
    "fe",
    "gu",
    "hi",
    "jo",
    "pa",
    "qui",
    "ren",
    "sto",
    "tra",
    "vel",
]


def make_vocabulary(size: int, seed: int) -> list[str]:
    """Pseudo-words, so the vocabulary is as large and long-tailed as real text's."""
    rng = np.random.default_rng(seed)
    words = {"".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 5)))) for _ in range(size * 2)}
    return sorted(words)[:size]


VOCABULARY = FILLER + make_vocabulary(40_000, seed=7)
# Zipf-like frequencies: a few very common words, a long tail of rare ones.
ZIPF = 1.0 / np.arange(1, len(VOCABULARY) + 1) ** 1.05
ZIPF /= ZIPF.sum()


def make_samples(n: int, seed: int) -> list[LabelledSample]:
    """Texts of about 300 characters whose Clarity and Flow depend on different word cues."""
    rng = np.random.default_rng(seed)
    samples: list[LabelledSample] = []
    for _ in range(n):
        clarity, flow = rng.random(2)
        words = list(rng.choice(VOCABULARY, size=int(rng.integers(25, 38)), p=ZIPF))
        cues = [
            rng.choice(CLEAR) if rng.random() < clarity else rng.choice(JARGON) for _ in range(6)
        ]
        cues += [
            rng.choice(CONNECT) if rng.random() < flow else rng.choice(CHOPPY) for _ in range(6)
        ]
        for cue in cues:
            words.insert(int(rng.integers(0, len(words) + 1)), str(cue))
        scores = {
            "Clarity": float(np.clip(clarity + rng.normal(0, 0.05), 0, 1)),
            "Flow": float(np.clip(flow + rng.normal(0, 0.05), 0, 1)),
        }
        if rng.random() < 0.1:
            del scores["Flow" if rng.random() < 0.5 else "Clarity"]
        samples.append(LabelledSample(text=" ".join(words).capitalize() + ".", scores=scores))
    return samples


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    criteria = ["Clarity", "Flow"]
    samples = make_samples(n, seed=1)
    held_out = make_samples(2_000, seed=2)
    texts = [s.text for s in samples]
    print(f"samples: {n}, mean text length: {np.mean([len(t) for t in texts]):.0f} chars")

    candidates = plan_candidates("medium")
    print(f"candidates for 'medium': {len(candidates)}")
    configs = sorted({c.features for c in candidates}, key=lambda c: c.key())
    for config in configs:
        start, cpu = time.perf_counter(), time.process_time()
        tf = count_features(texts, config)
        print(
            f"featurize {config.key()}: {time.perf_counter() - start:.2f} s "
            f"(cpu {time.process_time() - cpu:.2f} s), nnz {tf.nnz:,}"
        )

    cache = FeatureCache()
    dataset_id = dataset_identity(texts)
    total_start, total_cpu = time.perf_counter(), time.process_time()
    results = []
    for params in candidates:
        start, cpu = time.perf_counter(), time.process_time()
        result = evaluate_candidate(samples, criteria, params, cache=cache, dataset_id=dataset_id)
        results.append(result)
        print(
            f"  CV {params.features.key()} shrink={params.shrinkage} centered={params.centered} "
            f"{params.weighting}: {time.perf_counter() - start:.2f} s "
            f"(cpu {time.process_time() - cpu:.2f} s), "
            f"objective {result.objective:.4f}, tiebreak {result.tiebreak:.4f}"
        )
    best = select_best(results)
    search_time = time.perf_counter() - total_start
    search_cpu = time.process_time() - total_cpu
    start, cpu = time.perf_counter(), time.process_time()
    model = fit(samples, criteria, best.params, cache=cache, dataset_id=dataset_id)
    fit_time = time.perf_counter() - start
    fit_cpu = time.process_time() - cpu
    print(
        f"search (each config featurized once, via the cache): {search_time:.2f} s "
        f"(cpu {search_cpu:.2f} s)"
    )
    print(f"fit best: {fit_time:.2f} s (cpu {fit_cpu:.2f} s)")
    print(f"search + fit: {search_time + fit_time:.2f} s (cpu {search_cpu + fit_cpu:.2f} s)")
    print(f"best params: {best.params.to_dict()}")
    print(f"best CV metrics: {best.metrics}")
    blob = model.to_bytes()
    print(f"model size: {len(blob) / 1024:.0f} KiB")

    start = time.perf_counter()
    scores = model.score_matrix([s.text for s in held_out])
    print(f"score {len(held_out)} texts: {time.perf_counter() - start:.2f} s")
    for j, name in enumerate(criteria):
        rows = [i for i, s in enumerate(held_out) if name in s.scores]
        y = np.array([held_out[i].scores[name] for i in rows])
        pred = scores[rows, j]
        print(
            f"held-out {name}: AUC {roc_auc(y >= 0.5, pred):.3f}, "
            f"Spearman {spearman(pred, y):.3f}, mean |error| {np.mean(np.abs(pred - y)):.3f}"
        )


if __name__ == "__main__":
    main()
