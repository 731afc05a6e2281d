"""The run's snapshot of its samples: what every compute step trains on, read from S3.

One gzip JSON object per run, ``datasets/<handle>/<run_id>.json.gz``:
``{"format": 1, "criteria": [...], "samples": [{"text", "scores"}]}``, samples in insertion
order (cross-validation folds depend on the order, so every step and every retry sees the same).
The snapshot holds sample text, so it lives only as long as its run: publishing and
``Record failure`` delete it, and the bucket expires ``datasets/`` after two days regardless.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FORMAT = 1
VERSION_ID_PREFIX = "mv_"


def snapshot_key(handle: str, run_id: str) -> str:
    return f"datasets/{handle}/{run_id}.json.gz"


def version_id_for(run_id: str) -> str:
    """The id of the version a run publishes: ``mv_`` + 20 hex, derived from the (unique) run id.

    Derived rather than random so every retry of ``Fit best candidate`` writes the same artifact
    key, and a cleanup that knows only the run id (``Record failure``, the reconciler) can find
    the artifact of a version that was never published.
    """
    return VERSION_ID_PREFIX + hashlib.blake2b(run_id.encode(), digest_size=10).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    criteria: tuple[str, ...]
    samples: tuple[Mapping[str, Any], ...]  # {"text": str, "scores": {criterion: float}}


def encode(criteria: Sequence[str], samples: Sequence[Mapping[str, Any]]) -> bytes:
    """Gzip JSON; byte-identical for the same samples (mtime 0), so a retry rewrites the same."""
    body = json.dumps(
        {"format": FORMAT, "criteria": list(criteria), "samples": list(samples)},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    return gzip.compress(body, compresslevel=6, mtime=0)


def decode(blob: bytes) -> Snapshot:
    data = json.loads(gzip.decompress(blob))
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown snapshot format {data.get('format')!r}")
    return Snapshot(criteria=tuple(data["criteria"]), samples=tuple(data["samples"]))
