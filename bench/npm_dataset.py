"""A labelled set of real text nobody on the project wrote: npm package descriptions.

Source: the npm registry's package list the workplace ships (``/work/.library/env/packages/
npm.tsv``; columns ``name``, ``version``, ``downloads_a_month``, ``summary``). The text is the
package's own summary (the workplace's "[tested here: ...]" notes at the start of a few are
removed); the labels come from the registry's metadata, not from reading the text:

* ``popular``: monthly downloads at or above the sample's 75th percentile;
* ``stable``: the published version is 1.0.0 or later (not a 0.x pre-release series);
* ``scoped``: the name is scoped to an organisation or user (``@scope/name``), used by the test
  fixture (``tests/fixtures/npm-600.json``) for a criterion with more signal in small data.

Packages are picked by a hash of their name (so the same file always gives the same set),
descriptions repeated by several packages are kept once, and the split into training and
held-out parts is by the same hash, never by position (the file is sorted by name).
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NPM_TSV = Path("/work/.library/env/packages/npm.tsv")
CRITERIA = ("popular", "stable")
POPULAR_QUANTILE = 0.75
MAX_TEXT_CHARS = 20_000  # the API's limit per sample
_NOTE = re.compile(r"^\[tested here:[^\]]*\]\s*")


@dataclass(frozen=True, slots=True)
class Package:
    """One package: its summary and the metadata its labels come from."""

    name: str
    version: str
    downloads: int
    text: str

    def rank(self, salt: str) -> int:
        """A stable pseudo-random position of this package (by name), for sampling and splits."""
        digest = hashlib.blake2b(f"{salt}:{self.name}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big")


def read_packages(path: Path = NPM_TSV) -> list[Package]:
    """Every package with a non-empty summary, the workplace's notes removed."""
    out: list[Package] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            if len(row) < 4:
                continue
            text = _NOTE.sub("", row[3]).strip()
            if not text or len(text) > MAX_TEXT_CHARS or not row[2].isdigit():
                continue
            out.append(Package(row[0], row[1], int(row[2]), text))
    return out


def _major(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def labelled_sample(
    count: int,
    path: Path = NPM_TSV,
    salt: str = "u22a8-quality",
    criteria: tuple[str, ...] = CRITERIA,
) -> list[dict[str, Any]]:
    """``count`` packages as API samples ``{"text", "scores"}`` with 0/1 labels per criterion.

    The popularity threshold is the 75th percentile of the downloads of the chosen packages.
    """
    packages = sorted(read_packages(path), key=lambda p: p.rank(salt))
    chosen: list[Package] = []
    seen: set[str] = set()
    for package in packages:
        key = package.text.casefold()
        if key in seen:
            continue
        seen.add(key)
        chosen.append(package)
        if len(chosen) == count:
            break
    downloads = sorted(p.downloads for p in chosen)
    threshold = downloads[int(POPULAR_QUANTILE * (len(downloads) - 1))]
    out: list[dict[str, Any]] = []
    for p in chosen:
        labels = {
            "popular": p.downloads >= threshold,
            "stable": _major(p.version) >= 1,
            "scoped": p.name.startswith("@"),
        }
        out.append({"text": p.text, "scores": {c: float(labels[c]) for c in criteria}})
    return out


def split(
    samples: list[dict[str, Any]], held_out: float = 0.2
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Training part and held-out part (every fifth sample by position of the hashed order)."""
    step = round(1 / held_out)
    train = [s for i, s in enumerate(samples) if i % step != step - 1]
    test = [s for i, s in enumerate(samples) if i % step == step - 1]
    return train, test
