"""Scoring texts with a model's active version, or another one picked by number or tag.

The model item says everything a warm request for the active version needs (its
``active_version_id``; the artifact's key is derived from it), so that request is one GetItem,
projected to those pointers (``data.score_reads``). Another version needs its item for its id; a
version not yet loaded in this container costs one Query of its copy in the table, or one S3
GetObject when it has none. Scored texts are neither stored nor logged: they go to the scorer and
back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from u22a8.data import artifacts, fitted_models, score_reads
from u22a8.domain.handles import require_visible
from u22a8.entities.errors import ModelNotFound, NoActiveVersion, TagNotFound, VersionNotFound
from u22a8.entities.version import VersionPointers
from u22a8.observability import logger


@dataclass(frozen=True)
class VersionChoice:
    """Which version scores: the active one (both ``None``), a number, or a tag (not both)."""

    version: int | None = None
    tag: str | None = None

    def __post_init__(self) -> None:
        if self.version is not None and self.tag is not None:
            raise ValueError("pick a version by number or by tag, not both")


@dataclass(frozen=True)
class Scores:
    version: int
    version_id: str
    results: list[dict[str, float]]


@dataclass(frozen=True)
class _Target:
    version: int
    version_id: str
    artifact_key: str


def _pointers(handle: str) -> VersionPointers:
    pointers = score_reads.version_pointers(handle)
    if pointers is None:
        raise ModelNotFound(handle)
    return pointers


def _target(handle: str, pointers: VersionPointers, choice: VersionChoice) -> _Target:
    if choice.tag is not None:
        number = pointers.tag_map.get(choice.tag)
        if number is None:
            raise TagNotFound(handle, choice.tag)
    elif choice.version is not None:
        number = choice.version
    elif pointers.active_version is None or pointers.active_version_id is None:
        raise NoActiveVersion(handle)
    else:
        number = pointers.active_version
    if number == pointers.active_version and pointers.active_version_id is not None:
        version_id = pointers.active_version_id
        return _Target(number, version_id, artifacts.artifact_key(handle, version_id))
    stored = score_reads.version_ref(handle, number)
    if stored is None:
        raise VersionNotFound(handle, number)
    key = stored.artifact_key or artifacts.artifact_key(handle, stored.version_id)
    return _Target(number, stored.version_id, key)


def score(
    caller_namespace: str, handle: str, texts: Sequence[str], choice: VersionChoice
) -> Scores:
    """Score ``texts`` (validated by the caller) with the chosen version.

    Archived and busy models score with their active version like ready ones. A version pruned
    between reading its pointer and loading its artifact (a publish and prune racing this
    request) is looked up once more: the active version has moved on, and a pruned version
    asked for by number or tag is then 404.
    """
    require_visible(handle, caller_namespace)
    target = _target(handle, _pointers(handle), choice)
    try:
        fitted = fitted_models.load(handle, target.version_id, target.artifact_key)
    except fitted_models.ArtifactMissing:
        logger.info("version artifact gone; reading the model again", extra={"handle": handle})
        target = _target(handle, _pointers(handle), choice)
        # Gone again: an item without its artifact, which pruning never leaves (a fault, 500).
        fitted = fitted_models.load(handle, target.version_id, target.artifact_key)
    logger.info(
        "texts scored",
        extra={"handle": handle, "version_id": target.version_id, "texts": len(texts)},
    )
    return Scores(target.version, target.version_id, fitted.score(texts))
