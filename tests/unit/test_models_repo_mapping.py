"""The model item's storage shape and listing cursors (pure functions of models_repo)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.unit.factories import a_model
from u22a8.data.items import to_item
from u22a8.data.keys import model_pk
from u22a8.data.models_repo import (
    decode_cursor,
    encode_cursor,
    item_from_model,
    listing_pk,
    model_from_item,
)
from u22a8.entities.errors import InvalidCursor
from u22a8.entities.model import AutoPrune, LastOperation, Model, ModelState, OperationError


def _model(**overrides: Any) -> Model:
    """A draft two-criterion model at revision 1."""
    return a_model(**{"criteria": ("Clarity", "Flow"), "revision": 1, **overrides})


def test_keys() -> None:
    assert model_pk("acme.m") == "MODEL#acme.m"
    assert listing_pk("acme", archived=False) == "NS#acme#LIVE"
    assert listing_pk("acme", archived=True) == "NS#acme#ARCHIVED"


@pytest.mark.parametrize(
    "model",
    [
        _model(),
        _model(description="d", zero_data_retention=True, revision=9),
        _model(auto_prune=AutoPrune(keep_unnamed=0)),
        _model(auto_prune=AutoPrune(keep_first_of_month=False)),
        _model(auto_prune=AutoPrune(keep_unnamed=5, keep_first_of_month=True)),
        _model(state=ModelState.ARCHIVED),
    ],
)
def test_item_round_trip(model: Model) -> None:
    assert model_from_item(item_from_model(model)) == model


def test_item_layout() -> None:
    item = item_from_model(_model(created_at="2026-05-01T09:00:00.000Z"))
    assert item["pk"] == {"S": "MODEL#acme.m"}
    assert item["sk"] == {"S": "META"}
    assert item["gsi1pk"] == {"S": "NS#acme#LIVE"}
    assert item["gsi1sk"] == {"S": "2026-05-01T09:00:00.000Z#acme.m"}
    assert item["revision"] == {"N": "1"}
    assert "description" not in item  # unset attributes are absent, not NULL
    assert "prune_keep_unnamed" not in item
    archived = item_from_model(_model(state=ModelState.ARCHIVED))
    assert archived["gsi1pk"] == {"S": "NS#acme#ARCHIVED"}


def test_items_written_by_training_are_read_with_their_operation() -> None:
    item = item_from_model(_model(state=ModelState.READY))
    item.update(
        to_item(
            {
                "active_version_id": "mv_1",
                "active_version": 2,
                "tag_map": {"prod": 2, "canary": 2, "old": 1},
                "last_operation": {
                    "kind": "retrain",
                    "status": "failed",
                    "started_at": "s",
                    "run_id": "run_1",
                    "finished_at": "f",
                    "progress": 0.75,
                    "error": {"code": "c", "message": "m"},
                },
            }
        )
    )
    model = model_from_item(item)
    assert model.active_version_id == "mv_1"
    assert model.active_version == 2
    assert model.tags == ("canary", "prod")  # the tags naming the active version, sorted
    assert model.tag_map == {"prod": 2, "canary": 2, "old": 1}
    assert model.last_operation == LastOperation(
        kind="retrain",
        status="failed",
        started_at="s",
        run_id="run_1",
        finished_at="f",
        progress=0.75,
        error=OperationError(code="c", message="m"),
    )
    minimal = {
        **item,
        **to_item({"last_operation": {"kind": "train", "status": "running", "started_at": "s"}}),
    }
    operation = model_from_item(minimal).last_operation
    assert operation == LastOperation(kind="train", status="running", started_at="s")


LAST_KEY = {
    "pk": {"S": "MODEL#acme.m"},
    "sk": {"S": "META"},
    "gsi1pk": {"S": "NS#acme#LIVE"},
    "gsi1sk": {"S": "2026-05-01T09:00:00.000Z#acme.m"},
}


def test_cursor_round_trip_is_url_safe() -> None:
    cursor = encode_cursor(LAST_KEY)
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor, "acme", archived=False) == LAST_KEY


def _forge(plain: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


PLAIN = {k: v["S"] for k, v in LAST_KEY.items()}


@pytest.mark.parametrize(
    ("cursor", "namespace", "archived"),
    [
        (encode_cursor(LAST_KEY), "globex", False),  # another tenant's listing
        (encode_cursor(LAST_KEY), "acme", True),  # another listing of the same tenant
        ("!!!!", "acme", False),
        ("abc", "acme", False),  # bad padding
        (base64.urlsafe_b64encode(b"\xff\xfe").decode(), "acme", False),  # not UTF-8
        (_forge("just a string"), "acme", False),
        (_forge([PLAIN]), "acme", False),
        (_forge({k: v for k, v in PLAIN.items() if k != "sk"}), "acme", False),
        (_forge({**PLAIN, "extra": "x"}), "acme", False),
        (_forge({**PLAIN, "sk": 1}), "acme", False),
        (_forge({**PLAIN, "gsi1pk": "NS#globex#LIVE"}), "acme", False),
        # Edited values of the right names: each is a key no listing of acme's ever issues.
        (_forge({**PLAIN, "sk": "SAMPLE#x"}), "acme", False),
        (_forge({**PLAIN, "pk": "MODEL#globex.m"}), "acme", False),
        (_forge({**PLAIN, "pk": "MODEL#acme.other"}), "acme", False),  # not the sort key's model
        (_forge({**PLAIN, "gsi1sk": "2026-05-01T09:00:00.000Z#globex.m"}), "acme", False),
        (_forge({**PLAIN, "gsi1sk": "yesterday#acme.m"}), "acme", False),
        (_forge({**PLAIN, "gsi1sk": "2026-05-01T09:00:00.000Z#acme.m\n"}), "acme", False),
        (_forge({**PLAIN, "pk": "MODEL#acme." + "m" * 64}), "acme", False),
        ("A" * 2000, "acme", False),  # longer than any cursor issued
    ],
)
def test_bad_or_foreign_cursors_are_422_invalid_cursor(
    cursor: str, namespace: str, archived: bool
) -> None:
    with pytest.raises(InvalidCursor) as caught:
        decode_cursor(cursor, namespace, archived)
    assert caught.value.code == "invalid-cursor"
    assert caught.value.errors[0].loc == ("query", "cursor")


def test_an_item_with_only_the_required_attributes_reads_with_the_defaults() -> None:
    """Attributes added over time (tags, zero-data-retention, pruning) may be missing from an item:
    it still reads, with no tags, retention off and the default pruning (found by `make
    mutation`: no test read such an item)."""
    item = to_item(
        {
            "pk": "MODEL#acme.m",
            "sk": "META",
            "handle": "acme.m",
            "criteria": ["Clarity"],
            "state": "ready",
            "created_at": "2026-05-01T09:00:00.000Z",
            "updated_at": "2026-05-01T09:00:00.000Z",
            "revision": 3,
        }
    )
    model = model_from_item(item)
    assert model.tags == ()
    assert model.tag_map == {}
    assert model.zero_data_retention is False
    assert model.auto_prune is None
    assert model.task == "scoring"
    assert model.objective == "balanced_cosine"
