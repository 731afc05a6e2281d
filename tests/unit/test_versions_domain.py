"""Version numbers, tag names, tags of a version and the version item's storage shape."""

from __future__ import annotations

import re

import pytest

from u22a8.data.keys import version_sk
from u22a8.data.versions_repo import item_from_version, version_from_item
from u22a8.entities.errors import InvalidInput
from u22a8.entities.version import (
    MAX_VERSION,
    Version,
    new_version_id,
    parse_version_number,
    require_valid_tag,
    tags_of,
)


@pytest.mark.parametrize(("raw", "number"), [("1", 1), ("42", 42), ("999999", MAX_VERSION)])
def test_version_numbers(raw: str, number: int) -> None:
    assert parse_version_number(raw) == number


@pytest.mark.parametrize("raw", ["", "0", "01", "-1", "+1", "1.5", "1000000", " 1", "\u0661"])
def test_invalid_version_numbers_are_422(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_version_number(raw)
    assert caught.value.errors[0].loc == ("path", "n")


@pytest.mark.parametrize("tag", ["a", "prod", "v1.2-rc_3", "9", "x" * 63])
def test_valid_tags(tag: str) -> None:
    assert require_valid_tag(tag) == tag


@pytest.mark.parametrize("tag", ["", "Prod", "-a", ".a", "_a", "x" * 64, "a b", "a/b", "ünï"])
def test_invalid_tags_are_422(tag: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        require_valid_tag(tag)
    assert caught.value.errors[0].loc == ("path", "tag")


def test_tags_of_a_version_are_sorted_and_none_for_no_version() -> None:
    tag_map = {"prod": 2, "canary": 2, "old": 1}
    assert tags_of(tag_map, 2) == ("canary", "prod")
    assert tags_of(tag_map, 3) == ()
    assert tags_of(tag_map, None) == ()


def test_version_ids_are_random_and_well_formed() -> None:
    ids = {new_version_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"mv_[0-9a-f]{20}", i) for i in ids)


def test_version_sort_keys_sort_numerically() -> None:
    assert version_sk(3) == "VERSION#000003"
    keys = [version_sk(n) for n in (1, 9, 10, 99, 100, MAX_VERSION)]
    assert keys == sorted(keys)


def test_version_item_round_trip_and_layout() -> None:
    version = Version(
        version_id="mv_0123456789abcdef0123",
        version=7,
        created_at="2026-05-19T12:00:00.000Z",
        run_id="run_1",
        params={"alpha": 0.1, "ngram_max": 2, "nested": {"x": [1, 2.5]}},
        metrics={"Clarity": {"spearman": 0.5, "auc": 0.75, "n": 40}, "objective": 0.5},
        artifact_key="artifacts/acme.m/mv_0123456789abcdef0123.npz",
        sample_count=40,
    )
    item = item_from_version("acme.m", version)
    assert item["pk"] == {"S": "MODEL#acme.m"}
    assert item["sk"] == {"S": "VERSION#000007"}
    assert "gsi1pk" not in item  # never listed as a model
    assert "gsi1sk" not in item
    assert version_from_item(item) == version
    bare = Version(version_id="mv_1", version=1, created_at="t", run_id=None)
    assert "run_id" not in item_from_version("acme.m", bare)
    assert version_from_item(item_from_version("acme.m", bare)) == bare
