"""Labelled samples as the domain sees them: a text and its scores for some of the model's criteria.

Sample ids sort in creation order (epoch milliseconds, then the position within the upload), so
storing them as sort keys makes a listing come back in the order the samples were added.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

SAMPLE_ID_PREFIX = "smp_"
SAMPLE_ID_PATTERN = r"^smp_[0-9a-f]{28}$"
_SAMPLE_ID_RE = re.compile(SAMPLE_ID_PATTERN)


@dataclass(frozen=True)
class NewSample:
    """A sample as submitted, before it has an id."""

    text: str
    scores: Mapping[str, float]


@dataclass(frozen=True)
class Sample:
    sample_id: str
    text: str
    scores: Mapping[str, float]
    created_at: str


@dataclass(frozen=True)
class SamplePage:
    samples: list[Sample]
    next_cursor: str | None


def new_sample_id(epoch_ms: int, index: int) -> str:
    """``smp_`` + 12 hex of epoch ms + 4 hex of the index in the upload + 12 random hex.

    Time first so ids sort by creation; the index keeps one upload's order within a millisecond;
    48 random bits keep concurrent uploads in the same millisecond apart.
    """
    return f"{SAMPLE_ID_PREFIX}{epoch_ms:012x}{index:04x}{secrets.token_hex(6)}"


def is_valid_sample_id(sample_id: str) -> bool:
    return _SAMPLE_ID_RE.fullmatch(sample_id) is not None
