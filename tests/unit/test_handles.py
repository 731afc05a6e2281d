"""Model handles: the format rule and tenant isolation (pure, no AWS)."""

from __future__ import annotations

import pytest

from u22a8.domain.handles import (
    is_valid_handle,
    is_valid_namespace,
    namespace_of,
    require_valid_handle,
    require_visible,
)
from u22a8.entities.errors import InvalidInput, ModelNotFound


@pytest.mark.parametrize(
    "handle",
    [
        "acme.support-tone",
        "a.b",
        "0.0",
        "a-.b-",  # a dash is fine after the first character
        "n" * 39 + ".x",  # namespace at its 39-character limit
        "acme." + "m" * 63,  # name at its 63-character limit
        "u22a8.compelling-readme",
    ],
)
def test_valid_handles(handle: str) -> None:
    assert is_valid_handle(handle)
    assert require_valid_handle(handle) == handle


@pytest.mark.parametrize(
    "handle",
    [
        "n" * 40 + ".x",  # namespace one over the limit
        "acme." + "m" * 64,  # name one over the limit
        "Acme.model",  # uppercase namespace
        "acme.Model",  # uppercase name
        "-acme.model",  # leading dash in the namespace
        "acme.-model",  # leading dash in the name
        "acmemodel",  # no dot
        ".model",  # empty namespace
        "acme.",  # empty name
        "acme.a.b",  # a second dot
        "acme.my_model",  # underscore
        "acme.model\n",  # a trailing newline must not slip past '$'
        " acme.model",
        "acme.modèle",
        "",
    ],
)
def test_invalid_handles_are_a_422_not_a_lookup(handle: str) -> None:
    assert not is_valid_handle(handle)
    with pytest.raises(InvalidInput) as caught:
        require_valid_handle(handle)
    (error,) = caught.value.errors
    assert error.loc == ("path", "handle")
    assert error.type == "handle_format"


def test_require_valid_handle_reports_the_given_location() -> None:
    with pytest.raises(InvalidInput) as caught:
        require_valid_handle("BAD", loc=("body", "handle"))
    assert caught.value.errors[0].loc == ("body", "handle")


@pytest.mark.parametrize(
    ("namespace", "valid"),
    [("acme", True), ("a" * 39, True), ("a" * 40, False), ("Acme", False), ("-a", False)],
)
def test_namespaces(namespace: str, valid: bool) -> None:
    assert is_valid_namespace(namespace) is valid


def test_namespace_of() -> None:
    assert namespace_of("acme.support-tone") == "acme"


def test_require_visible_hides_other_tenants_behind_not_found() -> None:
    assert require_visible("acme.x", "acme") == "acme.x"
    with pytest.raises(ModelNotFound) as caught:
        require_visible("globex.x", "acme")
    assert caught.value.handle == "globex.x"
    # The refusal reads exactly like a missing model of one's own.
    assert str(caught.value) == str(ModelNotFound("globex.x"))


def test_require_visible_checks_the_format_first() -> None:
    with pytest.raises(InvalidInput):
        require_visible("Globex.x", "acme")
