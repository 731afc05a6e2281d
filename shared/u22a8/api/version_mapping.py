"""Explicit mapping from versions to their public JSON shape; no storage shape leaks out."""

from __future__ import annotations

from typing import Any

from u22a8.entities.version import TaggedVersion, VersionPage


def version_resource(tagged: TaggedVersion) -> dict[str, Any]:
    """``VersionOut`` in the OpenAPI document; the artifact's location stays internal."""
    version = tagged.version
    return {
        "version_id": version.version_id,
        "version": version.version,
        "created_at": version.created_at,
        "run_id": version.run_id,
        "params": dict(version.params),
        "metrics": dict(version.metrics),
        "tags": list(tagged.tags),
    }


def version_page(page: VersionPage) -> dict[str, Any]:
    return {"data": [version_resource(v) for v in page.versions], "next_cursor": page.next_cursor}
