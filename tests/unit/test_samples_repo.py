"""The samples data layer and service against moto, with DynamoDB failures injected."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from tests.helpers import event_hook
from u22a8.data import clients, models_repo, samples_repo
from u22a8.data.models_repo import WriteRefused
from u22a8.domain import samples_service
from u22a8.entities.errors import (
    ModelArchived,
    ModelNotFound,
    SampleNotFound,
    ServiceBusy,
    ZeroDataRetention,
)
from u22a8.entities.model import Model, ModelChanges, ModelState
from u22a8.entities.sample import NewSample, Sample, new_sample_id
from u22a8.observability import logger

HANDLE = "acme.tone"
NOW = "2026-01-01T00:00:00.000Z"

Failure = dict[str, Any]


def _model(**changes: Any) -> Model:
    fields: dict[str, Any] = {
        "handle": HANDLE,
        "criteria": ("Clarity", "Flow"),
        "state": ModelState.DRAFT,
        "created_at": NOW,
        "updated_at": NOW,
        "revision": 1,
        **changes,
    }
    return Model(**fields)


def _samples(count: int, start: int = 0) -> list[Sample]:
    return [
        Sample(new_sample_id(1_700_000_000_000, i), f"text {i}", {"Clarity": 0.5}, NOW)
        for i in range(start, start + count)
    ]


def _stored(handle: str = HANDLE) -> list[Sample]:
    found: list[Sample] = []
    cursor = None
    while True:
        page = samples_repo.list_page(handle, 100, cursor)
        found += page.samples
        cursor = page.next_cursor
        if cursor is None:
            return found


def _counters() -> tuple[int, int]:
    item = clients.dynamodb().get_item(
        TableName=models_repo._table(),
        Key={"pk": {"S": f"MODEL#{HANDLE}"}, "sk": {"S": "META"}},
    )["Item"]
    return int(item["sample_count"]["N"]), int(item["samples_since_version"]["N"])


@pytest.fixture
def model(aws: dict[str, str]) -> Model:
    created = _model()
    models_repo.put_new(created)
    return created


@pytest.fixture
def fail_transactions() -> Iterator[Callable[[dict[int, Failure]], list[int]]]:
    """Answer the n-th TransactWriteItems (1-based) with an error instead of sending it."""
    registered: list[Callable[..., None]] = []

    def install(failures: dict[int, Failure]) -> list[int]:
        seen: list[int] = []

        def maybe_fail(model: Any, **_: Any) -> tuple[AWSResponse, Failure] | None:
            if model.name != "TransactWriteItems":
                return None
            seen.append(len(seen) + 1)
            failure = failures.get(len(seen))
            if failure is None:
                return None
            return AWSResponse("https://dynamodb", 400, HTTPHeaders(), None), failure

        hook = event_hook(maybe_fail)
        clients.dynamodb().meta.events.register("before-call.dynamodb", hook)
        registered.append(hook)
        return seen

    yield install
    for handler in registered:
        clients.dynamodb().meta.events.unregister("before-call.dynamodb", handler)


def _cancelled(*codes: str) -> Failure:
    return {
        "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
        "CancellationReasons": [{"Code": code} for code in codes],
    }


THROTTLED: Failure = {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}


# --- storage shape -------------------------------------------------------------------------------


def test_samples_round_trip_with_their_scores(model: Model) -> None:
    samples = [
        Sample(new_sample_id(1, 0), "ünï 🚀", {"Clarity": 0.1, "Flow": 1.0}, NOW),
        Sample(new_sample_id(1, 1), "b", {"Clarity": -0.0}, NOW),
        Sample(new_sample_id(1, 2), "c", {"Flow": 1e-200}, NOW),
    ]
    samples_repo.add(HANDLE, samples)
    stored = _stored()
    assert [s.sample_id for s in stored] == [s.sample_id for s in samples]
    assert stored[0] == samples[0]
    assert stored[1].scores == {"Clarity": 0.0}
    assert stored[2].scores == {"Flow": 0.0}  # below DynamoDB's smallest number


def test_counters_do_not_touch_the_revision(model: Model) -> None:
    samples_repo.add(HANDLE, _samples(100))
    assert _counters() == (100, 100)
    after = models_repo.get(HANDLE)
    assert after == model


# --- refusals and failures -----------------------------------------------------------------------


def test_a_missing_model_refuses_the_write(aws: dict[str, str]) -> None:
    with pytest.raises(WriteRefused) as info:
        samples_repo.add(HANDLE, _samples(1))
    assert info.value.failure.existing is None


@pytest.mark.parametrize("failure", [_cancelled("None", "TransactionConflict"), THROTTLED])
def test_conflicts_and_throttling_are_service_busy(
    model: Model, fail_transactions: Callable[[dict[int, Failure]], list[int]], failure: Failure
) -> None:
    fail_transactions({1: failure})
    with pytest.raises(ServiceBusy):
        samples_repo.add(HANDLE, _samples(5))
    assert _stored() == []


def test_a_failure_after_the_first_transaction_takes_the_committed_samples_back(
    model: Model, fail_transactions: Callable[[dict[int, Failure]], list[int]]
) -> None:
    seen = fail_transactions({3: _cancelled("None", "TransactionConflict")})
    with pytest.raises(ServiceBusy):
        samples_repo.add(HANDLE, _samples(250))
    assert seen == [1, 2, 3, 4, 5]  # three chunks tried, two undone
    assert _stored() == []
    assert _counters() == (0, 0)


def test_a_failed_undo_is_logged_and_the_original_error_raised(
    model: Model,
    fail_transactions: Callable[[dict[int, Failure]], list[int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logged: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(logger, "exception", lambda msg, extra: logged.append((msg, extra)))
    fail_transactions({2: THROTTLED, 3: THROTTLED})
    with pytest.raises(ServiceBusy):
        samples_repo.add(HANDLE, _samples(150))
    assert len(_stored()) == 99
    ((message, extra),) = logged
    assert message == "could not undo a partial sample upload"
    assert len(extra["sample_ids"]) == 99


def test_an_unexplained_cancellation_is_an_error(
    model: Model, fail_transactions: Callable[[dict[int, Failure]], list[int]]
) -> None:
    fail_transactions({1: _cancelled("None", "ConditionalCheckFailed")})
    with pytest.raises(RuntimeError):
        samples_repo.add(HANDLE, _samples(1))


def test_delete_tells_a_missing_sample_from_a_missing_model(model: Model) -> None:
    with pytest.raises(samples_repo.SampleMissing):
        samples_repo.delete(HANDLE, new_sample_id(1, 0))
    with pytest.raises(WriteRefused) as info:
        samples_repo.delete("acme.nope", new_sample_id(1, 0))
    assert info.value.failure.existing is None


def test_delete_conflicts_are_service_busy(
    model: Model, fail_transactions: Callable[[dict[int, Failure]], list[int]]
) -> None:
    fail_transactions({1: _cancelled("TransactionConflict", "None")})
    with pytest.raises(ServiceBusy):
        samples_repo.delete(HANDLE, new_sample_id(1, 0))


# --- service -------------------------------------------------------------------------------------


def test_the_service_maps_refusals_to_domain_errors(model: Model) -> None:
    new = [NewSample("t", {"Clarity": 0.5})]
    with pytest.raises(ModelNotFound):
        samples_service.add_samples("acme", "acme.nope", new)
    with pytest.raises(ModelNotFound):
        samples_service.add_samples("globex", HANDLE, new)
    models_repo.apply_changes(HANDLE, ModelChanges(zero_data_retention=True), None, NOW)
    with pytest.raises(ZeroDataRetention):
        samples_service.add_samples("acme", HANDLE, new)
    models_repo.archive(HANDLE, "acme", None, NOW)
    with pytest.raises(ModelArchived):
        samples_service.add_samples("acme", HANDLE, new)
    with pytest.raises(ModelArchived):
        samples_service.delete_sample("acme", HANDLE, new_sample_id(1, 0))


def test_the_service_deletes_and_then_reports_the_sample_missing(model: Model) -> None:
    (sample_id,) = samples_service.add_samples("acme", HANDLE, [NewSample("t", {"Flow": 1.0})])
    samples_service.delete_sample("acme", HANDLE, sample_id)
    with pytest.raises(SampleNotFound):
        samples_service.delete_sample("acme", HANDLE, sample_id)


def test_a_page_is_cut_before_its_texts_outgrow_the_response_budget(
    model: Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = samples_service.add_samples(
        "acme", HANDLE, [NewSample("\x01" * 100, {"Flow": 0.5}) for _ in range(7)]
    )
    monkeypatch.setattr(samples_service, "MAX_PAGE_TEXT_BYTES", 1_300)  # two escaped texts
    pages = []
    cursor = None
    while True:
        page = samples_service.list_samples("acme", HANDLE, 100, cursor)
        pages.append([s.sample_id for s in page.samples])
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [i for p in pages for i in p] == ids


def test_one_sample_over_the_budget_is_still_served(
    model: Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    samples_service.add_samples("acme", HANDLE, [NewSample("x" * 50, {"Flow": 0.5})])
    monkeypatch.setattr(samples_service, "MAX_PAGE_TEXT_BYTES", 10)
    page = samples_service.list_samples("acme", HANDLE, 20, None)
    assert len(page.samples) == 1
    assert page.next_cursor is None
