"""Plain data types shared by the training modules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LabelledSample:
    """One user sample: a text and scores in 0..1 for some (not necessarily all) criteria."""

    text: str
    scores: Mapping[str, float]
