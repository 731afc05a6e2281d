"""``u22a8.entities.ids``: the one way run and webhook ids are drawn and checked."""

from __future__ import annotations

import pytest

from u22a8.entities.errors import FieldError, InvalidInput
from u22a8.entities.run import new_run_id, require_valid_run_id
from u22a8.entities.webhook import new_webhook_id, require_valid_webhook_id


def test_webhook_ids_sort_by_creation_and_are_unique() -> None:
    ids = [new_webhook_id(now_ms=ms) for ms in (1, 2, 10, 1_800_000_000_000)]
    assert ids == sorted(ids)
    assert all(len(webhook_id) == len("wh_") + 24 for webhook_id in ids)
    assert len({new_webhook_id(now_ms=5) for _ in range(100)}) == 100
    assert require_valid_webhook_id(ids[0]) == ids[0]


@pytest.mark.parametrize(
    ("check", "drawn", "bad", "what", "loc", "code"),
    [
        (
            require_valid_run_id,
            new_run_id,
            "run_XYZ",
            "run id",
            ("path", "run_id"),
            "run_id_format",
        ),
        (
            require_valid_webhook_id,
            new_webhook_id,
            "run_0123456789abcdef0123",  # another kind of id
            "webhook id",
            ("path", "id"),
            "webhook_id_format",
        ),
    ],
)
def test_a_malformed_id_is_a_422_naming_the_field(
    check: object, drawn: object, bad: str, what: str, loc: tuple[str, ...], code: str
) -> None:
    assert callable(check)
    assert callable(drawn)
    assert check(drawn()) is not None
    with pytest.raises(InvalidInput) as refused:
        check(bad)
    assert str(refused.value) == f"'{bad}' is not a valid {what}."
    (error,) = refused.value.errors
    assert isinstance(error, FieldError)
    assert (error.loc, error.type) == (loc, code)
    assert error.msg.startswith("must be ")
