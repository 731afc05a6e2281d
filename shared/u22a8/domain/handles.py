"""Model handles (``<namespace>.<name>``): validation and tenant isolation."""

from __future__ import annotations

import re

from u22a8.entities.errors import FieldError, InvalidInput, ModelNotFound

HANDLE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,38}\.[a-z0-9][a-z0-9-]{0,62}$"
NAMESPACE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,38}$"
_HANDLE_RE = re.compile(HANDLE_PATTERN)
_NAMESPACE_RE = re.compile(NAMESPACE_PATTERN)


def is_valid_handle(handle: str) -> bool:
    return _HANDLE_RE.fullmatch(handle) is not None


def is_valid_namespace(namespace: str) -> bool:
    return _NAMESPACE_RE.fullmatch(namespace) is not None


def namespace_of(handle: str) -> str:
    return handle.split(".", 1)[0]


def require_valid_handle(handle: str, loc: tuple[str | int, ...] = ("path", "handle")) -> str:
    """A malformed handle is the caller's mistake (422), never a lookup."""
    if not is_valid_handle(handle):
        raise InvalidInput(
            f"'{handle}' is not a valid model handle.",
            [
                FieldError(
                    loc=loc,
                    msg="must be '<namespace>.<name>': lowercase letters, digits and '-', "
                    "namespace up to 39 and name up to 63 characters",
                    type="handle_format",
                )
            ],
        )
    return handle


def require_visible(handle: str, caller_namespace: str) -> str:
    """Validate ``handle`` and hide models of other tenants behind the same 404 as missing ones."""
    require_valid_handle(handle)
    if namespace_of(handle) != caller_namespace:
        raise ModelNotFound(handle)
    return handle
