"""One request-parsing path: the strict JSON reader, the media-type check and strict ``limit``.

One test per finding of the hostile-input run (issue 12): each input here once was a 500, or was
accepted when it should not have been.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from u22a8.api import media_types, problems, strict_json
from u22a8.api.pagination import page_params
from u22a8.entities import errors


def _refused(data: bytes) -> str:
    with pytest.raises(errors.MalformedJson) as caught:
        strict_json.loads(data)
    return caught.value.detail


# --- strict JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"{}", {}),
        (b'{"a": [1, 2.5, true, null, "x"]}', {"a": [1, 2.5, True, None, "x"]}),
        ('{"t": "é ✓ 🙂"}'.encode(), {"t": "é ✓ 🙂"}),
        (b'{"t": "\\ud83d\\ude42"}', {"t": "🙂"}),  # a surrogate pair is one character
        (b'{"t": "[[[{{{"}', {"t": "[[[{{{"}),  # brackets inside strings do not nest
        (b'{"n": ' + b"9" * 100 + b"}", {"n": int("9" * 100)}),
    ],
)
def test_strict_json_reads_ordinary_json(data: bytes, value: Any) -> None:
    assert strict_json.loads(data) == value


def test_nesting_of_32_levels_is_read() -> None:
    value: list[Any] = []
    for _ in range(31):
        value = [value]
    assert strict_json.loads(b"[" * 32 + b"]" * 32) == value
    assert strict_json.loads(json.dumps(value).encode()) == value


def test_nesting_deeper_than_32_is_refused_not_a_recursion_error() -> None:
    assert "deeper than 32" in _refused(b"[" * 33 + b"]" * 33)
    assert "deeper than 32" in _refused(b'{"a":' * 1500 + b"1" + b"}" * 1500)
    assert "deeper than 32" in _refused(b"[" * 100_000)


def test_a_duplicate_key_is_refused_not_last_one_wins() -> None:
    detail = _refused(b'{"handle": "acme.a", "handle": "acme.b"}')
    assert '"handle" appears twice' in detail
    assert "appears twice" in _refused(b'{"x": {"k": 1, "k": 1}}')


def test_an_integer_past_the_int_parsing_limit_is_refused_not_a_value_error() -> None:
    assert "4301 characters" in _refused(b'{"n": ' + b"1" * 4301 + b"}")
    assert "characters" in _refused(b'{"n": 0.' + b"1" * 200 + b"}")


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e999"])
def test_non_finite_numbers_are_refused(literal: bytes) -> None:
    _refused(b'{"n": ' + literal + b"}")


@pytest.mark.parametrize(
    "data",
    [
        '{"a": 1}'.encode("utf-16"),  # UTF-16 (with its BOM)
        b'{"a": "\xff"}',
        b'{"a": "\xc3"}',  # a truncated sequence
        b'{"a": "\xed\xa0\x80"}',  # an encoded surrogate
    ],
)
def test_bad_utf8_is_refused_naming_the_byte(data: bytes) -> None:
    assert "not valid UTF-8 (byte" in _refused(data)


def test_an_unpaired_surrogate_escape_is_refused() -> None:
    assert "unpaired surrogate" in _refused(b'{"text": "\\ud800"}')
    assert "unpaired surrogate" in _refused(b'{"\\udfff": 1}')
    assert strict_json.loads(b'{"t": "\\\\ud800"}') == {"t": "\\ud800"}  # an escaped backslash


@pytest.mark.parametrize("data", [b"{", b"{'a': 1}", b"[1,]", b"{} {}", b"\xef\xbb\xbf{}"])
def test_bad_syntax_says_where(data: bytes) -> None:
    assert "line 1, column" in _refused(data)


# --- media types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        'application/json;charset="UTF-8"',
        "application/json;",
    ],
)
def test_json_media_types_are_accepted(content_type: str) -> None:
    media_types.require_accepted(content_type, (media_types.JSON,))


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-16",
        "application/json; boundary=x",
        "application/merge-patch+json",  # only where merge patch is read
        "application/jsonx",
    ],
)
def test_other_media_types_are_415_naming_the_accepted_ones(content_type: str | None) -> None:
    with pytest.raises(errors.UnsupportedMediaType) as caught:
        media_types.require_accepted(content_type, (media_types.JSON,))
    assert "application/json" in caught.value.detail
    assert problems.spec_for(caught.value).status == 415


def test_merge_patch_is_accepted_where_the_route_reads_it() -> None:
    accepted = (media_types.JSON, media_types.MERGE_PATCH_JSON)
    media_types.require_accepted("application/merge-patch+json; charset=utf-8", accepted)
    with pytest.raises(errors.UnsupportedMediaType) as caught:
        media_types.require_accepted("text/json", accepted)
    assert "application/json or application/merge-patch+json" in caught.value.detail


# --- limit --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "20", "100", "007"])
def test_ascii_limits_are_accepted(raw: str) -> None:
    assert page_params({"limit": raw})[0] == int(raw)


@pytest.mark.parametrize(
    "raw",
    ["²", "\uff11", "1.5", "", " 1", "-1", "0", "101", "1" * 4301, "٣", "1e1", "0x10", "+5"],
)
def test_a_limit_that_is_not_ascii_digits_in_range_is_422(raw: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        page_params({"limit": raw})
    assert caught.value.errors[0].loc == ("query", "limit")


# --- retryable problems -------------------------------------------------------------------------


@pytest.mark.parametrize("error", [errors.RequestInProgress(), errors.ServiceBusy(retry_after_s=2)])
def test_retryable_problems_carry_retry_after(error: errors.DomainError) -> None:
    response = problems.from_domain_error(error, "req-1")
    assert int(response.headers["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "error",
    [
        errors.RunFinished("acme.m", "run_x", "succeeded"),
        errors.HandleTaken("acme.m"),
        errors.ModelArchived("acme.m"),
    ],
)
def test_final_409s_carry_no_retry_after(error: errors.DomainError) -> None:
    response = problems.from_domain_error(error, "req-1")
    assert response.status == 409
    assert "Retry-After" not in response.headers
