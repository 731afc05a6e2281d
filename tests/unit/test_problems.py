"""Domain errors become RFC 9457 problems in exactly one place."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from u22a8.api import problems
from u22a8.entities import errors


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        found |= {sub, *_all_subclasses(sub)}
    return found


# The errors of the model resource, with the status each must map to.
EXAMPLES: dict[type[errors.DomainError], tuple[Callable[[], errors.DomainError], int]] = {
    errors.InvalidInput: (lambda: errors.InvalidInput("bad"), 422),
    errors.MalformedJson: (lambda: errors.MalformedJson("not json"), 400),
    errors.PayloadTooLarge: (lambda: errors.PayloadTooLarge("too big"), 413),
    errors.ModelNotFound: (lambda: errors.ModelNotFound("acme.x"), 404),
    errors.HandleTaken: (lambda: errors.HandleTaken("acme.x"), 409),
    errors.ModelArchived: (lambda: errors.ModelArchived("acme.x"), 409),
    errors.PreconditionFailed: (lambda: errors.PreconditionFailed("acme.x"), 412),
    errors.IdempotencyKeyReused: (errors.IdempotencyKeyReused, 422),
    errors.RequestInProgress: (errors.RequestInProgress, 409),
    errors.ServiceBusy: (lambda: errors.ServiceBusy(retry_after_s=3), 503),
}


def test_every_domain_error_subclass_has_its_own_status() -> None:
    """Whoever adds an error class must map it: the 400 fallback is for nothing we raise."""
    # Only the product's classes: tests define throwaway subclasses of their own.
    subclasses = {
        c for c in _all_subclasses(errors.DomainError) if c.__module__.startswith("u22a8.")
    }
    assert set(EXAMPLES) <= subclasses
    for cls in subclasses:
        spec = problems.spec_for_class(cls)
        assert spec is not problems._FALLBACK, f"{cls.__name__} has no problem mapping"
        assert 400 <= spec.status <= 599


# Sorted outside the decorator, whose parameter type would make mypy infer ``object`` here.
EXAMPLE_CLASSES = sorted(EXAMPLES, key=lambda c: c.__name__)


@pytest.mark.parametrize("cls", EXAMPLE_CLASSES)
def test_model_resource_errors_map_to_their_statuses(cls: type[errors.DomainError]) -> None:
    factory, status = EXAMPLES[cls]
    error = factory()
    assert isinstance(error, cls)
    spec = problems.spec_for(error)
    assert spec is not problems._FALLBACK
    assert spec.status == status
    response = problems.from_domain_error(error, "req-1")
    body = json.loads(response.body)
    assert response.status == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert body == {
        "type": "https://u22a8.ai/problems/" + cls.code,
        "title": spec.title,
        "status": status,
        "detail": error.detail,
        "request_id": "req-1",
    }


def test_error_codes_are_unique_and_uri_safe() -> None:
    codes = [cls.code for cls in EXAMPLES]
    assert len(set(codes)) == len(codes)
    assert all(code.replace("-", "").isalnum() and code.islower() for code in codes)


def test_service_busy_carries_retry_after() -> None:
    response = problems.from_domain_error(errors.ServiceBusy(retry_after_s=3), None)
    assert response.headers["Retry-After"] == "3"
    assert response.status == 503
    assert "Retry-After" not in problems.from_domain_error(errors.MalformedJson("x"), None).headers


def test_an_unmapped_subclass_falls_back_to_400_not_500() -> None:
    class Odd(errors.DomainError):
        code = "odd"

    assert problems.spec_for(Odd("?")).status == 400


def test_subclasses_inherit_their_parents_status() -> None:
    class VeryInvalid(errors.InvalidInput):
        pass

    assert problems.spec_for(VeryInvalid("x")).status == 422


def test_invalid_input_lists_every_field_error() -> None:
    collector = errors.ValidationCollector()
    collector.add(("body", "a"), "unknown field", "extra_forbidden")
    collector.add(("body", "b", 0), "too long", "string_too_long")
    with pytest.raises(errors.InvalidInput) as caught:
        collector.raise_if_any("two problems")
    body = json.loads(problems.from_domain_error(caught.value, "r").body)
    assert body["detail"] == "two problems"
    assert body["errors"] == [
        {"loc": ["body", "a"], "msg": "unknown field", "type": "extra_forbidden"},
        {"loc": ["body", "b", 0], "msg": "too long", "type": "string_too_long"},
    ]


def test_collector_without_errors_does_not_raise() -> None:
    errors.ValidationCollector().raise_if_any()


def test_route_not_found_and_internal_error() -> None:
    missing = problems.route_not_found("r1")
    assert missing.status == 404
    assert json.loads(missing.body)["type"].endswith("/not-found")
    crash = problems.internal_error("r2")
    body = json.loads(crash.body)
    assert crash.status == 500
    assert body["status"] == 500
    assert body["request_id"] == "r2"
    assert body["type"].endswith("/internal-error")


def test_extensions_are_added_but_never_override_standard_members() -> None:
    body = json.loads(
        problems.problem_body(
            "model-busy",
            "Model busy",
            409,
            "busy",
            "r",
            extensions={"run_id": "run_1", "status": "200", "request_id": "forged"},
        )
    )
    assert body["run_id"] == "run_1"
    assert body["status"] == 409
    assert body["request_id"] == "r"
