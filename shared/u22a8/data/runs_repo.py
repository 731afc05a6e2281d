"""DynamoDB access for training runs: run items, and the transactions that claim and release a
model for a run.

A run item lives in its model's partition (``pk = MODEL#<handle>``, ``sk = RUN#<run_id>``). Every
change of a run's status goes in one ``TransactWriteItems`` with the model item's update, so the
model's ``state``/``current_run_id`` and the run's ``status`` can never disagree:

* **claim**: the model becomes busy with the run (conditional on its state and ``If-Match``) and
  the run item is put, ``running``. A refusal returns the model as it was (``ALL_OLD``), which
  is all the caller needs to answer (see ``runs_service.train``).
* **release**: the run ends (``failed`` or ``cancelled``) and the model, if that run still holds
  it, goes back to a resting state. Conditional on ``current_run_id``, so releasing twice, or
  releasing a run that no longer holds the model, changes nothing.
* **undo**: a claim whose execution could not be started is taken back as if it never happened
  (``state`` and ``last_operation`` as before), the run marked ``failed`` (``start-failed``).

While a run holds it, the model item keeps what a release needs without a read:
``state_before_run``, ``operation_before_run`` (the ``last_operation`` the claim replaced; an
empty map when there was none) and, inside ``last_operation``, the run's ``effort`` and
``reoptimize_params`` (not part of the API shape) so that a repeated train request can be
recognized from the refused claim alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from u22a8.config import get_settings
from u22a8.data import clients, cursors
from u22a8.data.busy_index import BUSY
from u22a8.data.items import error_code, from_item, raise_if_throttled, to_attr, to_item
from u22a8.data.keys import model_key, model_pk
from u22a8.data.model_update import ModelUpdate
from u22a8.data.models_repo import RETRAIN_DUE, model_from_item
from u22a8.data.transactions import Refused, transact_write
from u22a8.entities.model import Model, ModelState, OperationError
from u22a8.entities.run import (
    RUN_ID_PATTERN,
    Run,
    RunningRequest,
    RunPage,
    RunStatus,
    TrainRequest,
)
from u22a8.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

RUN_SK_PREFIX = "RUN#"
RUN_KEYS = frozenset({"pk", "sk"})
# A run item's sort key, as a cursor must carry it (u22a8.data.cursors).
_RUN_SK_SHAPE = re.compile(re.escape(RUN_SK_PREFIX) + RUN_ID_PATTERN.strip("^$"))
# Attributes that exist on the model item only while a run holds it.
_RUN_HOLD_ATTRIBUTES = ("current_run_id", "state_before_run", "operation_before_run", "gsi2pk")
# A transaction that keeps conflicting with others on the same model is retried this often
# (50 concurrent trains of one model must all get an answer, not a 503).
MAX_TRANSACTION_ATTEMPTS = 6


def _table() -> str:
    return get_settings().models_table


def run_sk(run_id: str) -> str:
    return f"{RUN_SK_PREFIX}{run_id}"


def _run_key(handle: str, run_id: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": model_pk(handle)}, "sk": {"S": run_sk(run_id)}}


# --- mapping -----------------------------------------------------------------------------------


def _error_attr(error: OperationError) -> AttributeValueTypeDef:
    return to_attr({"code": error.code, "message": error.message})


def item_from_run(handle: str, run: Run) -> dict[str, AttributeValueTypeDef]:
    return to_item(
        {
            "pk": model_pk(handle),
            "sk": run_sk(run.run_id),
            "run_id": run.run_id,
            "kind": run.kind,
            "status": run.status.value,
            "effort": run.effort,
            "reoptimize_params": run.reoptimize_params,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "progress": run.progress,
            "error": {"code": run.error.code, "message": run.error.message} if run.error else None,
            "version": run.version,
            "execution_arn": run.execution_arn,
        }
    )


def run_from_item(item: Mapping[str, Any]) -> Run:
    values = from_item(item)
    error = values.get("error")
    progress = values.get("progress")
    return Run(
        run_id=values["run_id"],
        kind=values.get("kind", "train"),
        status=RunStatus(values["status"]),
        started_at=values["started_at"],
        effort=values.get("effort"),
        reoptimize_params=bool(values.get("reoptimize_params", False)),
        finished_at=values.get("finished_at"),
        progress=float(progress) if progress is not None else None,
        error=OperationError(code=error["code"], message=error["message"]) if error else None,
        version=values.get("version"),
        execution_arn=values.get("execution_arn"),
    )


def running_request(item: Mapping[str, Any]) -> RunningRequest | None:
    """The run holding a model item, as the item records it; ``None`` when no run holds it."""
    values = from_item(item)
    run_id = values.get("current_run_id")
    if not run_id:
        return None
    operation = values.get("last_operation") or {}
    if operation.get("run_id") != run_id:
        # Not written by our claim (e.g. a retrain started elsewhere without these fields).
        return RunningRequest(run_id, str(operation.get("kind", "retrain")), None, False)
    return RunningRequest(
        run_id=run_id,
        kind=str(operation.get("kind", "train")),
        effort=operation.get("effort"),
        reoptimize_params=bool(operation.get("reoptimize_params", False)),
    )


# --- transactions ------------------------------------------------------------------------------


def _transact(actions: Sequence[dict[str, Any]]) -> Refused | None:
    """Concurrent claims of one model conflict; they are retried before answering 503."""
    return transact_write(actions, attempts=MAX_TRANSACTION_ATTEMPTS)


# --- claim -------------------------------------------------------------------------------------


class ClaimRefused(Exception):
    """The model could not be claimed; ``existing`` is the model as it was (``None``: missing)
    and ``running`` the run that holds it, if any."""

    def __init__(self, existing: Model | None, running: RunningRequest | None) -> None:
        super().__init__("claim refused")
        self.existing = existing
        self.running = running


def claim(
    handle: str,
    run: Run,
    request: TrainRequest,
    claimable: Sequence[ModelState],
    expected_revision: int | None,
    min_new_samples: int | None = None,
) -> None:
    """Make the model busy with ``run`` and store the run, in one transaction.

    The model must exist, be in one of the ``claimable`` states and (with ``If-Match``) have the
    expected revision, and (an automatic retrain) at least ``min_new_samples`` samples since its
    active version; otherwise :class:`ClaimRefused` says how it was.
    """
    values: dict[str, AttributeValueTypeDef] = {
        ":busy": {"S": ModelState.BUSY.value},
        ":busy_key": {"S": BUSY},
        ":run_id": {"S": run.run_id},
        ":operation": to_attr(
            {
                "kind": run.kind,
                "status": RunStatus.RUNNING.value,
                "run_id": run.run_id,
                "started_at": run.started_at,
                "progress": run.progress,
                "effort": request.effort,
                "reoptimize_params": request.reoptimize_params,
            }
        ),
        ":no_operation": {"M": {}},
    }
    allowed = []
    for index, state in enumerate(claimable):
        values[f":s{index}"] = {"S": state.value}
        allowed.append(f":s{index}")
    model_update = (
        ModelUpdate(_table(), model_key(handle))
        .set("state_before_run = #state", "#state = :busy", "current_run_id = :run_id")
        .set("operation_before_run = if_not_exists(last_operation, :no_operation)")
        .set("last_operation = :operation", "gsi2pk = :busy_key")
        .revised(run.started_at)
        # The run takes what the marker announced; an upload that reaches the threshold
        # again (during the run or after it) sets it anew.
        .remove(RETRAIN_DUE)
        .where("attribute_exists(pk)", f"#state IN ({', '.join(allowed)})")
        .names({"#state": "state"})
        .values(values)
        .expecting(expected_revision)
    )
    if min_new_samples is not None:
        model_update.where("samples_since_version >= :min_new")
        model_update.values({":min_new": {"N": str(min_new_samples)}})
    run_put = {
        "TableName": _table(),
        "Item": item_from_run(handle, run),
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    refused = _transact([{"Update": model_update.request()}, {"Put": run_put}])
    if refused is None:
        return
    if not refused.failed(0):
        raise RuntimeError(f"run claim refused for no model reason: {refused.codes}")
    old = refused.item(0)
    raise ClaimRefused(model_from_item(old) if old else None, running_request(old) if old else None)


def clear_retrain_due(handle: str, threshold: int) -> bool:
    """Remove a retrain marker the count no longer backs (a publish took back what its snapshot
    covered, an upload was undone, zero-data-retention reset the count), so the stream filter
    stops calling for a retrain; a no-op when the count is at the threshold. Whether it cleared.
    """
    update = (
        ModelUpdate(_table(), model_key(handle))
        .remove(RETRAIN_DUE)
        .where(
            f"attribute_exists({RETRAIN_DUE})",
            "(attribute_not_exists(samples_since_version) OR samples_since_version < :threshold)",
        )
    )
    update.values({":threshold": {"N": str(threshold)}})
    try:
        clients.dynamodb().update_item(**update.request(old_on_refusal=False))
    except ClientError as error:
        raise_if_throttled(error)
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


# --- release -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ModelRelease:
    """One way to release the model, and the condition under which it is the right one."""

    to_state: ModelState | None  # ``None``: back to ``state_before_run``
    applies_if: str  # exactly one way of a list applies to a model the run still holds
    operation: str = "end"  # end: mark last_operation ended; restore / clear: undo of a claim
    before: ModelState | None = None  # a restore that applies to this state_before_run only

    @property
    def result(self) -> ModelState | None:
        """The model's state after this release, when the way itself says it."""
        return self.to_state or self.before


def _restore(state: ModelState) -> _ModelRelease:
    """Back to ``state_before_run``, one way per prior state so the result (published as the
    model's new state) is known without a read."""
    return _ModelRelease(None, "state_before_run = :before", before=state)


_RESTORE = tuple(_restore(s) for s in (ModelState.DRAFT, ModelState.FAILED, ModelState.READY))
_READY_IF_ACTIVE = _ModelRelease(ModelState.READY, "attribute_exists(active_version)")
_FAILED_IF_NONE = _ModelRelease(ModelState.FAILED, "attribute_not_exists(active_version)")
_RELEASES: dict[RunStatus, tuple[_ModelRelease, ...]] = {
    # The model returns to the state it would have had without the run (its versions untouched);
    # the two fallbacks only serve a model claimed without ``state_before_run``.
    RunStatus.CANCELLED: (*_RESTORE, _READY_IF_ACTIVE, _FAILED_IF_NONE),
    # The old version keeps serving if there is one; otherwise the model is failed.
    RunStatus.FAILED: (_READY_IF_ACTIVE, _FAILED_IF_NONE),
}
_UNDO = (
    _ModelRelease(None, "size(operation_before_run) > :zero", operation="restore"),
    _ModelRelease(None, "size(operation_before_run) = :zero", operation="clear"),  # never ran
)


def _model_release(
    handle: str,
    run_id: str,
    way: _ModelRelease,
    status: RunStatus,
    error: OperationError | None,
    now: str,
) -> dict[str, Any]:
    update = ModelUpdate(_table(), model_key(handle)).revised(now).remove(*_RUN_HOLD_ATTRIBUTES)
    update.where("current_run_id = :run_id", way.applies_if).values({":run_id": {"S": run_id}})
    update.names({"#state": "state"})
    if way.to_state is None:
        update.set("#state = state_before_run")
    else:
        update.set("#state = :to_state").values({":to_state": {"S": way.to_state.value}})
    if way.operation == "restore":
        update.set("last_operation = operation_before_run")
    elif way.operation == "clear":
        update.remove("last_operation")
    else:
        update.set("last_operation.#status = :status", "last_operation.finished_at = :now")
        update.names({"#status": "status"}).values({":status": {"S": status.value}})
        if error is not None:
            update.set("last_operation.#error = :error").names({"#error": "error"})
            update.values({":error": _error_attr(error)})
    if ":zero" in way.applies_if:
        update.values({":zero": {"N": "0"}})
    if way.before is not None:
        update.values({":before": {"S": way.before.value}})
    return update.request()


def _run_end(
    handle: str, run_id: str, status: RunStatus, error: OperationError | None, now: str
) -> dict[str, Any]:
    values: dict[str, AttributeValueTypeDef] = {
        ":status": {"S": status.value},
        ":running": {"S": RunStatus.RUNNING.value},
        ":now": {"S": now},
    }
    sets = ["#status = :status", "finished_at = :now"]
    names = {"#status": "status"}
    if error is not None:
        names["#error"] = "error"
        sets.append("#error = :error")
        values[":error"] = _error_attr(error)
    return {
        "TableName": _table(),
        "Key": _run_key(handle, run_id),
        "UpdateExpression": "SET " + ", ".join(sets),
        "ConditionExpression": "#status = :running",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def _release(
    handle: str,
    run_id: str,
    status: RunStatus,
    error: OperationError | None,
    now: str,
    ways: Sequence[_ModelRelease],
) -> _ModelRelease | None:
    """End the run and release its model in one transaction: the way it was released, or
    ``None`` when the run no longer holds the model (then nothing is written)."""
    for way in ways:
        model_update = _model_release(handle, run_id, way, status, error, now)
        refused = _transact(
            [{"Update": model_update}, {"Update": _run_end(handle, run_id, status, error, now)}]
        )
        if refused is None:
            return way
        if refused.failed(0):
            old = refused.item(0)
            if old is None or from_item(old).get("current_run_id") != run_id:
                return None  # released already (or never claimed): nothing to do
            continue  # still held by the run: this way does not apply, the next one does
        if refused.failed(1):
            # The model is held by a run that has already ended: release the model alone.
            logger.warning("releasing a model whose run had ended", extra={"run_id": run_id})
            refused = _transact([{"Update": model_update}])
            if refused is None:
                return way
            if refused.failed(0):
                continue
        raise RuntimeError(f"run release refused: {refused.codes}")
    raise RuntimeError(f"no way to release model {handle} from run {run_id}")


def release_to(
    handle: str, run_id: str, status: RunStatus, error: OperationError | None, now: str
) -> ModelState | None:
    """The run ends ``failed`` or ``cancelled``; its model, if the run still holds it, rests
    again. The model's new state, or ``None`` (and nothing written) when the run no longer
    holds the model."""
    if status not in _RELEASES:
        raise ValueError(f"a run cannot be released as {status}")
    way = _release(handle, run_id, status, error, now, _RELEASES[status])
    return way.result if way is not None else None


def release(
    handle: str, run_id: str, status: RunStatus, error: OperationError | None, now: str
) -> bool:
    """As :func:`release_to`; whether this call released the model."""
    return release_to(handle, run_id, status, error, now) is not None


def undo_claim(handle: str, run_id: str, error: OperationError, now: str) -> bool:
    """Take back a claim whose execution never started: the model as it was before (state and
    last operation), the run ``failed`` with ``error``."""
    return _release(handle, run_id, RunStatus.FAILED, error, now, _UNDO) is not None


# --- reads -------------------------------------------------------------------------------------


def get(handle: str, run_id: str) -> Run | None:
    try:
        response = clients.dynamodb().get_item(
            TableName=_table(), Key=_run_key(handle, run_id), ConsistentRead=True
        )
    except ClientError as error:
        raise_if_throttled(error)
        raise
    item = response.get("Item")
    return run_from_item(item) if item else None


def put(handle: str, run: Run) -> None:
    """Store a run item as it is (tests and tools; the API stores runs only by claiming)."""
    try:
        clients.dynamodb().put_item(TableName=_table(), Item=item_from_run(handle, run))
    except ClientError as error:
        raise_if_throttled(error)
        raise


def list_page(handle: str, limit: int, cursor: str | None) -> RunPage:
    """Up to ``limit`` runs, newest first, from one strongly consistent query.

    One extra item is asked for, so the last page has no cursor. The cursor must point into this
    model's runs (422 otherwise).
    """
    partition = model_pk(handle)
    params: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": partition}, ":prefix": {"S": RUN_SK_PREFIX}},
        "ScanIndexForward": False,
        "Limit": limit + 1,
        "ConsistentRead": True,
    }
    if cursor:
        params["ExclusiveStartKey"] = cursors.decode(cursor, {"pk": partition, "sk": _RUN_SK_SHAPE})
    try:
        response = clients.dynamodb().query(**params)
    except ClientError as error:
        raise_if_throttled(error)
        raise
    runs = [run_from_item(item) for item in response.get("Items", [])]
    if len(runs) > limit:
        runs = runs[:limit]
        return RunPage(runs, cursors.encode(_run_key(handle, runs[-1].run_id)))
    last_key = response.get("LastEvaluatedKey")
    return RunPage(runs, cursors.encode(last_key) if last_key else None)
