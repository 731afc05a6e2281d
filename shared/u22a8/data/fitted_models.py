"""Fitted versions, loaded from their artifact once per container and kept in a small LRU.

Deserialising a version costs an S3 GetObject and inflating a few megabytes of arrays, while
scoring a batch takes milliseconds, so a warm container keeps the last few versions it served. The
cache is keyed by ``version_id``: ids are unique across every model and namespace and a version is
immutable, so an entry can never go stale or answer for another tenant's model. Only the score
handler imports this module. Versions are read by the pure-Python :class:`Scorer`
(``u22a8.scoring``), not by ``u22a8.training``'s numpy ``FittedModel``, so that the score handler's
cold start does not import numpy; both give the same scores (a property test checks it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from u22a8.data import artifacts, inline_artifacts
from u22a8.data.artifacts import ArtifactMissing
from u22a8.scoring.artifact import InvalidModel
from u22a8.scoring.scorer import Scorer

# A version holds its IDF as float32 (1 MB over 2**18 features) and its prototypes' non-zero
# columns as Python floats, at most ``scorer.TUPLE_BUDGET`` of them (about 70 MB), beyond which
# they stay float32 (1 MB a prototype, 41 MB with the maximum of twenty criteria); so four stay
# well inside the function's memory.
CAPACITY = 4

__all__ = ["CAPACITY", "ArtifactMissing", "FittedModelCache", "InvalidModel", "load", "reset"]


class FittedModelCache:
    """Least-recently-used ``version_id`` -> model. Locked, because the local gateway runs
    concurrent "containers" in one process (on Lambda a container serves one request at a
    time)."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self._entries: OrderedDict[str, Scorer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version_id: str) -> Scorer | None:
        with self._lock:
            model = self._entries.get(version_id)
            if model is not None:
                self._entries.move_to_end(version_id)
            return model

    def put(self, version_id: str, model: Scorer) -> None:
        with self._lock:
            self._entries[version_id] = model
            self._entries.move_to_end(version_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __contains__(self, version_id: object) -> bool:
        with self._lock:
            return version_id in self._entries


_cache = FittedModelCache(CAPACITY)


def load(handle: str, version_id: str, key: str) -> Scorer:
    """The fitted version ``version_id`` of ``handle``, whose artifact is at ``key``: from the
    cache, or on a miss from its copy in the table (one GetItem, see ``inline_artifacts``) or
    else one GetObject. Raises :class:`ArtifactMissing` when the object is gone (pruned) and
    :class:`InvalidModel` when it is not a model (a fault: the workflow wrote it)."""
    model = _cache.get(version_id)
    if model is None:
        # Two concurrent misses may both load; the result is the same immutable version.
        blob = inline_artifacts.get(handle, version_id) or artifacts.get_artifact(key)
        model = Scorer.from_bytes(blob)
        _cache.put(version_id, model)
    return model


def reset() -> None:
    """Forget every loaded version (tests: each starts with a cold container)."""
    _cache.clear()
