"""Quality on real text: our trained scorer beside a scikit-learn peer (benchmark, not a test).

Run: ``make bench-quality`` (``python bench/quality.py [--samples 10000] [--efforts ...]``).

The labelled set is real text nobody on the project wrote (``bench/npm_dataset.py``: npm package
summaries, labelled ``popular`` and ``stable`` from the registry's download counts and versions).
80 % is uploaded through the API of the local stack (``python -m local.stack``, as ``make local``
runs it), the model is trained at each effort (``POST …/train``, timed until the model settles),
and the held-out 20 % is scored through ``POST …/score``. The peer is the usual baseline, fitted
on the same training part: TF-IDF of word 1-2 grams and of word-boundary character 2-5 grams
(sublinear tf), ``LogisticRegression`` with ``C`` chosen by 5-fold cross-validated AUC on the
training part. Both are judged by ROC AUC on the held-out part.

It also measures the weight budget (``u22a8.training.learned.WEIGHT_BUDGET``): the held-out AUC
of the best parameters fitted in-process with every weight kept, and with only a 20-criterion
model's share kept, and the artifact size of a 20-criterion model on this data.

Targets: ``max`` within 0.005 AUC of the peer on every criterion, ``medium`` within 0.01; the
budget costs at most 0.002 AUC, and a 20-criterion artifact is at most 3 MiB. Always exits 0 and
lists the targets it missed.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "shared"):
    if str(_path) not in sys.path:  # run as a script
        sys.path.insert(0, str(_path))

from bench import npm_dataset  # noqa: E402
from bench.training import Client, local_stack  # noqa: E402
from u22a8.effort import EFFORTS  # noqa: E402
from u22a8.training import (  # noqa: E402
    FeatureCache,
    TrainingParams,
    as_samples,
    fit,
    learned,
    roc_auc,
)

CRITERIA = npm_dataset.CRITERIA
UPLOAD_BATCH = 500
SCORE_BATCH = 100
POLL_INTERVAL_S = 0.05
RUN_DEADLINE_S = 1800.0
PEER_CS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
TARGETS = {"max": 0.005, "medium": 0.01}
MAX_CRITERIA = 20
INLINE_LIMIT = 3 * 2**20


@dataclass(frozen=True)
class EffortResult:
    effort: str
    train_s: float
    auc: dict[str, float]
    cv_auc: float
    summary: str
    params: dict[str, Any]


def peer_auc(train: Sequence[dict[str, Any]], test: Sequence[dict[str, Any]]) -> dict[str, float]:
    """The scikit-learn baseline's held-out AUC per criterion (C by CV on the training part)."""
    import scipy.sparse as sp  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import (  # type: ignore[import-untyped]
        TfidfVectorizer,
    )
    from sklearn.linear_model import LogisticRegressionCV  # type: ignore[import-untyped]
    from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

    texts = [str(s["text"]) for s in train]
    held_out = [str(s["text"]) for s in test]
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    x_train = sp.hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
    x_test = sp.hstack([words.transform(held_out), chars.transform(held_out)]).tocsr()
    # scikit-learn 1.9 warns that the fitted attributes change in 1.10; take the new ones where
    # the option exists (the same fit either way).
    options = inspect.signature(LogisticRegressionCV).parameters
    modern = {"use_legacy_attributes": False} if "use_legacy_attributes" in options else {}
    out: dict[str, float] = {}
    for criterion in CRITERIA:
        y = np.array([s["scores"][criterion] >= 0.5 for s in train])
        y_test = np.array([s["scores"][criterion] >= 0.5 for s in test])
        model = LogisticRegressionCV(
            Cs=list(PEER_CS), cv=5, scoring="roc_auc", max_iter=2000, l1_ratios=(0.0,), **modern
        ).fit(x_train, y)
        out[criterion] = float(roc_auc_score(y_test, model.decision_function(x_test)))
        chosen = float(np.ravel(model.C_)[0])  # a scalar in the new attributes, else an array
        print(f"  peer {criterion}: AUC {out[criterion]:.4f} (C = {chosen:g})", flush=True)
    return out


def upload(client: Client, handle: str, samples: Sequence[dict[str, Any]]) -> None:
    for offset in range(0, len(samples), UPLOAD_BATCH):
        batch = list(samples[offset : offset + UPLOAD_BATCH])
        client.call("POST", f"/v1/models/{handle}/samples", {"samples": batch}, expect=201)


def train_once(client: Client, handle: str, effort: str) -> tuple[float, dict[str, Any]]:
    """Train at ``effort`` (a ready model: a fresh search) and wait; the version it published."""
    model = client.call("GET", f"/v1/models/{handle}", expect=200)
    body: dict[str, Any] = {"effort": effort}
    if model["state"] == "ready":
        body["reoptimize_params"] = True
    started = time.perf_counter()
    run_id = client.call("POST", f"/v1/models/{handle}/train", body, expect=202)["run_id"]
    deadline = time.monotonic() + RUN_DEADLINE_S
    while client.call("GET", f"/v1/models/{handle}", expect=200)["state"] == "busy":
        if time.monotonic() > deadline:
            raise RuntimeError(f"{handle} still busy after {RUN_DEADLINE_S} s")
        time.sleep(POLL_INTERVAL_S)
    seconds = time.perf_counter() - started
    run = client.call("GET", f"/v1/models/{handle}/runs/{run_id}", expect=200)
    if run["status"] != "succeeded":
        raise RuntimeError(f"{effort}: run {run['status']}: {run.get('error')}")
    version = client.call("GET", f"/v1/models/{handle}/versions/{run['version']}", expect=200)
    return seconds, version


def held_out_auc(client: Client, handle: str, test: Sequence[dict[str, Any]]) -> dict[str, float]:
    scores: list[dict[str, float]] = []
    for offset in range(0, len(test), SCORE_BATCH):
        texts = [str(s["text"]) for s in test[offset : offset + SCORE_BATCH]]
        answer = client.call("POST", f"/v1/models/{handle}/score", {"texts": texts}, expect=200)
        scores.extend(answer["results"])
    return {
        c: roc_auc(
            np.array([s["scores"][c] >= 0.5 for s in test]), np.array([r[c] for r in scores])
        )
        for c in CRITERIA
    }


def budget_cost(
    train: Sequence[dict[str, Any]], test: Sequence[dict[str, Any]], params: TrainingParams
) -> tuple[dict[str, float], dict[str, float], int]:
    """Held-out AUC of ``params`` with all weights kept and with a 20-criterion model's share,
    and the artifact bytes of a 20-criterion model (the two criteria, ten times each)."""
    samples = as_samples(train)
    texts = [str(s["text"]) for s in test]
    labels = {c: np.array([s["scores"][c] >= 0.5 for s in test]) for c in CRITERIA}
    cache = FeatureCache()
    results = []
    budget = learned.WEIGHT_BUDGET
    for kept in (2**40, budget * len(CRITERIA) // MAX_CRITERIA):
        learned.WEIGHT_BUDGET = kept
        try:
            model = fit(samples, CRITERIA, params, cache=cache, dataset_id="quality")
        finally:
            learned.WEIGHT_BUDGET = budget
        matrix = model.score_matrix(texts)
        results.append({c: roc_auc(labels[c], matrix[:, j]) for j, c in enumerate(CRITERIA)})
    many = [f"{c}-{i}" for i in range(MAX_CRITERIA // len(CRITERIA)) for c in CRITERIA]
    wide = [
        {"text": s["text"], "scores": {name: s["scores"][name.rsplit("-", 1)[0]] for name in many}}
        for s in train
    ]
    model = fit(as_samples(wide), many, params, cache=cache, dataset_id="quality")
    return results[0], results[1], len(model.to_bytes())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--samples", type=int, default=10_000, help="labelled samples in all")
    parser.add_argument("--efforts", default=",".join(EFFORTS), help="comma-separated")
    parser.add_argument("--no-budget", action="store_true", help="skip the weight-budget part")
    args = parser.parse_args(argv)
    efforts = [e for e in args.efforts.split(",") if e]
    if unknown := sorted(set(efforts) - set(EFFORTS)):
        parser.error(f"unknown efforts {unknown}; the levels are {', '.join(EFFORTS)}")

    samples = npm_dataset.labelled_sample(args.samples)
    train, test = npm_dataset.split(samples)
    rates = {c: np.mean([s["scores"][c] for s in samples]) for c in CRITERIA}
    print(
        f"{len(train):,} training and {len(test):,} held-out npm package summaries; "
        + ", ".join(f"{c}: {rate:.0%} high" for c, rate in rates.items()),
        flush=True,
    )
    started = time.perf_counter()
    peer = peer_auc(train, test)
    peer_s = time.perf_counter() - started

    results: list[EffortResult] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp,
        local_stack(Path(tmp)) as stack,
    ):
        client = Client(stack)
        handle = f"{stack.namespace}.npm-quality-{int(time.time())}"
        client.call("POST", "/v1/models", {"handle": handle, "criteria": list(CRITERIA)}, 201)
        upload(client, handle, train)
        for effort in efforts:
            seconds, version = train_once(client, handle, effort)
            auc = held_out_auc(client, handle, test)
            result = EffortResult(
                effort,
                seconds,
                auc,
                float(version["metrics"]["objective"]["mean_auc"]),
                str(version["params"].get("summary", "")),
                dict(version["params"]),
            )
            results.append(result)
            print(
                f"  {effort}: {seconds:.1f} s, held-out AUC "
                + ", ".join(f"{c} {auc[c]:.4f}" for c in CRITERIA)
                + f"; CV {result.cv_auc:.4f}; {result.summary}",
                flush=True,
            )

    print()
    print("| effort | " + " | ".join(f"{c} AUC (peer)" for c in CRITERIA) + " | train s | chosen |")
    print("|---|" + "---:|" * len(CRITERIA) + "---:|---|")
    for r in results:
        cells = " | ".join(f"{r.auc[c]:.4f} ({peer[c]:.4f})" for c in CRITERIA)
        print(f"| {r.effort} | {cells} | {r.train_s:.1f} | {r.summary} |")
    print("| peer | " + " | ".join(f"{peer[c]:.4f}" for c in CRITERIA) + f" | {peer_s:.1f} | |")

    missed: list[str] = []
    for r in results:
        allowed = TARGETS.get(r.effort)
        for c in CRITERIA:
            if allowed is not None and r.auc[c] < peer[c] - allowed:
                missed.append(
                    f"{r.effort} {c}: {r.auc[c]:.4f} is more than {allowed} below {peer[c]:.4f}"
                )
    cv = {r.effort: r.cv_auc for r in results}
    if "max" in cv and "medium" in cv and cv["max"] < cv["medium"]:
        missed.append(f"max's CV AUC {cv['max']:.4f} is below medium's {cv['medium']:.4f}")

    if not args.no_budget and results:
        best = TrainingParams.from_dict(results[-1].params)
        full, pruned, size = budget_cost(train, test, best)
        print()
        print(f"weight budget ({best.describe()}):")
        for c in CRITERIA:
            cost = full[c] - pruned[c]
            print(f"  {c}: all weights {full[c]:.4f}, 20-criterion share {pruned[c]:.4f}")
            if cost > 0.002:
                missed.append(f"the weight budget costs {c} {cost:.4f} AUC (> 0.002)")
        print(f"  20-criterion artifact: {size / 2**20:.2f} MiB")
        if size > INLINE_LIMIT:
            missed.append(f"a 20-criterion artifact is {size / 2**20:.2f} MiB (> 3 MiB)")

    print()
    print("Targets missed:\n" + "\n".join(f"- {m}" for m in missed) if missed else "All met.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
