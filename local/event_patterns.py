"""Event patterns matched as Amazon EventBridge (and Lambda event filtering) match them.

One matcher for every local stand-in of an AWS filter: the DynamoDB stream poller
(``local.streams``, Lambda's ``FilterCriteria``) and the local EventBridge (``local.events``,
rule patterns). Both AWS services follow EventBridge's documented semantics, so the local ones
must too: a filter that would never match on AWS must not match here (the retrain filter once
compared a stream record's ``"N": "50"``, a JSON string, with ``numeric``, which AWS applies to
JSON numbers only).

Semantics (EventBridge user guide, "Content filtering in event patterns" and "Comparison
operators"):

* a pattern is a JSON object; every field it names must match (AND); a field's value is either
  a nested object or a non-empty array of matchers, any of which may match (OR);
* when the event's value is an array, the field matches when any element matches;
* matchers: exact values (strings, JSON numbers compared as numbers, ``true``/``false``,
  ``null``), ``prefix`` / ``suffix`` (optionally ``{"equals-ignore-case": ...}``),
  ``equals-ignore-case``, ``wildcard`` (``*``; ``\\*`` is a literal star), ``numeric`` (JSON
  numbers only), ``cidr``, ``exists`` (leaf values only: a field holding an object or nothing
  does not "exist"), ``anything-but`` (a value, a list of values, or ``prefix`` / ``suffix`` /
  ``equals-ignore-case`` / ``wildcard``; never matches a missing field);
* ``$or``: a list of patterns, any of which may match, next to the object's other fields.

A pattern this module does not understand is refused by :func:`validate` (``ValueError``), not
half-matched.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

OR: Final = "$or"
_MISSING: Final = object()
_NUMERIC_OPS: Final[dict[str, Callable[[Decimal, Decimal], bool]]] = {
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}
_STRING_OPS: Final = frozenset({"prefix", "suffix", "equals-ignore-case", "wildcard"})
_OPERATORS: Final = _STRING_OPS | {"numeric", "exists", "anything-but", "cidr"}


# -- validation -----------------------------------------------------------------------------------


def validate(pattern: Any, where: str = "pattern") -> None:
    """Refuse what EventBridge would refuse, or what this matcher does not implement."""
    if not isinstance(pattern, Mapping) or not pattern:
        raise ValueError(f"{where}: an event pattern is a non-empty JSON object")
    for key, expected in pattern.items():
        at = f"{where}.{key}"
        if key == OR:
            if not isinstance(expected, list) or len(expected) < 2:
                raise ValueError(f"{at}: $or takes a list of at least two patterns")
            for index, option in enumerate(expected):
                validate(option, f"{at}[{index}]")
        elif isinstance(expected, Mapping):
            validate(expected, at)
        elif not isinstance(expected, list) or not expected:
            raise ValueError(f"{at}: a pattern leaf is a non-empty list of matchers")
        else:
            for matcher in expected:
                _validate_matcher(matcher, at)


def _validate_matcher(matcher: Any, where: str) -> None:
    if isinstance(matcher, list):
        raise ValueError(f"{where}: a matcher cannot be a list")
    if not isinstance(matcher, Mapping):
        return  # an exact value
    if len(matcher) != 1 or next(iter(matcher)) not in _OPERATORS:
        raise ValueError(f"{where}: unsupported filter operator {sorted(matcher)}")
    ((operator, argument),) = matcher.items()
    if operator == "exists" and not isinstance(argument, bool):
        raise ValueError(f"{where}: exists takes true or false")
    if operator == "numeric":
        _numeric_rule(argument, where)
    if operator == "cidr":
        ipaddress.ip_network(str(argument), strict=False)
    if operator in {"prefix", "suffix"} and isinstance(argument, Mapping):
        if set(argument) != {"equals-ignore-case"}:
            raise ValueError(f"{where}: {operator} takes a string or equals-ignore-case")
    elif operator in _STRING_OPS and not isinstance(argument, str):
        raise ValueError(f"{where}: {operator} takes a string")
    if operator == "anything-but":
        _validate_anything_but(argument, where)


def _validate_anything_but(argument: Any, where: str) -> None:
    if isinstance(argument, Mapping):
        if len(argument) != 1 or next(iter(argument)) not in _STRING_OPS:
            raise ValueError(f"{where}: anything-but takes a value, a list or a string operator")
        inner = next(iter(argument.values()))
        options = inner if isinstance(inner, list) else [inner]
        if not options or not all(isinstance(option, str) for option in options):
            raise ValueError(f"{where}: anything-but's string operator takes strings")
        return
    values = argument if isinstance(argument, list) else [argument]
    if not values or any(isinstance(v, (Mapping, list, bool)) or v is None for v in values):
        raise ValueError(f"{where}: anything-but lists strings or numbers")


def _numeric_rule(rule: Any, where: str) -> list[tuple[str, Decimal]]:
    if not isinstance(rule, list) or not rule or len(rule) % 2 or len(rule) > 4:
        raise ValueError(f"{where}: numeric takes one or two [operator, number] pairs")
    pairs: list[tuple[str, Decimal]] = []
    for operator, bound in zip(rule[0::2], rule[1::2], strict=True):
        if operator not in _NUMERIC_OPS or not _is_number(bound):
            raise ValueError(f"{where}: bad numeric comparison {operator!r} {bound!r}")
        pairs.append((operator, Decimal(str(bound))))
    return pairs


# -- matching -------------------------------------------------------------------------------------


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """Whether ``event`` (parsed JSON) matches ``pattern`` as EventBridge would decide."""
    if isinstance(event, list):  # an array of objects: any element may match the object pattern
        return any(matches(pattern, element) for element in event)
    if not isinstance(event, Mapping):
        return False
    for key, expected in pattern.items():
        if key == OR:
            if not any(matches(option, event) for option in expected):
                return False
            continue
        actual = event.get(key, _MISSING)
        if isinstance(expected, Mapping):
            if actual is _MISSING or not matches(expected, actual):
                return False
        elif not any(_leaf(matcher, actual) for matcher in expected):
            return False
    return True


def _values(actual: Any) -> list[Any]:
    """The leaf values of a field: an array's elements, a scalar itself; objects are no leaves."""
    found = actual if isinstance(actual, list) else [actual]
    return [value for value in found if value is not _MISSING and not isinstance(value, Mapping)]


def _leaf(matcher: Any, actual: Any) -> bool:
    values = _values(actual)
    if isinstance(matcher, Mapping):
        ((operator, argument),) = matcher.items()
        if operator == "exists":
            return bool(values) is argument
        return any(_operator(operator, argument, value) for value in values)
    return any(_equal(matcher, value) for value in values)


def _operator(operator: str, argument: Any, value: Any) -> bool:
    if operator == "numeric":
        if not _is_number(value):
            return False  # numeric matching works with JSON numbers only, never strings
        number = Decimal(str(value))
        return all(_NUMERIC_OPS[op](number, bound) for op, bound in _numeric_rule(argument, ""))
    if operator == "cidr":
        return isinstance(value, str) and _in_network(value, str(argument))
    if operator == "anything-but":
        return not _anything_but_hit(argument, value)
    return isinstance(value, str) and _string_match(operator, argument, value)


def _anything_but_hit(argument: Any, value: Any) -> bool:
    if isinstance(argument, Mapping):  # a string operator, of one string or a list of them
        ((operator, inner),) = argument.items()
        options = inner if isinstance(inner, list) else [inner]
        return isinstance(value, str) and any(_string_match(operator, o, value) for o in options)
    values = argument if isinstance(argument, list) else [argument]
    return any(_equal(excluded, value) for excluded in values)


def _string_match(operator: str, argument: Any, value: str) -> bool:
    if operator in {"prefix", "suffix"}:
        folded = isinstance(argument, Mapping)
        text = str(argument["equals-ignore-case"]) if folded else str(argument)
        subject = value.casefold() if folded else value
        text = text.casefold() if folded else text
        return subject.startswith(text) if operator == "prefix" else subject.endswith(text)
    if operator == "equals-ignore-case":
        return value.casefold() == str(argument).casefold()
    return _wildcard(str(argument)).fullmatch(value) is not None


def _wildcard(expression: str) -> re.Pattern[str]:
    parts = re.split(r"(\\\*|\*)", expression)
    regex = "".join(
        ".*" if part == "*" else re.escape("*") if part == "\\*" else re.escape(part)
        for part in parts
    )
    return re.compile(regex, re.DOTALL)


def _equal(expected: Any, actual: Any) -> bool:
    """Exact matching: strings character by character, numbers by value, booleans and null by
    kind (a ``true`` is not the number 1, a ``"5"`` is not the number 5)."""
    if isinstance(expected, bool) or isinstance(actual, bool) or expected is None or actual is None:
        return type(expected) is type(actual) and expected == actual
    if _is_number(expected) and _is_number(actual):
        return Decimal(str(expected)) == Decimal(str(actual))
    if isinstance(expected, str) and isinstance(actual, str):
        return expected == actual
    return False


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    try:
        return Decimal(str(value)).is_finite()
    except InvalidOperation:
        return False


def _in_network(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def matches_any(patterns: Sequence[Mapping[str, Any]], event: Any) -> bool:
    """Lambda's ``FilterCriteria``: a record passes when any of the filters matches it."""
    return any(matches(pattern, event) for pattern in patterns)
