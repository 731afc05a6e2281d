"""Labelled samples from a JSONL file (one ``{"text", "scores"}`` object a line), read lazily so a
file of any size streams through in batches."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from u22a8.client.types import Sample


class JsonlError(ValueError):
    """A line that is not one sample; names the file and line."""


def read_samples(source: Path) -> Iterator[Sample]:
    """Each non-blank line of ``source`` as a sample; only the shape is checked here (the API
    checks criteria and bounds, naming the sample)."""
    with source.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                value: Any = json.loads(line)
            except ValueError as error:
                raise JsonlError(f"{source}:{number}: not JSON ({error})") from None
            if (
                not isinstance(value, dict)
                or not isinstance(value.get("text"), str)
                or not isinstance(value.get("scores"), dict)
            ):
                raise JsonlError(f'{source}:{number}: expected {{"text": ..., "scores": {{...}}}}')
            yield Sample(text=value["text"], scores=value["scores"])


def batches[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
