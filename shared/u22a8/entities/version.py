"""Published model versions and the tags that name them, as the domain sees them.

A version is immutable once published. Tags live on the model (``tag_map``: tag to version
number), not on the version, so moving a tag is one conditional write of the model, and the
model's ETag changes with every tag change.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from u22a8.entities.errors import FieldError, InvalidInput

# Version numbers are stored zero-padded to six digits (``VERSION#000042``) so that string order
# is numeric order; a number that does not fit could never have been published.
MAX_VERSION = 999_999
VERSION_NUMBER_PATTERN = r"^[1-9][0-9]{0,5}$"
VERSION_ID_PREFIX = "mv_"
# Lowercase like handles, so `prod` and `Prod` cannot name different versions; '.', '_' and '-'
# allow `v2.1-rc`, `eu_prod`. 63 characters at most, starting with a letter or digit.
TAG_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"
_VERSION_NUMBER_RE = re.compile(VERSION_NUMBER_PATTERN)
_TAG_RE = re.compile(TAG_PATTERN)


@dataclass(frozen=True)
class Version:
    """A stored version: what a run published (see docs/training-design.md)."""

    version_id: str
    version: int
    created_at: str
    run_id: str | None
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    metrics: Mapping[str, Any] = field(default_factory=dict, hash=False)
    artifact_key: str | None = None
    sample_count: int | None = None


@dataclass(frozen=True)
class TaggedVersion:
    """A version with the tags that point at it, as the API shows it."""

    version: Version
    tags: tuple[str, ...]


@dataclass(frozen=True)
class VersionPointers:
    """What a model's item says of its versions: the active one and the tags (tag -> number).

    All a score request reads of the model (``data.score_reads``), rather than the whole model.
    """

    active_version: int | None
    active_version_id: str | None
    tag_map: Mapping[str, int]


@dataclass(frozen=True)
class VersionRef:
    """Where a version's artifact is: its id, and the S3 key its item recorded (``None`` for
    items written before keys were recorded: the key is then derived from the id)."""

    version_id: str
    artifact_key: str | None


@dataclass(frozen=True)
class VersionPage:
    versions: list[TaggedVersion]
    next_cursor: str | None


def new_version_id() -> str:
    """``mv_`` + 20 random hex: unique without coordination, never reused after pruning."""
    return f"{VERSION_ID_PREFIX}{secrets.token_hex(10)}"


def tags_of(tag_map: Mapping[str, int], version: int | None) -> tuple[str, ...]:
    """The tags pointing at ``version``, sorted (stable output whatever the map's order)."""
    if version is None:
        return ()
    return tuple(sorted(tag for tag, number in tag_map.items() if number == version))


def parse_version_number(raw: str, loc: tuple[str | int, ...] = ("path", "n")) -> int:
    """A version number from a path: a positive integer without leading zeros, else 422."""
    if _VERSION_NUMBER_RE.fullmatch(raw) is None:
        raise InvalidInput(
            f"'{raw}' is not a version number.",
            [
                FieldError(
                    loc=loc,
                    msg=f"must be an integer from 1 to {MAX_VERSION}, without leading zeros",
                    type="version_number",
                )
            ],
        )
    return int(raw)


def require_valid_tag(tag: str, loc: tuple[str | int, ...] = ("path", "tag")) -> str:
    if _TAG_RE.fullmatch(tag) is None:
        raise InvalidInput(
            f"'{tag}' is not a valid tag name.",
            [
                FieldError(
                    loc=loc,
                    msg="must be 1 to 63 characters: lowercase letters, digits, '.', '_' and "
                    "'-', starting with a letter or digit",
                    type="tag_format",
                )
            ],
        )
    return tag
