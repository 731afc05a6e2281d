"""Domain objects for unit tests, with plain defaults a test overrides by keyword."""

from __future__ import annotations

from u22a8.entities.model import Model, ModelState


def a_model(**overrides: object) -> Model:
    """A draft ``acme.m`` with one criterion at revision 7."""
    values: dict[str, object] = {
        "handle": "acme.m",
        "criteria": ("Clarity",),
        "state": ModelState.DRAFT,
        "created_at": "2026-05-01T09:00:00.000Z",
        "updated_at": "2026-05-01T09:00:00.000Z",
        "revision": 7,
    }
    values.update(overrides)
    return Model(**values)  # type: ignore[arg-type]
