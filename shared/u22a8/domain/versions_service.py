"""Use cases of versions and tags: list and read versions, point and remove tags, prune.

Reads take the model first (404 for a missing model before any version lookup, and its
``tag_map`` says which tags each version carries); writes are single conditional writes or
transactions whose refusal tells the reasons apart (see ``u22a8.data.versions_repo``).
"""

from __future__ import annotations

from u22a8.data import artifacts, models_repo, versions_repo
from u22a8.data.models_repo import WriteRefused
from u22a8.domain.clock import utc_now
from u22a8.domain.handles import require_visible
from u22a8.domain.pruning import VersionSummary, versions_to_prune
from u22a8.entities.errors import (
    DomainError,
    ModelArchived,
    ModelNotFound,
    TagNotFound,
    VersionNotFound,
)
from u22a8.entities.model import AutoPrune, Model, ModelState
from u22a8.entities.version import (
    TaggedVersion,
    Version,
    VersionPage,
    require_valid_tag,
    tags_of,
)
from u22a8.observability import logger

# A prune that keeps losing the race against tag changes or publishes gives up after this many
# plans; the next publish prunes again, so nothing is lost but time.
MAX_PRUNE_ATTEMPTS = 5


def _model(handle: str) -> Model:
    model = models_repo.get(handle)
    if model is None:
        raise ModelNotFound(handle)
    return model


def _refusal(handle: str, refused: WriteRefused) -> DomainError:
    existing = refused.failure.existing
    if existing is None:
        return ModelNotFound(handle)
    if existing.state is ModelState.ARCHIVED:
        return ModelArchived(handle)
    raise RuntimeError(f"model {handle} refused a tag write for no known reason")


def _tagged(model: Model, version: Version) -> TaggedVersion:
    return TaggedVersion(version, tags_of(model.tag_map, version.version))


def list_versions(
    caller_namespace: str, handle: str, limit: int, cursor: str | None
) -> VersionPage:
    """Newest first; archived models can be read too."""
    require_visible(handle, caller_namespace)
    model = _model(handle)
    page = versions_repo.list_page(handle, limit, cursor)
    return VersionPage([_tagged(model, v) for v in page.versions], page.next_cursor)


def get_version(caller_namespace: str, handle: str, number: int) -> TaggedVersion:
    require_visible(handle, caller_namespace)
    model = _model(handle)
    version = versions_repo.get(handle, number)
    if version is None:
        raise VersionNotFound(handle, number)
    return _tagged(model, version)


def put_tag(caller_namespace: str, handle: str, tag: str, number: int) -> TaggedVersion:
    """Point ``tag`` at version ``number``, moving it from any other version."""
    require_visible(handle, caller_namespace)
    require_valid_tag(tag)
    try:
        versions_repo.set_tag(handle, tag, number, utc_now())
    except WriteRefused as refused:
        raise _refusal(handle, refused) from refused
    except versions_repo.VersionMissing as missing:
        raise VersionNotFound(handle, number) from missing
    # The answer needs the version's content and every tag on it (others may name it too). A
    # tagged version cannot be pruned, so it is still there unless the tag moved on meanwhile.
    version = versions_repo.get(handle, number)
    if version is None:
        raise VersionNotFound(handle, number)
    return _tagged(_model(handle), version)


def delete_tag(caller_namespace: str, handle: str, tag: str) -> Model:
    """Remove ``tag``; returns the model as written (its ETag and ``tags`` change)."""
    require_visible(handle, caller_namespace)
    require_valid_tag(tag)
    try:
        return versions_repo.remove_tag(handle, tag, utc_now())
    except WriteRefused as refused:
        raise _refusal(handle, refused) from refused
    except versions_repo.TagMissing as missing:
        raise TagNotFound(handle, tag) from missing


def prune(handle: str) -> list[int]:
    """Apply the model's pruning policy: delete the prunable versions and their artifacts.

    Planned from one read of the model (policy, active version, tags, revision) and one query of
    the versions; the deletes commit only while the model's revision is unchanged, so a tag put
    or a publish racing the prune makes it plan again instead of deleting a version that has just
    become protected. Returns the version numbers deleted, ascending.
    """
    deleted: list[int] = []
    for _ in range(MAX_PRUNE_ATTEMPTS):
        model = _model(handle)
        policy = model.auto_prune or AutoPrune()
        versions = versions_repo.all_versions(handle)
        plan = versions_to_prune(
            [VersionSummary(v.version, v.created_at) for v in versions],
            model.active_version,
            set(model.tag_map.values()),
            policy.effective_keep_unnamed,
            policy.effective_keep_first_of_month,
        )
        if not plan:
            break
        try:
            by_number = {v.version: v for v in versions}
            doomed = [by_number[number] for number in plan]
            versions_repo.delete_unless_model_changed(handle, doomed, model.revision)
        except versions_repo.ModelChanged as changed:
            _delete_artifacts(handle, versions, changed.deleted)
            deleted.extend(changed.deleted)
            continue
        _delete_artifacts(handle, versions, plan)
        deleted.extend(plan)
        break
    else:
        logger.warning(
            "prune gave up: the model kept changing", extra={"handle": handle, "deleted": deleted}
        )
    return sorted(deleted)


def _delete_artifacts(handle: str, versions: list[Version], numbers: list[int]) -> None:
    """After their items: an artifact without its item is an orphan, but an item without its
    artifact would be a version that cannot score."""
    if not numbers:
        return
    wanted = set(numbers)
    keys = [v.artifact_key for v in versions if v.version in wanted and v.artifact_key]
    failed = artifacts.delete_artifacts(keys)
    logger.info(
        "versions pruned", extra={"handle": handle, "versions": numbers, "orphaned": failed}
    )
